package layer

import (
	"debug/elf"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/strata-build/strata/facts"
)

// pythonRoot is an installed package of this machine's files: an ELF
// module (libselinux, which needs libpcre2-8) and the library it needs
// beside it, where the loader finds it.
func pythonRoot(t *testing.T, withLib bool) string {
	t.Helper()
	root := fakeRoot(t)
	site := t.TempDir()
	const ma = "/usr/lib/x86_64-linux-gnu"
	for src, dst := range map[string]string{ma + "/libselinux.so.1": "pkg/_mod.cpython-311-x86_64-linux-gnu.so", ma + "/libpcre2-8.so.0": ma + "/libpcre2-8.so.0"} {
		if !withLib && strings.HasPrefix(dst, "/usr") {
			continue
		}
		os.MkdirAll(filepath.Dir(filepath.Join(site, dst)), 0o755)
		if err := copyFile(filepath.Join(root, src), filepath.Join(site, dst), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeTree(t, site, map[string]string{"pkg/__init__.py": "", "pkg-1.0.dist-info/METADATA": "Name: pkg\n"})
	return site
}

func pythonRequest(root, runtime, machine string) Request {
	return Request{Name: "deps", Out: "/out", Layer: &LayerRequest{Root: root, Runtime: runtime, Format: facts.Zip, Prefix: "/opt",
		Files: []Tree{{From: "/", To: "python/lib/python3.11/site-packages"}}, Python: true, Machine: machine}}
}

// A Python layer ships the packages as they are, checks every ELF file
// among them, and leaves a library found among them where it is.
func TestPythonLayer(t *testing.T) {
	opt, err := pythonRequest(pythonRoot(t, true), "fc-debian12", "x86_64").BuildOptions()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(opt.Profile.Provided, "libstdc++.so.6") || !slices.Contains(opt.Profile.Provided, "libc.so.6") {
		t.Errorf("the runtime's Python provides %v", opt.Profile.Provided)
	}
	opt.Out = t.TempDir()
	m, report, err := Build(opt)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range m.Files {
		got = append(got, e.Path)
	}
	want := []string{
		"python/lib/python3.11/site-packages/pkg-1.0.dist-info/METADATA",
		"python/lib/python3.11/site-packages/pkg/__init__.py",
		"python/lib/python3.11/site-packages/pkg/_mod.cpython-311-x86_64-linux-gnu.so",
		"python/lib/python3.11/site-packages/usr/lib/x86_64-linux-gnu/libpcre2-8.so.0",
	}
	if !slices.Equal(got, want) {
		t.Errorf("files %q\nwant %q", got, want)
	}
	if m.Machine != elf.EM_X86_64.String() || m.Glibc == "" {
		t.Errorf("manifest: %s %s", m.Machine, m.Glibc)
	}
	if _, err := os.Stat(filepath.Join(opt.Out, "deps.zip")); err != nil || !strings.Contains(report, "for fc-debian12 (EM_X86_64)") {
		t.Errorf("%v\n%s", err, report)
	}
}

func TestPythonLayerErrors(t *testing.T) {
	for _, tc := range []struct {
		name             string
		withLib          bool
		runtime, machine string
		want             string
	}{
		{"missing library", false, "fc-debian12", "x86_64", "missing libraries (not in the layer's sources nor provided by the fc-debian12 runtime):\n  libpcre2-8.so.0, needed by /pkg/_mod.cpython-311-x86_64-linux-gnu.so"},
		{"glibc", true, "al2", "x86_64", "these files need a newer glibc than 2.26 of the al2 runtime:\n  /pkg/_mod.cpython-311-x86_64-linux-gnu.so: dlclose@GLIBC_2.34"},
		{"machine", true, "fc-debian12", "aarch64", "/pkg/_mod.cpython-311-x86_64-linux-gnu.so is for EM_X86_64, the layer for EM_AARCH64"},
		{"no machine", true, "fc-debian12", "", `a Python layer for machine ""`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opt, err := pythonRequest(pythonRoot(t, tc.withLib), tc.runtime, tc.machine).BuildOptions()
			if err == nil {
				opt.Out = t.TempDir()
				_, _, err = Build(opt)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %s", err, tc.want)
			}
		})
	}
}
