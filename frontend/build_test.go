package frontend

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/moby/buildkit/exporter/containerimage/exptypes"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/errdefs"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
)

// buildWith runs the frontend against a fake gateway.
func buildWith(t *testing.T, g *fakeGateway) (*gwclient.Result, error) {
	t.Helper()
	return Build(context.Background(), g)
}

// buildPlatforms builds and returns the result with its platforms.
func buildPlatforms(t *testing.T, g *fakeGateway) (*gwclient.Result, exptypes.Platforms) {
	t.Helper()
	res, err := buildWith(t, g)
	if err != nil {
		t.Fatal(err)
	}
	var ps exptypes.Platforms
	if err := json.Unmarshal(res.Metadata[exptypes.ExporterPlatformsKey], &ps); err != nil {
		t.Fatal(err)
	}
	return res, ps
}

// specDir writes a spec (strata.yaml) and a go.mod into a new build context.
func specDir(t *testing.T, spec string) string {
	t.Helper()
	tree := fstest.MapFS{"strata.yaml": {Data: []byte(spec)}, "go.mod": {Data: []byte("module example.com/app\n")}}
	dir := t.TempDir()
	if err := os.CopyFS(dir, tree); err != nil {
		t.Fatal(err)
	}
	return dir
}

const twoTargets = `version: 1
apps:
  web:
    lang: go
    image: {base: debian:bookworm-slim}
layers:
  tools:
    runtime: fc-debian12
    sources:
      debian: {suite: bookworm, packages: [git]}
    binaries: [git]
`

func TestTargetSelection(t *testing.T) {
	dir := specDir(t, twoTargets)
	for _, c := range []struct{ target, err string }{
		{"", "the spec has 2 targets; choose one with --target (one of web, tools)"},
		{"nope", `unknown target "nope" (expected one of web, tools)`},
		{"web", ""},
		{"tools", ""},
	} {
		_, err := buildWith(t, newFakeGateway(dir, "strata.yaml", map[string]string{"target": c.target}))
		switch {
		case c.err == "" && err != nil:
			t.Errorf("target %q: %v", c.target, err)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("target %q: error %v, want %q", c.target, err, c.err)
		case c.err != "" && len(errdefs.Sources(err)) == 0:
			t.Errorf("target %q: error without the spec's source", c.target)
		}
	}
}

func TestPlatforms(t *testing.T) {
	dir := specDir(t, twoTargets)
	// No platform asked for: the build platform, one result.
	res, err := buildWith(t, newFakeGateway(dir, "strata.yaml", map[string]string{"target": "web"}))
	if err != nil {
		t.Fatal(err)
	}
	if res.Ref == nil || len(res.Refs) != 0 {
		t.Fatalf("one platform: ref %v, refs %v", res.Ref, res.Refs)
	}
	if img := imageConfig(t, res.Metadata[exptypes.ExporterImageConfigKey]); img.Architecture != "amd64" {
		t.Errorf("default platform: image for %s, want the build platform's amd64", img.Architecture)
	}

	for _, p := range []string{"windows/amd64", "linux/amd64,darwin/arm64"} {
		_, err := buildWith(t, newFakeGateway(dir, "strata.yaml", map[string]string{"target": "web", "platform": p}))
		if err == nil || !strings.Contains(err.Error(), "Strata builds for linux only") {
			t.Errorf("--platform %s: error %v", p, err)
		}
	}
}

// Every platform is in the result: a reference, an image config for its
// architecture and the base's config, and refs.platforms lists them all.
func TestMultiPlatformResult(t *testing.T) {
	dir := specDir(t, twoTargets)
	for target, wantBase := range map[string]bool{"web": true, "tools": false} {
		res, ps := buildPlatforms(t, newFakeGateway(dir, "strata.yaml", map[string]string{"target": target, "platform": "linux/amd64,linux/arm64,linux/arm/v7"}))
		var ids []string
		for _, p := range ps.Platforms {
			ids = append(ids, p.ID)
			if res.Refs[p.ID] == nil {
				t.Errorf("%s: no result for %s", target, p.ID)
			}
			img := imageConfig(t, res.Metadata[exptypes.ExporterImageConfigKey+"/"+p.ID])
			if img.OS+"/"+img.Architecture != p.Platform.OS+"/"+p.Platform.Architecture || img.Variant != p.Platform.Variant {
				t.Errorf("%s: config of %s is for %s/%s/%s", target, p.ID, img.OS, img.Architecture, img.Variant)
			}
			_, hasBase := res.Metadata[exptypes.ExporterImageBaseConfigKey+"/"+p.ID]
			if hasBase != wantBase {
				t.Errorf("%s: base config of %s: %v, want %v", target, p.ID, hasBase, wantBase)
			}
		}
		if got := strings.Join(ids, " "); got != "linux/amd64 linux/arm64 linux/arm/v7" {
			t.Errorf("%s: platforms %s", target, got)
		}
	}
}

func imageConfig(t *testing.T, dt []byte) dockerspec.DockerOCIImage {
	t.Helper()
	var img dockerspec.DockerOCIImage
	if err := json.Unmarshal(dt, &img); err != nil {
		t.Fatalf("image config %q: %v", dt, err)
	}
	return img
}

// A spec error, found loading the spec or building its graph, carries the
// spec's text and the place of the problem, which buildx prints.
func TestSpecErrorSource(t *testing.T) {
	for name, c := range map[string]struct {
		spec  string
		proxy string
		line  int32
		msg   string
	}{
		"unknown key":  {"version: 1\napps:\n  web:\n    lang: go\n    colour: blue\n", "", 5, "colour"},
		"unknown base": {"version: 1\napps:\n  web:\n    lang: go\n    image:\n      base: example.com/missing:1\n", "", 6, "not found"},
		"credentials":  {"version: 1\napps:\n  web:\n    lang: go\n", "https://u:p@proxy.example.com", 3, "build arg GOPROXY holds credentials"},
	} {
		dir := specDir(t, c.spec)
		_, err := buildWith(t, newFakeGateway(dir, "strata.yaml", map[string]string{"build-arg:GOPROXY": c.proxy}))
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: error %v, want %q", name, err, c.msg)
			continue
		}
		if strings.Contains(err.Error(), "u:p@") {
			t.Errorf("%s: the error echoes the credentials: %v", name, err)
		}
		srcs := errdefs.Sources(err)
		if len(srcs) != 1 {
			t.Errorf("%s: %d sources in %v, want one", name, len(srcs), err)
			continue
		}
		s := srcs[0]
		if s.Info.Filename != "strata.yaml" || string(s.Info.Data) != c.spec {
			t.Errorf("%s: source %q with %q", name, s.Info.Filename, s.Info.Data)
		}
		if len(s.Ranges) != 1 || s.Ranges[0].Start.Line != c.line {
			t.Errorf("%s: ranges %v, want line %d", name, s.Ranges, c.line)
		}
	}
}

func TestBuildArgs(t *testing.T) {
	dir := specDir(t, twoTargets)
	_, err := buildWith(t, newFakeGateway(dir, "strata.yaml", map[string]string{"target": "tools", "build-arg:SOURCE_DATE_EPOCH": "yesterday"}))
	if err == nil || !strings.Contains(err.Error(), `SOURCE_DATE_EPOCH="yesterday": expected seconds since 1970`) {
		t.Errorf("bad SOURCE_DATE_EPOCH: %v", err)
	}
}
