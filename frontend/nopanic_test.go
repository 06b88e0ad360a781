package frontend

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-build/strata/spec"
)

// badSpecs are specs that load or nearly load, which a build must refuse
// with an error for every target they have.
var badSpecs = []string{
	"",
	"version: 2\n",
	"version: 1\napps: []\n",
	"version: 1\napps:\n  a: null\n",
	"version: 1\napps:\n  a: {lang: cobol}\n",
	"version: 1\napps:\n  a: {lang: go, path: ../..}\n",
	"version: 1\napps:\n  a: {lang: go, image: {base: '::bad'}}\n",
	"version: 1\napps:\n  a: {lang: go, image: {base: scratch, layers: [missing]}}\n",
	"version: 1\napps:\n  a: {lang: go, functions: [nope]}\n",
	"version: 1\napps:\n  a: {lang: rust, rust: {glibc: '1.0'}}\n",
	"version: 1\napps:\n  a: {lang: rust, path: nowhere}\n",
	"version: 1\nlayers:\n  l: {runtime: al2023}\n",
	"version: 1\nlayers:\n  l: {runtime: al2023, sources: {images: [{ref: 'example.com/none:1', paths: [bin]}]}, binaries: [x]}\n",
	"version: 1\nlayers:\n  l: {runtime: custom, sources: {context: [.]}, binaries: ['']}\n",
}

// A bad spec is an error, never a panic: every example truncated at each
// line and with each line left out, and the specs above, built for each of
// their targets (and none) on two platforms, against the examples' files.
func TestBadSpecsDoNotPanic(t *testing.T) {
	examples, err := filepath.Glob("../examples/*/strata.yaml")
	if err != nil {
		t.Fatal(err)
	}
	type variant struct{ context, spec string }
	var variants []variant
	for _, file := range examples {
		dt, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitAfter(string(dt), "\n")
		for i := range lines {
			variants = append(variants,
				variant{filepath.Dir(file), strings.Join(lines[:i], "")},
				variant{filepath.Dir(file), strings.Join(lines[:i], "") + strings.Join(lines[i+1:], "")})
		}
	}
	for _, s := range badSpecs {
		variants = append(variants, variant{"../examples/rust-app", s})
	}
	specs := t.TempDir()
	for i, v := range variants {
		dir := filepath.Join(specs, fmt.Sprint(i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "strata.yaml"), []byte(v.spec), 0o644); err != nil {
			t.Fatal(err)
		}
		targets := []string{""}
		if s, err := spec.Load("strata.yaml", []byte(v.spec)); err == nil {
			targets = append(targets, s.Targets()...)
		}
		for _, target := range targets {
			g := newFakeGateway(v.context, "strata.yaml", map[string]string{"target": target, "platform": "linux/amd64,linux/arm64"})
			g.locals["dockerfile"] = dir
			_, err := buildWith(t, g) // a panic fails the test
			if err == nil && i >= len(variants)-len(badSpecs) {
				t.Errorf("%q, target %q: no error", v.spec, target)
			}
		}
	}
}
