package layer

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strata-build/strata/facts"
	"github.com/strata-build/strata/spdxcheck"
)

// The layer of this machine's ls: its SPDX document is valid, names
// coreutils with its version from the dpkg status and the file it brought,
// libselinux1 with its library, and their licences from the copyright
// files; two builds give the same bytes.
func TestLayerSBOM(t *testing.T) {
	opt := hostLS(t)
	var docs [][]byte
	for range 2 {
		out := t.TempDir()
		_, _, err := Build(BuildOptions{Options: opt, Name: "ls", Format: facts.Zip, Prefix: "/opt", Out: out, MTime: time.Unix(1700000000, 0),
			SBOM: &SBOMInfo{Platform: "linux/amd64", Packages: []SBOMPackage{{Kind: "cargo", Name: "serde_json", Version: "1.0.140", SHA256: strings.Repeat("ab", 32),
				Download: "https://crates.io/api/v1/crates/serde_json/1.0.140/download"}}}})
		if err != nil {
			t.Fatal(err)
		}
		dt, err := os.ReadFile(filepath.Join(out, "ls.spdx.json"))
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, dt)
	}
	if !bytes.Equal(docs[0], docs[1]) {
		t.Error("two documents of the same layer differ")
	}
	d, err := spdxcheck.Validate(docs[0])
	if err != nil {
		t.Fatalf("%v\n%s", err, docs[0])
	}
	if d.CreationInfo.Created != "2023-11-14T22:13:20Z" || !strings.HasPrefix(d.DocumentNamespace, NamespacePrefix+"ls/linux-amd64/sha256-") {
		t.Errorf("created %s, namespace %s", d.CreationInfo.Created, d.DocumentNamespace)
	}
	status := string(must(os.ReadFile("/var/lib/dpkg/status")))
	for _, c := range []struct{ pkg, file string }{{"coreutils", "./bin/ls"}, {"libselinux1", "./lib/libselinux.so.1"}} {
		p := d.Find("deb", c.pkg)
		if p == nil {
			t.Errorf("no package %s in\n%s", c.pkg, docs[0])
			continue
		}
		if !strings.Contains(status, "Package: "+c.pkg+"\n") || !strings.Contains(status, "Version: "+p.VersionInfo+"\n") || p.VersionInfo == "" {
			t.Errorf("%s: version %q", c.pkg, p.VersionInfo)
		}
		copyright := string(must(os.ReadFile("/usr/share/doc/" + c.pkg + "/copyright")))
		if readable := strings.HasPrefix(copyright, "Format:"); readable == (p.LicenseDeclared == "NOASSERTION") {
			t.Errorf("%s: licence %q from a copyright file machine-readable: %v", c.pkg, p.LicenseDeclared, readable)
		}
		names := map[string]bool{}
		for _, f := range d.Files {
			for _, id := range p.HasFiles {
				if f.SPDXID == id {
					names[f.FileName] = true
				}
			}
		}
		if !names[c.file] {
			t.Errorf("%s: files %v, want %s", c.pkg, names, c.file)
		}
	}
	if p := d.Find("deb", "coreutils"); p != nil && !strings.Contains(p.LicenseDeclared, "GPL-3.0-or-later") {
		t.Errorf("coreutils: licence %s", p.LicenseDeclared)
	}
	if d.Find("deb", "bash") != nil {
		t.Error("a package the layer holds no file of is listed")
	}
	if p := d.Find("cargo", "serde_json"); p == nil || p.VersionInfo != "1.0.140" || len(p.Checksums) != 1 {
		t.Errorf("serde_json: %+v", p)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestDebianLicense(t *testing.T) {
	copyright := `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: x

Files: *
Copyright: someone
License: GPL-2+ or Artistic

Files: lib/*
License: Expat

Files: odd/*
License: Odd Licence 1
 The odd text.
 .
 Second paragraph.

Files: none/*
License: public-domain
`
	ls := &licenses{texts: map[string]string{}}
	got := ls.debianLicense(copyright, "x")
	if want := "(GPL-2.0-or-later OR Artistic-1.0-Perl) AND LicenseRef-Odd-Licence-1 AND LicenseRef-public-domain AND MIT"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if ls.texts["LicenseRef-Odd-Licence-1"] != "The odd text.\n\nSecond paragraph." || !strings.Contains(ls.texts["LicenseRef-public-domain"], "/usr/share/doc/x/copyright") {
		t.Errorf("texts: %q", ls.texts)
	}
	if got := ls.debianLicense("This is not machine-readable.\n", "x"); got != "" {
		t.Errorf("free-form copyright: %q", got)
	}
	for in, want := range map[string]string{"LGPL-2.1": "LGPL-2.1-only", "GPL-3+": "GPL-3.0-or-later", "BSD-3-clause": "BSD-3-Clause", "zlib": "Zlib", "GFDL-1.3+": "GFDL-1.3-or-later", "GPL-2.0+": "GPL-2.0-or-later"} {
		if got := spdxLicense(in); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}

func TestInstalledWheel(t *testing.T) {
	files := []SBOMFile{
		{Name: "numpy-2.2.6.tar.gz", SHA256: "s"},
		{Name: "numpy-2.2.6-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl", SHA256: "a"},
		{Name: "numpy-2.2.6-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", SHA256: "x"},
	}
	tags := wheelTags("Wheel-Version: 1.0\nTag: cp311-cp311-manylinux_2_17_x86_64\nTag: cp311-cp311-manylinux2014_x86_64\n")
	if f, built := installedFile(files, tags); f == nil || f.SHA256 != "x" || built {
		t.Errorf("wheel: %+v %v", f, built)
	}
	if f, built := installedFile(files, []string{"cp311-cp311-linux_x86_64"}); f == nil || f.SHA256 != "s" || !built {
		t.Errorf("built from the sdist: %+v %v", f, built)
	}
}
