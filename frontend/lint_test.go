package frontend

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	lintpb "github.com/moby/buildkit/frontend/subrequests/lint"
	"github.com/moby/buildkit/solver/errdefs"
)

const pinnedSpec = `# syntax=localhost:5000/strata/frontend:dev
version: 1
apps:
  web:
    lang: go
    image: {base: "debian:bookworm-slim@sha256:0000000000000000000000000000000000000000000000000000000000000000"}
`

// checkSpec answers frontend.lint for the spec in dir, as buildx's
// --call check asks it.
func checkSpec(t *testing.T, dir string, opts map[string]string) (lintpb.LintResults, map[string][]byte, error) {
	t.Helper()
	o := map[string]string{requestIDKey: lintpb.RequestLint}
	for k, v := range opts {
		o[k] = v
	}
	res, err := buildWith(t, newFakeGateway(dir, "strata.yaml", o))
	var r lintpb.LintResults
	if err != nil {
		return r, nil, err
	}
	if err := json.Unmarshal(res.Metadata["result.json"], &r); err != nil {
		t.Fatal(err)
	}
	return r, res.Metadata, nil
}

func TestLintClean(t *testing.T) {
	r, meta, err := checkSpec(t, specDir(t, pinnedSpec), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Warnings) != 0 || r.Error != nil || string(meta["result.statuscode"]) != "0" {
		t.Errorf("a clean spec: %s", meta["result.json"])
	}
}

// Each warning at its spec line, the build arg without one, the text
// buildx prints holding the line; the status says there are warnings.
func TestLintWarnings(t *testing.T) {
	r, meta, err := checkSpec(t, specDir(t, twoTargets), map[string]string{"build-arg:NPM_TOKEN": "hunter2"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range r.Warnings {
		line := int32(0)
		if w.Location.SourceIndex >= 0 {
			line = w.Location.Ranges[0].Start.Line
		}
		got = append(got, w.RuleName+"@"+strconv.Itoa(int(line))+": "+w.Detail)
	}
	want := []string{
		"SecretInBuildArg@0: build arg NPM_TOKEN: its name looks like a secret's",
		"UnpinnedBaseImage@5: apps.web.image.base: base image debian:bookworm-slim is not pinned by digest",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	txt := string(meta["result.txt"])
	for _, w := range []string{"WARNING: UnpinnedBaseImage", ">>>     image: {base: debian:bookworm-slim}", "WARNING: SecretInBuildArg"} {
		if !strings.Contains(txt, w) {
			t.Errorf("result.txt lacks %q:\n%s", w, txt)
		}
	}
	if strings.Contains(string(meta["result.json"]), "hunter2") || string(meta["result.statuscode"]) != "1" || r.Error != nil {
		t.Errorf("result: %s %s", meta["result.statuscode"], meta["result.json"])
	}
	// --target keeps the target's own warnings.
	r, _, err = checkSpec(t, specDir(t, twoTargets), map[string]string{"target": "tools"})
	if err != nil || len(r.Warnings) != 0 {
		t.Errorf("target tools: %v %+v", err, r.Warnings)
	}
}

// BUILDKIT_DOCKERFILE_CHECK as for a Dockerfile: skip=, error=true; the
// spec's own # check= line when the build arg is not given.
func TestLintOptions(t *testing.T) {
	dir := specDir(t, twoTargets)
	r, _, err := checkSpec(t, dir, map[string]string{"build-arg:BUILDKIT_DOCKERFILE_CHECK": "skip=UnpinnedBaseImage"})
	if err != nil || len(r.Warnings) != 0 {
		t.Errorf("skip: %v %+v", err, r.Warnings)
	}
	r, _, err = checkSpec(t, dir, map[string]string{"build-arg:BUILDKIT_DOCKERFILE_CHECK": "error=true"})
	if err != nil || len(r.Warnings) != 1 || r.Error == nil || r.Error.Message != "lint violation found for rules: UnpinnedBaseImage" {
		t.Errorf("error=true: %v %+v", err, r)
	}
	if _, _, err := checkSpec(t, dir, map[string]string{"build-arg:BUILDKIT_DOCKERFILE_CHECK": "nope=1"}); err == nil {
		t.Errorf("a bad option passed")
	}
	directive := specDir(t, "# syntax=x\n# check=skip=all\n"+twoTargets)
	r, _, err = checkSpec(t, directive, nil)
	if err != nil || len(r.Warnings) != 0 {
		t.Errorf("# check=skip=all: %v %+v", err, r.Warnings)
	}
	r, _, err = checkSpec(t, directive, map[string]string{"build-arg:BUILDKIT_DOCKERFILE_CHECK": "error=false"})
	if err != nil || len(r.Warnings) != 1 {
		t.Errorf("the build arg over the directive: %v %+v", err, r.Warnings)
	}
}

// A Rust app's Cargo.lock is looked up in the context.
func TestLintCargoLock(t *testing.T) {
	dir := specDir(t, "version: 1\napps:\n  r:\n    lang: rust\n    path: svc\n    image: {base: scratch}\n")
	opts := map[string]string{"build-arg:BUILDKIT_DOCKERFILE_CHECK": "error=true"}
	r, _, err := checkSpec(t, dir, opts)
	if err != nil || len(r.Warnings) != 1 || r.Warnings[0].RuleName != "MissingCargoLock" || r.Warnings[0].Location.Ranges[0].Start.Line != 5 {
		t.Fatalf("%v %+v", err, r.Warnings)
	}
	if err := os.MkdirAll(filepath.Join(dir, "svc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "svc", "Cargo.lock"), []byte("version = 4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r, _, err = checkSpec(t, dir, opts); err != nil || len(r.Warnings) != 0 {
		t.Errorf("with the lock: %v %+v", err, r.Warnings)
	}
}

// A build warns as the Dockerfile frontend does, and with error=true fails
// before anything is built.
func TestLintBuild(t *testing.T) {
	dir := specDir(t, twoTargets)
	g := newFakeGateway(dir, "strata.yaml", map[string]string{"target": "web"})
	if _, err := buildWith(t, g); err != nil {
		t.Fatal(err)
	}
	if len(g.warnings) != 1 || g.warnings[0].msg != "UnpinnedBaseImage: apps.web.image.base: base image debian:bookworm-slim is not pinned by digest (line 5)" ||
		g.warnings[0].opts.Range[0].Start.Line != 5 || g.warnings[0].opts.SourceInfo == nil {
		t.Errorf("warnings: %+v", g.warnings)
	}
	g = newFakeGateway(dir, "strata.yaml", map[string]string{"target": "web", "build-arg:BUILDKIT_DOCKERFILE_CHECK": "error=true"})
	_, err := buildWith(t, g)
	if err == nil || err.Error() != "lint violation found for rules: UnpinnedBaseImage" {
		t.Fatalf("error=true: %v", err)
	}
	if src := errdefs.Sources(err); len(src) != 1 || src[0].Ranges[0].Start.Line != 5 {
		t.Errorf("error=true: the error's sources %+v, want line 5", src)
	}
	if len(g.solved) != 1 {
		t.Errorf("error=true solved %d graphs: only the spec's should be", len(g.solved))
	}
	g = newFakeGateway(specDir(t, pinnedSpec), "strata.yaml", map[string]string{"build-arg:BUILDKIT_DOCKERFILE_CHECK": "error=true"})
	if _, err := buildWith(t, g); err != nil || len(g.warnings) != 0 {
		t.Errorf("a clean spec with error=true: %v %+v", err, g.warnings)
	}
}
