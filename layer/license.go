package layer

import (
	"regexp"
	"slices"
	"strings"
)

// Debian's machine-readable copyright files (DEP-5) name licences with
// short names of their own (GPL-2+, Expat, BSD-3-clause); the SBOM needs
// SPDX license expressions. A name SPDX knows becomes its identifier; any
// other a LicenseRef, defined in the document with the text the copyright
// file gives it.

// licenses are the LicenseRefs a document uses, with their texts.
type licenses struct {
	texts map[string]string // LicenseRef-NAME → text
}

// debianNames are Debian's short names that are not SPDX identifiers as
// they are, and the identifier of each.
var debianNames = map[string]string{
	"expat": "MIT", "artistic": "Artistic-1.0-Perl", "artistic-1": "Artistic-1.0-Perl", "perl": "Artistic-1.0-Perl OR GPL-1.0-or-later",
	"psf-2": "PSF-2.0", "apache-2": "Apache-2.0", "mpl-2": "MPL-2.0", "cc0": "CC0-1.0", "zlib": "Zlib",
	"bsd-2": "BSD-2-Clause", "bsd-3": "BSD-3-Clause", "bsd-4": "BSD-4-Clause", "mit/x11": "MIT", "x11": "X11",
	"public-domain": "", "publicdomain": "", "bsl": "BSL-1.0", "boost-1.0": "BSL-1.0", "python": "Python-2.0",
	"sleepycat": "Sleepycat", "curl": "curl", "openssl": "OpenSSL", "isc": "ISC", "ftl": "FTL", "ijg": "IJG",
	"libpng": "Libpng", "unicode-dfs-2016": "Unicode-DFS-2016", "ofl-1.1": "OFL-1.1", "cc-by-sa-3.0": "CC-BY-SA-3.0",
	"cc-by-4.0": "CC-BY-4.0", "cc-by-3.0": "CC-BY-3.0", "cc-by-sa-4.0": "CC-BY-SA-4.0", "bzip2": "bzip2-1.0.6",
}

// spdxIDs are SPDX license identifiers taken as they are (matched without
// case), besides the GNU family, which gnuName reads.
var spdxIDs = []string{
	"0BSD", "AFL-2.1", "Apache-1.0", "Apache-1.1", "Apache-2.0", "Artistic-1.0", "Artistic-1.0-Perl", "Artistic-2.0",
	"Beerware", "BSD-1-Clause", "BSD-2-Clause", "BSD-3-Clause", "BSD-4-Clause", "BSL-1.0", "bzip2-1.0.6", "CC-BY-3.0",
	"CC-BY-4.0", "CC-BY-SA-3.0", "CC-BY-SA-4.0", "CC0-1.0", "CDDL-1.0", "curl", "EPL-1.0", "EPL-2.0", "FTL", "GD",
	"HPND", "ICU", "IJG", "Info-ZIP", "ISC", "JSON", "Libpng", "libpng-2.0", "MirOS", "MIT", "MIT-0", "MPL-1.0", "MPL-1.1",
	"MPL-2.0", "MS-PL", "NTP", "OFL-1.1", "OpenSSL", "PHP-3.01", "PSF-2.0", "Python-2.0", "Ruby", "SGI-B-2.0",
	"Sleepycat", "Spencer-94", "TCL", "Unicode-3.0", "Unicode-DFS-2016", "Unlicense", "Vim", "W3C", "WTFPL", "X11",
	"Zlib", "ZPL-2.1", "blessing", "LGPL-2.0-only", "LGPL-2.0-or-later", "LGPL-2.1-only", "LGPL-2.1-or-later",
	"LGPL-3.0-only", "LGPL-3.0-or-later", "GPL-1.0-only", "GPL-1.0-or-later", "GPL-2.0-only", "GPL-2.0-or-later",
	"GPL-3.0-only", "GPL-3.0-or-later", "AGPL-3.0-only", "AGPL-3.0-or-later", "GFDL-1.1-only", "GFDL-1.1-or-later",
	"GFDL-1.2-only", "GFDL-1.2-or-later", "GFDL-1.3-only", "GFDL-1.3-or-later", "LPPL-1.3c",
}

// gnuName reads Debian's GPL-2, GPL-2+, LGPL-2.1+, GFDL-1.3+ and the like.
var gnuName = regexp.MustCompile(`(?i)^(A?GPL|LGPL|GFDL)-?(\d)(?:\.(\d))?(\+|-or-later|-only)?$`)

// spdxLicense is the SPDX identifier of one licence name, "" when SPDX has
// none.
func spdxLicense(name string) string {
	n := strings.TrimSpace(name)
	if m := gnuName.FindStringSubmatch(n); m != nil {
		family, minor := strings.ToUpper(m[1]), m[3]
		if minor == "" {
			minor = "0"
			if family == "GFDL" {
				return ""
			}
		}
		suffix := "-only"
		if m[4] == "+" || strings.EqualFold(m[4], "-or-later") {
			suffix = "-or-later"
		}
		id := family + "-" + m[2] + "." + minor + suffix
		if slices.Contains(spdxIDs, id) {
			return id
		}
		return ""
	}
	if id, ok := debianNames[strings.ToLower(n)]; ok {
		return id
	}
	for _, id := range spdxIDs {
		if strings.EqualFold(id, n) {
			return id
		}
	}
	return ""
}

var (
	orAnd      = regexp.MustCompile(`(?i),?\s+(or|and)\s+`)
	refUnsafe  = regexp.MustCompile(`[^A-Za-z0-9.-]+`)
	exprTokens = regexp.MustCompile(`[()]|[^\s()]+`)
)

// licenseRef is the LicenseRef for a name SPDX does not know.
func licenseRef(name string) string {
	return "LicenseRef-" + strings.Trim(refUnsafe.ReplaceAllString(name, "-"), "-")
}

// expression turns a DEP-5 License line ("GPL-2+ or Artistic") into an
// SPDX expression; names SPDX lacks become LicenseRefs, defined with the
// text that texts gives them (the copyright file's License paragraphs).
func (ls *licenses) expression(line string, texts map[string]string, pkg string) string {
	line = strings.TrimSpace(line)
	if line == "" {
		return ""
	}
	parts := orAnd.Split(line, -1)
	ops := orAnd.FindAllStringSubmatch(line, -1)
	var out []string
	for i, p := range parts {
		id := ""
		if !strings.Contains(strings.ToLower(p), " with ") {
			id = spdxLicense(p)
		}
		if id == "" {
			id = licenseRef(p)
			if _, ok := ls.texts[id]; !ok {
				text := texts[strings.ToLower(strings.TrimSpace(p))]
				if text == "" {
					text = "The licence named \"" + strings.TrimSpace(p) + "\" in /usr/share/doc/" + pkg + "/copyright, which gives no text for it."
				}
				ls.texts[id] = text
			}
		}
		if strings.Contains(id, " ") {
			id = "(" + id + ")"
		}
		out = append(out, id)
		if i < len(ops) {
			out = append(out, strings.ToUpper(ops[i][1]))
		}
	}
	return strings.Join(out, " ")
}

// debianLicense is the SPDX expression of a Debian copyright file: every
// licence its Files paragraphs name (the package holds files under each),
// "" when the file is not machine-readable.
func (ls *licenses) debianLicense(copyright, pkg string) string {
	paras := strings.Split(strings.ReplaceAll(copyright, "\r\n", "\n"), "\n\n")
	if len(paras) == 0 || !strings.Contains(field(paras[0], "Format"), "copyright-format") && !strings.Contains(field(paras[0], "Format"), "dep5") {
		return ""
	}
	// Standalone License paragraphs give the texts of the names.
	texts := map[string]string{}
	for _, p := range paras {
		if field(p, "Files") != "" {
			continue
		}
		name, text, ok := licenseField(p)
		if ok && text != "" {
			texts[strings.ToLower(name)] = text
		}
	}
	var exprs []string
	for _, p := range paras {
		if field(p, "Files") == "" {
			continue
		}
		name, text, _ := licenseField(p)
		if name == "" {
			continue
		}
		if text != "" {
			if _, ok := texts[strings.ToLower(name)]; !ok {
				texts[strings.ToLower(name)] = text
			}
		}
		if e := ls.expression(name, texts, pkg); e != "" && !slices.Contains(exprs, e) {
			exprs = append(exprs, e)
		}
	}
	slices.Sort(exprs)
	if len(exprs) > 1 {
		for i, e := range exprs {
			if strings.Contains(e, " ") {
				exprs[i] = "(" + e + ")"
			}
		}
	}
	return strings.Join(exprs, " AND ")
}

// field is the first line of a field of a control-style paragraph.
func field(para, name string) string {
	for _, line := range strings.Split(para, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && !strings.HasPrefix(line, " ") && strings.EqualFold(k, name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// licenseField is a paragraph's License field: the name (its first line)
// and the text (its continuation lines, " ." lines empty).
func licenseField(para string) (string, string, bool) {
	lines := strings.Split(para, "\n")
	for i, line := range lines {
		k, v, ok := strings.Cut(line, ":")
		if !ok || strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t") || !strings.EqualFold(k, "License") {
			continue
		}
		var text []string
		for _, l := range lines[i+1:] {
			if !strings.HasPrefix(l, " ") && !strings.HasPrefix(l, "\t") {
				break
			}
			l = strings.TrimSpace(l)
			if l == "." {
				l = ""
			}
			text = append(text, l)
		}
		return strings.TrimSpace(v), strings.TrimSpace(strings.Join(text, "\n")), true
	}
	return "", "", false
}

// validExpression tells whether a package's own licence expression (a
// Python package's License-Expression) holds only identifiers Strata
// knows, so that the document stays valid; LicenseRefs are not taken,
// since the document would have to define them.
func validExpression(expr string) bool {
	toks := exprTokens.FindAllString(expr, -1)
	if len(toks) == 0 {
		return false
	}
	for _, t := range toks {
		switch strings.ToUpper(t) {
		case "(", ")", "AND", "OR", "WITH":
			continue
		}
		if !slices.Contains(spdxIDs, t) && !strings.HasSuffix(t, "-exception") {
			return false
		}
	}
	return true
}
