package layer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeRoot is a small root of this machine's files laid out as unpacked
// Debian packages: a program under another name than users call it,
// gzip in /bin only (no merged /usr), and a module directory holding an ELF
// module (which needs libpcre2), an .la file and configuration.
func fakeRoot(t *testing.T) string {
	t.Helper()
	const ma = "/usr/lib/x86_64-linux-gnu"
	if _, err := os.Stat(ma + "/libselinux.so.1"); err != nil {
		t.Skip("needs a Debian amd64 host with coreutils' libraries")
	}
	root := t.TempDir()
	cp := func(src, dst string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, dst)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := copyFile(src, filepath.Join(root, dst), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cp("/usr/bin/ls", "/usr/bin/ls-coreutils")
	cp("/usr/bin/gzip", "/bin/gzip")
	cp(ma+"/libselinux.so.1", ma+"/libselinux.so.1")
	cp(ma+"/libpcre2-8.so.0", ma+"/libpcre2-8.so.0")
	cp(ma+"/libselinux.so.1", ma+"/Magick-6.9/modules/coders/png.so")
	writeTree(t, root, map[string]string{
		ma + "/Magick-6.9/modules/coders/png.la": "dlname='png.so'\nlibdir='" + ma + "/Magick-6.9/modules/coders'\n",
		"/etc/Magick-6/policy.xml":               "<policymap/>\n",
	})
	return root
}

func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFilesWithTheirLayout(t *testing.T) {
	root := fakeRoot(t)
	l, err := Assemble(Options{Root: root, Binaries: []string{"ls=ls-coreutils", "/usr/bin/gzip"}, Profile: runtimeProfile("fc-debian12"),
		Files: []Tree{{From: "usr/lib/$MULTIARCH/Magick-6.*/modules", To: "lib/magick"}, {From: "/etc/Magick-6", To: "etc/Magick-6"}}})
	if err != nil {
		t.Fatal(err)
	}
	got := paths(l)
	for _, want := range []string{"bin/ls", "bin/gzip", "lib/magick/coders/png.so", "lib/magick/coders/png.la", "etc/Magick-6/policy.xml",
		"lib/libpcre2-8.so.0", "lib/libselinux.so.1"} {
		if !strings.Contains(" "+got+" ", " "+want+" ") && !strings.Contains(got, want+"->") {
			t.Errorf("layer lacks %s: %s", want, got)
		}
	}
}

func TestFilesErrors(t *testing.T) {
	root := fakeRoot(t)
	opt := Options{Root: root, Binaries: []string{"gzip"}, Profile: runtimeProfile("fc-debian12")}
	opt.Files = []Tree{{From: "/usr/lib/$MULTIARCH/*", To: "x"}}
	if _, err := Assemble(opt); err == nil || !strings.Contains(err.Error(), "matches 3 paths") {
		t.Errorf("a wildcard matching several paths: %v", err)
	}
	opt.Files = []Tree{{From: "/usr/share/nothing", To: "x"}}
	if _, err := Assemble(opt); err == nil || !strings.Contains(err.Error(), "/usr/share/nothing) is not in the layer's sources") {
		t.Errorf("a missing path: %v", err)
	}
	opt.Files = []Tree{{From: "/usr/lib/$MULTI_ARCH", To: "x"}}
	if _, err := Assemble(opt); err == nil || !strings.Contains(err.Error(), "unknown variable") {
		t.Errorf("an unknown variable: %v", err)
	}
	opt.Files = nil
	opt.Binaries = []string{"ls"}
	if _, err := Assemble(opt); err == nil || !strings.Contains(err.Error(), "the packages have ls-coreutils") || !strings.Contains(err.Error(), "ship one as ls=ls-coreutils") {
		t.Errorf("an alternative's name: %v", err)
	}
}

func TestWrappedPrograms(t *testing.T) {
	root := fakeRoot(t)
	env := map[string]string{"MAGICK_CONFIGURE_PATH": "${PREFIX}/etc/Magick-6", "Q": "it's", "R": "$PREFIX/r"}
	writeTree(t, root, map[string]string{WrapperDir + "/ls": string(Wrapper("/opt", "ls", env))})
	l, err := Assemble(Options{Root: root, Binaries: []string{"ls=ls-coreutils"}, Profile: runtimeProfile("fc-debian12"), Wrapped: true})
	if err != nil {
		t.Fatal(err)
	}
	got := paths(l)
	if !strings.Contains(got, "bin/ls ") || !strings.Contains(got, "libexec/ls") {
		t.Errorf("wrapped layout: %s", got)
	}
	w := string(Wrapper("/opt", "ls", env))
	for _, want := range []string{`if [ -z "${MAGICK_CONFIGURE_PATH+x}" ]; then MAGICK_CONFIGURE_PATH='/opt/etc/Magick-6'; export MAGICK_CONFIGURE_PATH; fi`,
		`Q='it'\''s'`, `R='/opt/r'`, `exec '/opt/libexec/ls' "$@"`} {
		if !strings.Contains(w, want) {
			t.Errorf("wrapper lacks %s:\n%s", want, w)
		}
	}
}

// Scripts among the binaries are shipped as they are, their interpreter
// named: the layer's own program, or one the runtime must have.
func TestScriptsAmongBinaries(t *testing.T) {
	root := fakeRoot(t)
	writeTree(t, root, map[string]string{
		"/usr/bin/zcat2":  "#!/bin/gzip -cd\n",
		"/usr/bin/report": "#!/usr/bin/env perl\nprint 1;\n",
		"/usr/bin/notes":  "just text\n",
	})
	l, err := Assemble(Options{Root: root, Binaries: []string{"gzip", "zcat2", "report"}, Profile: runtimeProfile("fc-debian12")})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(l.Scripts, "\n")
	for _, want := range []string{"bin/zcat2 runs /bin/gzip -cd (the layer's bin/gzip", "bin/report runs /usr/bin/env perl, which is not in the layer: the runtime must have it"} {
		if !strings.Contains(got, want) {
			t.Errorf("scripts lack %q:\n%s", want, got)
		}
	}
	if !strings.Contains(paths(l), "bin/report") {
		t.Errorf("the script is not shipped: %s", paths(l))
	}
	if _, err := Assemble(Options{Root: root, Binaries: []string{"gzip", "notes"}, Profile: runtimeProfile("fc-debian12")}); err == nil || !strings.Contains(err.Error(), "neither an ELF file nor a script") {
		t.Errorf("a text file: %v", err)
	}
}

func TestLoaderNotes(t *testing.T) {
	notes := loaderNotes([]*Entry{{Path: "lib/libMagickCore-6.Q16.so.6"}, {Path: "lib/libgs.so.10"}, {Path: "bin/libpython3"}})
	if len(notes) != 2 || !strings.Contains(notes[0], "MAGICK_CODER_MODULE_PATH") || !strings.Contains(notes[1], "GS_LIB") {
		t.Errorf("notes: %q", notes)
	}
}

// Two names of one program are one file and a link.
func TestSameProgramTwice(t *testing.T) {
	root := fakeRoot(t)
	if err := os.Symlink("gzip", filepath.Join(root, "bin/gunzip2")); err != nil {
		t.Fatal(err)
	}
	l, err := Assemble(Options{Root: root, Binaries: []string{"gzip", "gunzip2", "zip=gzip"}, Profile: runtimeProfile("fc-debian12")})
	if err != nil {
		t.Fatal(err)
	}
	if got := paths(l); !strings.Contains(got, "bin/gunzip2->gzip") || !strings.Contains(got, "bin/zip->gzip") {
		t.Errorf("aliases: %s", got)
	}
}

// A directory's hard links (git's programs in git-core) are one file and
// links, not copies.
func TestFilesHardLinksOnce(t *testing.T) {
	root := fakeRoot(t)
	core := filepath.Join(root, "usr/lib/git-core")
	writeTree(t, root, map[string]string{"/usr/lib/git-core/git": "#!/bin/sh\n"})
	if err := os.Link(filepath.Join(core, "git"), filepath.Join(core, "git-add")); err != nil {
		t.Fatal(err)
	}
	l, err := Assemble(Options{Root: root, Binaries: []string{"gzip"}, Profile: runtimeProfile("fc-debian12"),
		Files: []Tree{{From: "usr/lib/git-core", To: "libexec/git-core"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := paths(l); !strings.Contains(got, "libexec/git-core/git-add->git") || !strings.Contains(got, "libexec/git-core/git ") {
		t.Errorf("hard links: %s", got)
	}
}
