package facts

import (
	"slices"
	"testing"
)

// Every runtime names a provider of the table and a glibc release, and
// names are unique.
func TestRuntimesAreWellFormed(t *testing.T) {
	names := RuntimeNames()
	if len(slices.Compact(slices.Sorted(slices.Values(names)))) != len(names) {
		t.Errorf("duplicate runtime names: %v", names)
	}
	for _, r := range Runtimes {
		if _, ok := LookupProvider(r.Provider); !ok {
			t.Errorf("runtime %s: unknown provider %q", r.Name, r.Provider)
		}
		if _, err := ParseGlibcRelease(r.Glibc); err != nil {
			t.Errorf("runtime %s: %v", r.Name, err)
		}
	}
	for _, p := range Providers {
		if p.Entry == "" || p.Limits == "" || p.Upload == "" || p.DirectUpload <= 0 {
			t.Errorf("provider %s is incomplete: %+v", p.Name, p)
		}
	}
}

// The defaults are among the values they are defaults of.
func TestDefaultsAreKnown(t *testing.T) {
	for _, c := range []struct {
		what, v string
		in      []string
	}{
		{"suite", DefaultDebianSuite, DebianSuites},
		{"zig", DefaultZig, ZigVersions()},
		{"libc", DefaultRustLibc, RustLibcs},
		{"format", DefaultFormat, ArchiveFormats},
	} {
		if !slices.Contains(c.in, c.v) {
			t.Errorf("default %s %q is not one of %v", c.what, c.v, c.in)
		}
	}
	if _, err := ParseGlibcRelease(DefaultGlibcFloor); err != nil {
		t.Error(err)
	}
}

func TestParseGlibc(t *testing.T) {
	for v, want := range map[string]Glibc{"2.34": {2, 34}, "2.2.5": {2, 2, 5}, "2.17": {2, 17}} {
		if g, ok := ParseGlibc(v); !ok || g != want || g.String() != v {
			t.Errorf("ParseGlibc(%q) = %v, %v (%s)", v, g, ok, g)
		}
	}
	for _, v := range []string{"", "2", "2.", ".2", "2.x", "2.+3", "2.-1", "2.3.4.5", "GLIBC_2.34", "2.34 ", "2.9999999"} {
		if g, ok := ParseGlibc(v); ok {
			t.Errorf("ParseGlibc(%q) = %v, want an error", v, g)
		}
	}
	for _, v := range []string{"2.2.5", "3.1", "1.17", "2"} {
		if _, err := ParseGlibcRelease(v); err == nil {
			t.Errorf("ParseGlibcRelease(%q) accepted", v)
		}
	}
	a, _ := ParseGlibc("2.2.5")
	b, _ := ParseGlibc("2.17")
	if !a.Less(b) || b.Less(a) || a.Less(a) {
		t.Errorf("order of %v and %v", a, b)
	}
}

// Every managed Python runtime runs on a runtime of its provider, with a
// Python version Strata builds; uv's manylinux releases are glibc releases,
// in order.
func TestPythonRuntimes(t *testing.T) {
	seen := map[[2]string]bool{}
	for _, r := range PythonRuntimes {
		rt, ok := LookupRuntime(r.Runtime)
		if !ok || rt.Provider != r.Provider || !slices.Contains(PythonVersions, r.Version) || r.Name != "python"+r.Version {
			t.Errorf("python runtime %+v: runtime %+v", r, rt)
		}
		if k := [2]string{r.Provider, r.Version}; seen[k] {
			t.Errorf("two %s runtimes of Python %s", r.Provider, r.Version)
		} else {
			seen[k] = true
		}
	}
	for _, p := range Providers {
		if p.PythonLayerDir == "" || p.CodeDir == "" {
			t.Errorf("provider %s: no Python layout", p.Name)
		}
	}
	if d, _ := LookupProvider("lambda"); d.PythonDir("3.12") != "python/lib/python3.12/site-packages" {
		t.Errorf("lambda: %s", d.PythonDir("3.12"))
	}
	if d, _ := LookupProvider("fc"); d.PythonDir("3.12") != "python" {
		t.Errorf("fc: %s", d.PythonDir("3.12"))
	}
	var last Glibc
	for _, v := range UVManylinux {
		g, err := ParseGlibcRelease(v)
		if err != nil || !last.Less(g) {
			t.Errorf("UVManylinux %s: %v (after %s)", v, err, last)
		}
		last = g
	}
}
