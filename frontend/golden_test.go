package frontend

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/strata-build/strata/spec"
)

var update = flag.Bool("update", false, "rewrite the golden graphs in testdata/golden")

const goldenDir = "testdata/golden"

// goldenPlatforms are the platforms of every golden build, built together
// as buildx builds them (a Rust build shares its cargo steps between them).
const goldenPlatforms = "linux/amd64,linux/arm64"

// TestGolden builds every target of every example through the frontend,
// against the fake gateway, and compares each platform's graph, rendered
// by renderDefinition, with testdata/golden/EXAMPLE/TARGET/OS-ARCH.json,
// so that a change of a graph shows in a diff. -update rewrites them all.
func TestGolden(t *testing.T) {
	examples, err := filepath.Glob("../examples/*/strata.yaml")
	if err != nil || len(examples) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	got := map[string][]byte{} // path under goldenDir -> rendered graph
	for _, file := range examples {
		dir := filepath.Dir(file)
		for _, target := range specTargets(t, file) {
			g := newFakeGateway(dir, "strata.yaml", map[string]string{"target": target, "platform": goldenPlatforms})
			res, err := buildWith(t, g)
			if err != nil {
				t.Fatalf("%s, target %s: %v", file, target, err)
			}
			if len(res.Refs) != 2 {
				t.Fatalf("%s, target %s: %d results, want one per platform", file, target, len(res.Refs))
			}
			for id, ref := range res.Refs {
				out, err := renderDefinition(ref.(*fakeRef).def)
				if err != nil {
					t.Fatalf("%s, target %s, %s: %v", file, target, id, err)
				}
				got[filepath.Join(filepath.Base(dir), target, strings.ReplaceAll(id, "/", "-")+".json")] = out
			}
		}
	}
	if *update {
		if err := os.RemoveAll(goldenDir); err != nil {
			t.Fatal(err)
		}
		for p, out := range got {
			if err := os.MkdirAll(filepath.Dir(filepath.Join(goldenDir, p)), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(goldenDir, p), out, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	for _, p := range slices.Sorted(maps.Keys(got)) {
		want, err := os.ReadFile(filepath.Join(goldenDir, p))
		if err != nil {
			t.Errorf("%v (run go test ./frontend -run TestGolden -update)", err)
			continue
		}
		if !bytes.Equal(got[p], want) {
			t.Errorf("%s: the graph changed; review the diff of go test ./frontend -run TestGolden -update\n%s", p, firstDifference(want, got[p]))
		}
	}
	err = filepath.WalkDir(goldenDir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || filepath.Ext(p) != ".json" {
			return err
		}
		if rel, _ := filepath.Rel(goldenDir, p); got[rel] == nil {
			t.Errorf("%s: no example target makes this graph any more (-update removes it)", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func specTargets(t *testing.T, file string) []string {
	t.Helper()
	dt, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Load(file, dt)
	if err != nil {
		t.Fatal(err)
	}
	return s.Targets()
}

// firstDifference shows the first line where two renderings differ.
func firstDifference(want, got []byte) string {
	w, g := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; i < len(w) && i < len(g); i++ {
		if w[i] != g[i] {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, w[i], g[i])
		}
	}
	return "one is a prefix of the other"
}
