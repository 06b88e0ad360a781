package layer

import (
	"archive/zip"
	"bytes"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strata-build/strata/facts"
)

// The tests use this machine's own root filesystem (Debian) as a layer's
// sources: real ELF files, real soname links, real glibc versions.
func hostLS(t *testing.T) Options {
	t.Helper()
	if _, err := os.Stat("/usr/lib/x86_64-linux-gnu/libselinux.so.1"); err != nil {
		t.Skip("needs a Debian amd64 host with coreutils' libraries")
	}
	return Options{Root: "/", Binaries: []string{"ls"}, Profile: runtimeProfile("fc-debian12")}
}

func paths(l *Layer) string {
	var out []string
	for _, e := range l.Entries {
		p := e.Path
		if e.Link != "" {
			p += "->" + e.Link
		}
		out = append(out, p)
	}
	return strings.Join(out, " ")
}

func TestAssembleClosure(t *testing.T) {
	l, err := Assemble(hostLS(t))
	if err != nil {
		t.Fatal(err)
	}
	got := paths(l)
	for _, want := range []string{"bin/ls", "lib/libselinux.so.1", "lib/libpcre2-8.so.0->libpcre2-8.so.0.11.2", "lib/libpcre2-8.so.0.11.2"} {
		if !strings.Contains(got, want) {
			t.Errorf("closure lacks %s: %s", want, got)
		}
	}
	if strings.Contains(got, "libc.so.6") || strings.Contains(got, "ld-linux") {
		t.Errorf("the runtime's glibc was shipped: %s", got)
	}
	if l.Glibc == "" || l.Glibc == "0.0" {
		t.Errorf("glibc requirement not found: %q", l.Glibc)
	}
}

func TestGlibcCheckNamesSymbols(t *testing.T) {
	opt := hostLS(t)
	opt.Profile = Custom("2.17", nil, 0, 0)
	_, err := Assemble(opt)
	if err == nil || !strings.Contains(err.Error(), "need a newer glibc than 2.17") || !strings.Contains(err.Error(), "/usr/bin/ls: ") ||
		!strings.Contains(err.Error(), "@GLIBC_2.") {
		t.Fatalf("glibc check: %v", err)
	}
}

func TestMissingLibraryIsAnError(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "usr/bin"), 0o755)
	dt, err := os.ReadFile("/usr/bin/ls")
	if err != nil {
		t.Skip(err)
	}
	os.WriteFile(filepath.Join(root, "usr/bin/ls"), dt, 0o755)
	_, err = Assemble(Options{Root: root, Binaries: []string{"ls"}, Profile: runtimeProfile("al2023")})
	if err == nil || !strings.Contains(err.Error(), "libselinux.so.1, needed by /usr/bin/ls") {
		t.Fatalf("missing library: %v", err)
	}
}

func TestArchivesAreDeterministicAndKeepLinks(t *testing.T) {
	opt := hostLS(t)
	for _, format := range []string{facts.Zip, facts.TarGz} {
		var a, b bytes.Buffer
		for _, buf := range []*bytes.Buffer{&a, &b} {
			l, err := Assemble(opt)
			if err != nil {
				t.Fatal(err)
			}
			if err := l.WriteArchive(buf, "/", format, time.Unix(0, 0)); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Errorf("%s: two archives of the same files differ", format)
		}
		if format != facts.Zip {
			continue
		}
		zr, err := zip.NewReader(bytes.NewReader(a.Bytes()), int64(a.Len()))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, f := range zr.File {
			names = append(names, f.Name)
			if f.Name == "lib/libpcre2-8.so.0" && f.Mode()&fs.ModeSymlink == 0 {
				t.Errorf("the soname link was flattened: %v", f.Mode())
			}
			if f.Name == "bin/ls" && f.Mode().Perm() != 0o755 {
				t.Errorf("bin/ls mode %v", f.Mode())
			}
		}
		if got := strings.Join(names, " "); !strings.HasPrefix(got, "bin/ lib/ bin/ls lib/") {
			t.Errorf("zip entries not sorted with their directories first: %s", got)
		}
	}
}

func TestBuildOverLimitWritesNothing(t *testing.T) {
	opt := hostLS(t)
	out := t.TempDir()
	opt.Profile = Custom("2.36", nil, 1000, 0)
	_, _, err := Build(BuildOptions{Options: opt, Name: "ls", Format: facts.Zip, Prefix: "/opt", Out: out})
	if err == nil || !strings.Contains(err.Error(), "over the limit of") || !strings.Contains(err.Error(), "bin/ls") {
		t.Fatalf("size limit: %v", err)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("files were written over the limit: %v", entries)
	}
}

func TestBuildWritesManifest(t *testing.T) {
	out := t.TempDir()
	m, report, err := Build(BuildOptions{Options: hostLS(t), Name: "ls", Format: facts.TarGz, Prefix: "/opt", Out: out})
	if err != nil {
		t.Fatal(err)
	}
	if m.CompressedSize == 0 || m.UncompressedSize <= m.CompressedSize || m.SHA256 == "" || len(m.Files) < 3 {
		t.Errorf("manifest: %+v", m)
	}
	for _, f := range []string{"ls.tar.gz", "ls.manifest.json", "ls.report.txt"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	if !strings.Contains(report, "largest files:") || !strings.Contains(report, "bin/ls") {
		t.Errorf("report:\n%s", report)
	}
}

func TestArchiveRefusesPathsOutsideTheLayer(t *testing.T) {
	for _, e := range []*Entry{{Path: "lib/../../x", Source: "/usr/bin/ls"}, {Path: "lib/x", Link: "../../etc/passwd"}} {
		l := &Layer{Entries: []*Entry{e}}
		if err := l.WriteArchive(io.Discard, "/", facts.Zip, time.Unix(0, 0)); err == nil {
			t.Errorf("%+v was archived", e)
		}
		if err := l.WriteTree(t.TempDir(), "/"); err == nil {
			t.Errorf("%+v was written as a tree", e)
		}
	}
}

func TestStrip(t *testing.T) {
	if _, err := os.Stat("/usr/bin/strip"); err != nil {
		t.Skip("no strip on this machine")
	}
	// A program built by go build keeps its symbol table and DWARF, which
	// strip removes (go test links its own binary without them).
	src := filepath.Join(t.TempDir(), "main.go")
	if err := os.WriteFile(src, []byte("package main\n\nfunc main() { println(\"prog\") }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(t.TempDir(), "prog")
	build := exec.Command("go", "build", "-o", exe, src)
	build.Env = append(os.Environ(), "GOFLAGS=", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "usr/bin"), 0o755)
	if err := copyFile(exe, filepath.Join(root, "usr/bin/prog"), 0o755); err != nil {
		t.Fatal(err)
	}
	layer := func(strip string) *Manifest {
		out := t.TempDir()
		m, _, err := Build(BuildOptions{Options: Options{Root: root, Binaries: []string{"prog"}, Profile: runtimeProfile("fc-debian12")},
			Name: "p", Format: facts.Zip, Prefix: "/opt", Out: out, Strip: strip})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	plain, stripped := layer(""), layer("/usr/bin/strip")
	if stripped.Files[0].Size >= plain.Files[0].Size {
		t.Errorf("strip left %d bytes of %d", stripped.Files[0].Size, plain.Files[0].Size)
	}
}
