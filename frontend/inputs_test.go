package frontend

import (
	"strings"
	"testing"

	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
)

// resultGraph is the ops of the one result of a build.
func resultGraph(t *testing.T, g *fakeGateway) []*pb.Op {
	t.Helper()
	res, err := buildWith(t, g)
	if err != nil {
		t.Fatal(err)
	}
	var ops []*pb.Op
	for _, dt := range res.Ref.(*fakeRef).def.Def {
		op := &pb.Op{}
		if err := op.UnmarshalVT(dt); err != nil {
			t.Fatal(err)
		}
		ops = append(ops, op)
	}
	return ops
}

func sources(ops []*pb.Op) string {
	var ids []string
	for _, op := range ops {
		if src := op.GetSource(); src != nil {
			ids = append(ids, src.Identifier)
		}
	}
	return strings.Join(ids, "\n")
}

// A named context replaces an input, by its short name or by its image
// reference, as the Dockerfile frontend does for FROM.
func TestNamedContexts(t *testing.T) {
	dir := specDir(t, twoTargets)
	for _, name := range []string{"golang", "golang:1.26-bookworm"} {
		g := newFakeGateway(dir, "strata.yaml", map[string]string{"target": "web", "context:" + name: "docker-image://mirror/golang:1"})
		got := sources(resultGraph(t, g))
		if !strings.Contains(got, "docker-image://docker.io/mirror/golang:1") || strings.Contains(got, "library/golang") {
			t.Errorf("--build-context %s: sources\n%s", name, got)
		}
	}

	zig := t.TempDir()
	g := newFakeGateway("../examples/rust-app", "strata.yaml", map[string]string{"platform": "linux/amd64"}).withLocal("zig", zig)
	got := sources(resultGraph(t, g))
	if !strings.Contains(got, "local://context:zig") || strings.Contains(got, "https://") {
		t.Errorf("--build-context zig=DIR: sources\n%s", got)
	}
	without := sources(resultGraph(t, newFakeGateway("../examples/rust-app", "strata.yaml", map[string]string{"platform": "linux/amd64"})))
	if !strings.Contains(without, "https://ziglang.org/") {
		t.Errorf("without a zig context: sources\n%s", without)
	}
}

// --no-cache reaches every op of the target's graph.
func TestNoCache(t *testing.T) {
	dir := specDir(t, twoTargets)
	for opt, want := range map[string]bool{"": true, "web": true, "tools": false} {
		g := newFakeGateway(dir, "strata.yaml", map[string]string{"target": "web", "no-cache": opt})
		res, err := buildWith(t, g)
		if err != nil {
			t.Fatal(err)
		}
		def := res.Ref.(*fakeRef).def
		output := digest.FromBytes(def.Def[len(def.Def)-1]) // no op of its own
		for d, md := range def.Metadata {
			if d != string(output) && md.IgnoreCache != want {
				t.Errorf("no-cache=%q: op %s ignores the cache: %v", opt, d, md.IgnoreCache)
			}
		}
	}
}

// The app files extend the base image's accounts, read from the solved base.
func TestBaseAccounts(t *testing.T) {
	dir := specDir(t, twoTargets)
	var passwd string
	for _, op := range resultGraph(t, newFakeGateway(dir, "strata.yaml", map[string]string{"target": "web"})) {
		for _, a := range op.GetFile().GetActions() {
			if mk := a.GetMkfile(); mk != nil && mk.Path == "/etc/passwd" {
				passwd = string(mk.Data)
			}
		}
	}
	if !strings.HasPrefix(passwd, string(debianAccounts["etc/passwd"].Data)) || !strings.Contains(passwd, ":65532:65532:") {
		t.Errorf("/etc/passwd of the app files:\n%s", passwd)
	}
}

// The Rust planner reads the workspace's manifests through the gateway:
// only the files the include patterns name, from the context.
func TestRustReadsManifests(t *testing.T) {
	g := newFakeGateway("../examples/rust-app", "strata.yaml", map[string]string{"platform": "linux/amd64"})
	resultGraph(t, g)
	for _, def := range g.solved {
		op, err := outputOp(def)
		if err != nil {
			t.Fatal(err)
		}
		if src := op.GetSource(); src != nil && src.Identifier == "local://context" && src.Attrs[pb.AttrIncludePatterns] != "" {
			files, err := localFiles("../examples/rust-app", src.Attrs)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for p, f := range files {
				if f.Mode.IsRegular() {
					names = append(names, p)
				}
			}
			for _, p := range names {
				if strings.HasSuffix(p, ".c") || strings.HasSuffix(p, "probe.rs") || strings.HasSuffix(p, "README.md") {
					t.Errorf("the manifests' read sends %s", p)
				}
			}
			return
		}
	}
	t.Error("the Rust build read no manifests")
}
