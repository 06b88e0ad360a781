package spec

import (
	"strings"
	"testing"

	"github.com/strata-build/strata/facts"
)

// A Python layer needs no sources nor binaries; its defaults are an app's.
func TestLoadPythonLayer(t *testing.T) {
	s, err := Load("strata.yaml", []byte("version: 1\nlayers:\n  deps:\n    runtime: al2023\n    python: {path: fn/, version: \"3.12\"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	l := s.Layers["deps"]
	if o := l.Python; o.Path != "fn" || o.UV != facts.DefaultUV || !*o.CrossCompile || l.Prefix != "/opt" || l.Format != "zip" || l.Sources != nil {
		t.Errorf("defaults: %+v %+v", l, o)
	}
	o := &PythonLayer{}
	o.SetPythonVersion("")
	if o.Version != facts.DefaultPythonVersion {
		t.Errorf("version %s", o.Version)
	}
}

func TestPythonLayerErrors(t *testing.T) {
	for _, tc := range []struct{ name, layer, want string }{
		{"al2023 runs 3.12 and 3.13", "runtime: al2023\n    python: {version: \"3.11\"}",
			`strata.yaml:5:14: layers.l.python.version: python3.11 runs on al2, not al2023 (which runs Python 3.12 or 3.13): set runtime: al2`},
		{"no FC 3.11", "runtime: fc-debian12\n    python: {version: \"3.11\"}",
			`layers.l.python.version: Alibaba Cloud Function Compute has no Python 3.11 runtime (it has python3.10 (on fc-debian10) or python3.12 (on fc-debian11))`},
		{"custom", "runtime: custom\n    glibc: \"2.28\"\n    python: {}", `layers.l.runtime: a Python layer is for a provider's Python runtime`},
		{"binaries", "runtime: al2\n    python: {}\n    binaries: [ls]", `strata.yaml:6:5: layers.l.binaries: a Python layer holds its project's dependencies only`},
		{"sources", "runtime: al2\n    python: {}\n    sources: {debian: {packages: [zlib1g]}}", `layers.l.sources: a Python layer holds its project's dependencies only`},
		{"prefix", "runtime: al2\n    python: {}\n    prefix: /srv", `layers.l.prefix: a Python layer's prefix is /opt`},
		{"path", "runtime: al2\n    python: {path: ../x}", `layers.l.python.path: path "../x" leaves the build context`},
		{"group", "runtime: al2\n    python: {groups: [\"-x\"]}", `layers.l.python.groups[0]: invalid name "-x"`},
		{"unknown key", "runtime: al2\n    python: {module: app}", `layers.l.python: unknown key "module"`},
		{"in an image", "runtime: al2\n    python: {}\napps:\n  web: {lang: go, image: {layers: [l]}}",
			`apps.web.image.layers[0]: layer "l" is a Python layer`},
	} {
		_, err := Load("strata.yaml", []byte("version: 1\nlayers:\n  l:\n    "+tc.layer+"\n"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %s", tc.name, err, tc.want)
		}
	}
}

// A Python app's code package is for the provider's runtime of its
// Python version.
func TestPythonFunctions(t *testing.T) {
	if _, err := Load("strata.yaml", []byte("version: 1\napps:\n  fn:\n    lang: python\n    functions: [lambda, fc]\n")); err != nil {
		t.Errorf("python functions: %v", err)
	}
	_, err := Load("strata.yaml", []byte("version: 1\napps:\n  fn:\n    lang: python\n    python: {version: \"3.13\"}\n    functions: [lambda, fc]\n"))
	if want := `strata.yaml:6:25: apps.fn.functions[1]: Alibaba Cloud Function Compute has no Python 3.13 runtime`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v, want %s", err, want)
	}
}
