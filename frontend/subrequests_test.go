package frontend

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/subrequests"
	"github.com/moby/buildkit/frontend/subrequests/convertllb"
	"github.com/moby/buildkit/frontend/subrequests/outline"
	"github.com/moby/buildkit/frontend/subrequests/targets"
	"github.com/moby/buildkit/solver/errdefs"
)

// subrequest runs the frontend for a subrequest and decodes its result.json.
func subrequest(t *testing.T, dir string, opts map[string]string, v any) error {
	t.Helper()
	g := newFakeGateway(dir, "strata.yaml", opts)
	res, err := buildWith(t, g)
	if err != nil {
		return err
	}
	if len(g.solved) != 1 && opts[requestIDKey] != convertllb.RequestConvertLLB {
		t.Errorf("%s solved %d graphs: a subrequest reads the spec only", opts[requestIDKey], len(g.solved))
	}
	if err := json.Unmarshal(res.Metadata["result.json"], v); err != nil {
		t.Fatalf("%s: result.json %q: %v", opts[requestIDKey], res.Metadata["result.json"], err)
	}
	return nil
}

// Listing targets needs no valid target (it is how one finds them).
func TestListTargets(t *testing.T) {
	dir := specDir(t, twoTargets)
	for target, wantDefault := range map[string]string{"": "", "nope": "", "tools": "tools"} {
		var list targets.List
		if err := subrequest(t, dir, map[string]string{requestIDKey: targets.RequestTargets, "target": target}, &list); err != nil {
			t.Fatalf("target %q: %v", target, err)
		}
		var got []string
		for _, tg := range list.Targets {
			got = append(got, tg.Name+": "+tg.Description)
			if tg.Default != (tg.Name == wantDefault) {
				t.Errorf("target %q: %s default %v", target, tg.Name, tg.Default)
			}
		}
		want := "web: go app web, image on debian:bookworm-slim|tools: function layer for fc-debian12, zip"
		if strings.Join(got, "|") != want {
			t.Errorf("target %q: targets %q, want %q", target, got, want)
		}
	}
}

func TestOutline(t *testing.T) {
	dir := specDir(t, twoTargets)
	var o outline.Outline
	if err := subrequest(t, dir, map[string]string{requestIDKey: outline.RequestSubrequestsOutline, "target": "web"}, &o); err != nil {
		t.Fatal(err)
	}
	var args []string
	for _, a := range o.Args {
		args = append(args, a.Name)
	}
	if o.Name != "web" || strings.Join(args, " ") != strings.Join(goProxyArgs, " ") {
		t.Errorf("outline of web: %s with args %v", o.Name, args)
	}
	var layer outline.Outline
	if err := subrequest(t, dir, map[string]string{requestIDKey: outline.RequestSubrequestsOutline, "target": "tools"}, &layer); err != nil || layer.Name != "tools" || len(layer.Args) != 0 {
		t.Errorf("outline of tools: %+v, %v", layer, err)
	}
	err := subrequest(t, dir, map[string]string{requestIDKey: outline.RequestSubrequestsOutline, "target": "nope"}, &layer)
	if err == nil || !strings.Contains(err.Error(), `unknown target "nope"`) || len(errdefs.Sources(err)) != 1 {
		t.Errorf("outline of an unknown target: %v", err)
	}
}

func TestDescribe(t *testing.T) {
	dir := specDir(t, twoTargets)
	var described []subrequests.Request
	if err := subrequest(t, dir, map[string]string{requestIDKey: subrequests.RequestSubrequestsDescribe}, &described); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range described {
		names = append(names, r.Name)
	}
	if got := strings.Join(names, " "); got != "frontend.outline frontend.targets frontend.subrequests.describe" {
		t.Errorf("described: %s", got)
	}
	var v any
	if err := subrequest(t, dir, map[string]string{requestIDKey: "frontend.nope", "target": "web"}, &v); err == nil || !strings.Contains(err.Error(), "unsupported") {
		t.Errorf("frontend.nope: %v", err)
	}
}

// convertllb (strata llb) is the graph a build would solve for the first
// target platform, not solved.
func TestConvertLLB(t *testing.T) {
	dir := specDir(t, twoTargets)
	opts := map[string]string{requestIDKey: convertllb.RequestConvertLLB, "target": "web", "platform": "linux/arm64"}
	g := newFakeGateway(dir, "strata.yaml", opts)
	res, err := buildWith(t, g)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Def map[string]struct {
			Platform *struct{ Architecture string }
		}
	}
	if err := json.Unmarshal(res.Metadata["result.json"], &out); err != nil {
		t.Fatal(err)
	}
	arches := map[string]bool{}
	for _, op := range out.Def {
		if op.Platform != nil {
			arches[op.Platform.Architecture] = true
		}
	}
	if len(out.Def) < 5 || !arches["arm64"] || !arches["amd64"] {
		t.Errorf("graph of %d ops for %v: want the arm64 image's ops and the amd64 build's", len(out.Def), arches)
	}
	for _, def := range g.solved {
		if op, err := outputOp(def); err == nil && op.GetSource() == nil {
			t.Errorf("convertllb solved a graph with steps: %s", op)
		}
	}
	opts["target"] = "nope"
	if _, err := buildWith(t, newFakeGateway(dir, "strata.yaml", opts)); err == nil || len(errdefs.Sources(err)) != 1 {
		t.Errorf("convertllb of an unknown target: %v", err)
	}
}
