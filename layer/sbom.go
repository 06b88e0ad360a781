package layer

import (
	"bufio"
	"bytes"
	"debug/buildinfo"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// The facts an SBOM is made of, read where they are: the dpkg status of a
// root (an image's, or the one the Debian step leaves in a layer's
// sources) and each package's copyright file; the Go build information of
// Go programs; the *.dist-info of installed Python packages, matched with
// uv.lock; Cargo.lock's crates, which the frontend passes.

// dpkgStatus is where a root lists its Debian packages.
const dpkgStatus = "/var/lib/dpkg/status"

// debPackage is a package of a dpkg status.
type debPackage struct {
	name, version, arch, source, maintainer, homepage string
}

// readDpkgStatus reads the installed packages of a root's dpkg status (and
// of distroless' /var/lib/dpkg/status.d/*), sorted by name.
func readDpkgStatus(r rootFS) []debPackage {
	var files []string
	if p, err := r.resolve(dpkgStatus); err == nil {
		files = append(files, p)
	}
	if d, err := r.resolve("/var/lib/dpkg/status.d"); err == nil {
		if es, err := os.ReadDir(r.host(d)); err == nil {
			for _, e := range es {
				if e.Type().IsRegular() {
					files = append(files, path.Join(d, e.Name()))
				}
			}
		}
	}
	var out []debPackage
	seen := map[string]bool{}
	for _, f := range files {
		dt, err := os.ReadFile(r.host(f))
		if err != nil {
			continue
		}
		for _, para := range strings.Split(string(dt), "\n\n") {
			p := debPackage{name: field(para, "Package"), version: field(para, "Version"), arch: field(para, "Architecture"),
				source: field(para, "Source"), maintainer: field(para, "Maintainer"), homepage: field(para, "Homepage")}
			status := field(para, "Status")
			if p.name == "" || p.version == "" || (status != "" && !strings.HasSuffix(status, " installed")) || seen[p.name] {
				continue
			}
			seen[p.name] = true
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b debPackage) int { return strings.Compare(a.name, b.name) })
	return out
}

// osRelease is a root's distro for purls (debian-12), "" when it has none.
func osRelease(r rootFS) string {
	for _, f := range []string{"/etc/os-release", "/usr/lib/os-release"} {
		p, err := r.resolve(f)
		if err != nil {
			continue
		}
		dt, err := os.ReadFile(r.host(p))
		if err != nil {
			continue
		}
		var id, version string
		sc := bufio.NewScanner(bytes.NewReader(dt))
		for sc.Scan() {
			k, v, _ := strings.Cut(sc.Text(), "=")
			v = strings.Trim(v, `"'`)
			switch k {
			case "ID":
				id = v
			case "VERSION_ID":
				version = v
			}
		}
		if id != "" && version != "" {
			return id + "-" + version
		}
	}
	return ""
}

var personEmail = regexp.MustCompile(`^(.*?)\s*<([^>]*)>\s*$`)

// supplier is SPDX's form of a Debian Maintainer field.
func supplier(maintainer string) string {
	if maintainer == "" {
		return ""
	}
	if m := personEmail.FindStringSubmatch(maintainer); m != nil {
		return "Person: " + m[1] + " (" + m[2] + ")"
	}
	return "Person: " + maintainer
}

// debianSBOM is a Debian package as a document package, with its licence
// from its copyright file when that is machine-readable.
func (d *sbomDoc) debian(r rootFS, p debPackage, distro string) *sbomPkg {
	version, epoch := p.version, ""
	if e, v, ok := strings.Cut(p.version, ":"); ok {
		epoch, version = e, v
	}
	namespace, _, _ := strings.Cut(distro, "-")
	if namespace == "" {
		namespace = "debian"
	}
	purl := "pkg:deb/" + namespace + "/" + p.name + "@" + version + "?arch=" + p.arch
	if epoch != "" {
		purl += "&epoch=" + epoch
	}
	if distro != "" {
		purl += "&distro=" + distro
	}
	sp := sbomPkg{kind: "deb", name: p.name, version: p.version, purl: purl, supplier: supplier(p.maintainer),
		homepage: p.homepage, purpose: "LIBRARY"}
	if p.source != "" {
		sp.sourceInfo = "built from the Debian source package " + p.source
	}
	if c, err := r.resolve("/usr/share/doc/" + p.name + "/copyright"); err == nil {
		if dt, err := os.ReadFile(r.host(c)); err == nil {
			sp.license = d.licenses.debianLicense(string(dt), p.name)
		}
	}
	return d.add(sp)
}

// addDebian adds every package of the root's dpkg status.
func (d *sbomDoc) addDebian(r rootFS, distro string) map[string]*sbomPkg {
	if distro == "" {
		distro = osRelease(r)
	}
	out := map[string]*sbomPkg{}
	for _, p := range readDpkgStatus(r) {
		out[p.name] = d.debian(r, p, distro)
	}
	return out
}

// dpkgLists maps the paths of a root's dpkg file lists
// (/var/lib/dpkg/info/PKG[:ARCH].list) to their packages.
func dpkgLists(r rootFS) map[string]string {
	out := map[string]string{}
	dir, err := r.resolve("/var/lib/dpkg/info")
	if err != nil {
		return out
	}
	lists, _ := filepath.Glob(filepath.Join(r.host(dir), "*.list"))
	slices.Sort(lists)
	for _, l := range lists {
		pkg, _, _ := strings.Cut(strings.TrimSuffix(filepath.Base(l), ".list"), ":")
		dt, err := os.ReadFile(l)
		if err != nil {
			continue
		}
		for _, p := range strings.Split(string(dt), "\n") {
			if p != "" && p != "/." {
				if _, ok := out[p]; !ok {
					out[p] = pkg
				}
			}
		}
	}
	return out
}

// addGo adds the Go modules a program was built from, read from its build
// information (any architecture's); a file that is not a Go program adds
// nothing.
func (d *sbomDoc) addGo(file string) bool {
	bi, err := buildinfo.ReadFile(file)
	if err != nil {
		return false
	}
	mod := func(path, version string) {
		sp := sbomPkg{kind: "golang", name: path, version: version, purpose: "LIBRARY"}
		if version != "" && version != "(devel)" {
			sp.purl = "pkg:golang/" + path + "@" + version
		} else {
			sp.version = ""
			sp.comment = "the main module, built from the build context"
			sp.purpose = "APPLICATION"
		}
		d.add(sp)
	}
	if bi.Main.Path != "" {
		mod(bi.Main.Path, bi.Main.Version)
	}
	for _, m := range bi.Deps {
		if m.Replace != nil {
			m = m.Replace
		}
		mod(m.Path, m.Version)
	}
	v := strings.TrimPrefix(bi.GoVersion, "go")
	d.add(sbomPkg{kind: "golang", name: "stdlib", version: bi.GoVersion, purl: "pkg:golang/stdlib@" + v, purpose: "LIBRARY",
		comment: "the Go standard library and runtime the program is built with"})
	return true
}

// addLocked adds packages known from lock files as they are.
func (d *sbomDoc) addLocked(ps []SBOMPackage) {
	for _, p := range ps {
		sp := sbomPkg{kind: p.Kind, name: p.Name, version: p.Version, download: p.Download, purpose: "LIBRARY"}
		if p.SHA256 != "" {
			sp.checksums = [][2]string{{"SHA256", p.SHA256}}
		}
		if p.Kind != "" && p.Version != "" {
			sp.purl = "pkg:" + p.Kind + "/" + p.Name + "@" + p.Version
		}
		d.add(sp)
	}
}

// addPython adds the Python packages installed under the root's dirs (a
// site-packages directory: their *.dist-info), with what uv.lock says of
// them: the file installed, by its wheel tags, or the sdist it was built
// from.
func (d *sbomDoc) addPython(r rootFS, dirs []string, locked []SBOMPackage) {
	byName := map[string]SBOMPackage{}
	for _, p := range locked {
		byName[normalizePython(p.Name)+"@"+p.Version] = p
	}
	for _, dir := range dirs {
		matches, _ := filepath.Glob(filepath.Join(r.host(dir), "*.dist-info"))
		slices.Sort(matches)
		for _, m := range matches {
			meta, err := os.ReadFile(filepath.Join(m, "METADATA"))
			if err != nil {
				continue
			}
			head, _, _ := strings.Cut(strings.ReplaceAll(string(meta), "\r\n", "\n"), "\n\n")
			name, version := field(head, "Name"), field(head, "Version")
			if name == "" || version == "" {
				continue
			}
			sp := sbomPkg{kind: "pypi", name: name, version: version, purl: "pkg:pypi/" + normalizePython(name) + "@" + version,
				homepage: field(head, "Home-page"), purpose: "LIBRARY"}
			if e := field(head, "License-Expression"); validExpression(e) {
				sp.license = e
			} else if id := spdxLicense(field(head, "License")); id != "" && !strings.Contains(id, " ") {
				sp.license = id
			}
			lp, ok := byName[normalizePython(name)+"@"+version]
			if !ok {
				sp.comment = "installed, and not in uv.lock"
				d.add(sp)
				continue
			}
			wheel, _ := os.ReadFile(filepath.Join(m, "WHEEL"))
			if f, built := installedFile(lp.Files, wheelTags(string(wheel))); f != nil {
				sp.download, sp.checksums = f.URL, [][2]string{{"SHA256", f.SHA256}}
				if built {
					sp.comment = "built for the target from its sdist " + f.Name
				} else {
					sp.comment = "installed from " + f.Name
				}
			}
			d.add(sp)
		}
	}
}

// normalizePython is a Python package's normalized name (PEP 503).
func normalizePython(name string) string {
	return strings.ToLower(regexp.MustCompile(`[-_.]+`).ReplaceAllString(name, "-"))
}

// wheelTags are the tags a WHEEL file lists.
func wheelTags(wheel string) []string {
	var tags []string
	for _, line := range strings.Split(wheel, "\n") {
		if v, ok := strings.CutPrefix(line, "Tag:"); ok {
			tags = append(tags, strings.TrimSpace(v))
		}
	}
	slices.Sort(tags)
	return tags
}

// installedFile is the distribution file whose wheel tags are the
// installed ones; else the sdist (built says so); nil when neither.
func installedFile(files []SBOMFile, tags []string) (*SBOMFile, bool) {
	var sdist *SBOMFile
	for i, f := range files {
		if !strings.HasSuffix(f.Name, ".whl") {
			sdist = &files[i]
			continue
		}
		parts := strings.Split(strings.TrimSuffix(f.Name, ".whl"), "-")
		if len(parts) < 5 {
			continue
		}
		var expanded []string
		for _, py := range strings.Split(parts[len(parts)-3], ".") {
			for _, abi := range strings.Split(parts[len(parts)-2], ".") {
				for _, plat := range strings.Split(parts[len(parts)-1], ".") {
					expanded = append(expanded, py+"-"+abi+"-"+plat)
				}
			}
		}
		slices.Sort(expanded)
		if len(tags) > 0 && slices.Equal(expanded, tags) {
			return &files[i], false
		}
	}
	return sdist, sdist != nil
}

// fileEntry is a shipped file of the document, its checksums read from
// host.
func fileEntry(name, host string) (sbomFileEntry, error) {
	s1, s256, err := fileChecksums(host)
	if err != nil {
		return sbomFileEntry{}, err
	}
	return sbomFileEntry{name: name, sha1: s1, sha256: s256}, nil
}

// SBOMName is the file of a layer's or code package's SPDX document.
func SBOMName(name string) string { return name + ".spdx.json" }

// writeSBOM writes a layer's document: its Debian packages (with the
// files of the layer that came from each), the Go programs' modules, the
// installed Python packages, what the request's info adds; the files that
// came from no package belong to the layer itself.
func (l *Layer) writeSBOM(opt BuildOptions, src, root rootFS, m *Manifest) error {
	info := opt.SBOM
	if info == nil {
		info = &SBOMInfo{}
	}
	purpose := "ARCHIVE"
	d := newSBOMDoc(opt.Name, info.Platform, opt.MTime, sbomPkg{name: opt.Name, purpose: purpose,
		checksums: [][2]string{{"SHA256", m.SHA256}},
		comment:   "the " + m.Format + " archive " + m.Archive + ", extracted at " + opt.Prefix + "; file names are relative to it"})
	debs := d.addDebian(src, info.Distro)
	used := map[*sbomPkg]bool{}
	var lists map[string]string
	for _, e := range l.Entries {
		if e.Link != "" {
			continue
		}
		pkg := e.Package
		if pkg == "" && e.Source != "" {
			// Sources without packages.tsv (an image's files): dpkg's own
			// file lists say which package a file came from.
			if lists == nil {
				lists = dpkgLists(src)
			}
			if pkg = lists[e.Source]; pkg == "" {
				pkg = lists[mergedUsr(e.Source)]
			}
		}
		f, err := fileEntry("./"+e.Path, root.host(e.Source))
		if err != nil {
			return err
		}
		if p := debs[pkg]; p != nil {
			p.files = append(p.files, f)
			used[p] = true
		} else {
			d.root.files = append(d.root.files, f)
		}
		if strings.HasPrefix(e.Path, "bin/") || strings.HasPrefix(e.Path, "libexec/") || e.Path == "bootstrap" || e.Path == "main" {
			d.addGo(root.host(e.Source))
		}
	}
	// The layer holds files of some of the packages its sources unpacked:
	// only those are its packages.
	for k, p := range d.pkgs {
		if p.kind == "deb" && !used[p] {
			delete(d.pkgs, k)
		}
	}
	if opt.Python {
		d.addPython(src, []string{"/"}, info.Python)
	}
	d.addLocked(info.Packages)
	return d.write(filepath.Join(opt.Out, SBOMName(opt.Name)))
}

// PackageSBOM writes a code package's document: its programs' Go modules
// and the crates the request's info lists.
func PackageSBOM(out string, req Request, zipSHA256 string) error {
	info := req.SBOM
	if info == nil {
		info = &SBOMInfo{}
	}
	d := newSBOMDoc(req.Name, info.Platform, req.MTime(), sbomPkg{name: req.Name, purpose: "ARCHIVE",
		checksums: [][2]string{{"SHA256", zipSHA256}}, comment: "the zip archive " + req.Name + ".zip"})
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range req.Package.Files {
			if !yield(k) {
				return
			}
		}
	}) {
		f, err := fileEntry("./"+name, req.Package.Files[name])
		if err != nil {
			return err
		}
		d.root.files = append(d.root.files, f)
		d.addGo(req.Package.Files[name])
	}
	d.addLocked(info.Packages)
	return d.write(filepath.Join(out, SBOMName(req.Name)))
}

// SBOMRequest makes an app image's document (its SBOM attestation).
type SBOMRequest struct {
	Root     string   `json:"root"`     // the image's root filesystem
	Programs []string `json:"programs"` // the app's programs, paths in Root
	// Python are the site-packages directories of a Python app's venv,
	// paths in Root (patterns: /opt/venv/lib/python*/site-packages).
	Python []string `json:"python,omitempty"`
	Image  string   `json:"image"` // the base, for the document
}

// ImageSBOM writes an app image's document to out/NAME.spdx.json: every
// package of the image's dpkg status (the base's and the app's
// packages), the Go programs' modules, the venv's Python packages and
// what the request's info adds.
func ImageSBOM(req Request) error {
	s := req.ImageSBOM
	info := req.SBOM
	if info == nil {
		info = &SBOMInfo{}
	}
	r := rootFS{s.Root}
	d := newSBOMDoc(req.Name, info.Platform, req.MTime(), sbomPkg{name: req.Name, purpose: "CONTAINER",
		comment: "the app image, on " + s.Image})
	d.addDebian(r, info.Distro)
	for _, p := range s.Programs {
		real, err := r.resolve(p)
		if err != nil {
			return fmt.Errorf("program %s: %w", p, err)
		}
		f, err := fileEntry("."+p, r.host(real))
		if err != nil {
			return err
		}
		d.root.files = append(d.root.files, f)
		d.addGo(r.host(real))
	}
	var sites []string
	for _, pattern := range s.Python {
		matches, err := filepath.Glob(r.host(pattern))
		if err != nil {
			return err
		}
		for _, m := range matches {
			rel, err := filepath.Rel(r.dir, m)
			if err != nil {
				return err
			}
			sites = append(sites, "/"+filepath.ToSlash(rel))
		}
	}
	d.addPython(r, sites, info.Python)
	d.addLocked(info.Packages)
	return d.write(filepath.Join(req.Out, SBOMName(req.Name)))
}
