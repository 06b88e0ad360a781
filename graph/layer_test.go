package graph

import (
	"path"
	"reflect"
	"testing"

	"github.com/moby/buildkit/client/llb"
	"github.com/strata-build/strata/facts"
	"github.com/strata-build/strata/layer"
)

// A function code package holds the program as its provider's entry: the
// helper runs on the request it reads from the mount, where graph wrote it.
func TestFunctionPackageRequest(t *testing.T) {
	for _, pv := range facts.Providers {
		name := "fn-" + pv.Name
		st, err := FunctionPackage(name, pv.Name, AppBinary{Name: "fn", State: llb.Image("example.com/fn")},
			llb.Image("example.com/helper"), Platforms{Build: amd64, Target: arm64}, "1700000000", layer.SBOMInfo{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var req layer.Request
		var mounted bool
		for _, op := range ops(t, st) {
			if e := op.GetExec(); e != nil {
				if !reflect.DeepEqual(e.Meta.Args, []string{"/strata/strata-layer", path.Join(layer.RequestDir, layer.RequestFile)}) {
					t.Errorf("helper args %q", e.Meta.Args)
				}
				for _, m := range e.Mounts {
					mounted = mounted || m.Dest == layer.RequestDir && m.Readonly
				}
			}
			for _, a := range op.GetFile().GetActions() {
				if mk := a.GetMkfile(); mk != nil && mk.Path == "/"+layer.RequestFile {
					if req, err = layer.ParseRequest(mk.Data); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		want := layer.Request{Name: name, Out: "/out", Epoch: 1700000000,
			Package: &layer.PackageRequest{Files: map[string]string{pv.Entry: "/app/fn"}}, SBOM: &layer.SBOMInfo{Platform: "linux/arm64"}}
		if !mounted || !reflect.DeepEqual(req, want) {
			t.Errorf("%s: request mounted %v: %+v, want %+v", pv.Name, mounted, req, want)
		}
	}
	if _, err := FunctionPackage("fn-gcf", "gcf", AppBinary{Name: "fn"}, llb.Scratch(), Platforms{Build: amd64, Target: arm64}, "", layer.SBOMInfo{}, nil); err == nil {
		t.Error("an unknown provider is accepted")
	}
}
