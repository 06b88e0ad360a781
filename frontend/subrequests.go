package frontend

import (
	"context"
	"fmt"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/frontend/subrequests/convertllb"
	"github.com/moby/buildkit/frontend/subrequests/lint"
	"github.com/moby/buildkit/frontend/subrequests/outline"
	"github.com/moby/buildkit/frontend/subrequests/targets"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
	"github.com/strata-build/strata/spec"
)

// answer answers a subrequest: buildx's --call outline, --call targets
// (and `docker buildx bake --list`) and --call check, and convertllb
// (strata llb). A
// frontend that does not answer outline and targets makes buildx retry
// with the Dockerfile frontend, which cannot read a spec.
func answer(ctx context.Context, c gwclient.Client, bc *dockerui.Client, s *spec.Spec, sm *llb.SourceMap) (*gwclient.Result, error) {
	res, _, err := bc.HandleSubrequest(ctx, dockerui.RequestHandler{
		ListTargets: func(context.Context) (*targets.List, error) {
			return listTargets(s, bc.Target), nil
		},
		Outline: func(context.Context) (*outline.Outline, error) {
			return outlineOf(s, bc.Target)
		},
		// buildx's --call check: the spec was loaded and validated, so a
		// check finds nothing more to warn about, for a target it has.
		Lint: func(context.Context) (*lint.LintResults, error) {
			if _, err := s.Target(bc.Target); err != nil {
				return nil, err
			}
			return &lint.LintResults{}, nil
		},
		ConvertLLB: func(ctx context.Context) (*convertllb.Result, error) {
			b, err := newBuilder(c, bc, s, sm)
			if err != nil {
				return nil, err
			}
			return b.convert(ctx)
		},
	})
	return res, err
}

// listTargets lists every target; a target option that names none is no
// error here (listing is how one finds the names).
func listTargets(s *spec.Spec, target string) *targets.List {
	list := &targets.List{}
	def, _ := s.Target(target)
	for _, n := range s.Targets() {
		list.Targets = append(list.Targets, targets.Target{
			Name:        n,
			Default:     def != nil && def.Name == n,
			Description: describeTarget(s, n),
		})
	}
	return list
}

// outlineOf is the target's build args: the Go proxy settings of a Go app.
func outlineOf(s *spec.Spec, target string) (*outline.Outline, error) {
	t, err := s.Target(target)
	if err != nil {
		return nil, err
	}
	o := &outline.Outline{Name: t.Name, Description: describeTarget(s, t.Name)}
	if t.App != nil && t.App.Lang == "go" {
		for _, k := range goProxyArgs {
			o.Args = append(o.Args, outline.Arg{Name: k, Description: "passed to go mod download"})
		}
	}
	return o, nil
}

// convert answers the convertllb subrequest (strata llb): the graph for
// the first target platform, marshalled, not solved.
func (b *builder) convert(ctx context.Context) (*convertllb.Result, error) {
	g, err := b.targetGraph(ctx, b.targetPlatforms()[0])
	if err != nil {
		return nil, err
	}
	def, err := b.definition(ctx, g)
	if err != nil {
		return nil, err
	}
	res := &convertllb.Result{Def: map[digest.Digest]*pb.Op{}, Metadata: def.Metadata, Source: def.Source}
	for _, dt := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			return nil, err
		}
		res.Def[digest.FromBytes(dt)] = &op
	}
	return res, nil
}

func describeTarget(s *spec.Spec, name string) string {
	t, err := s.Target(name)
	switch {
	case err != nil:
		return ""
	case t.Function != "":
		return fmt.Sprintf("%s function code package of app %s", t.Function, t.AppName)
	case t.App != nil:
		return fmt.Sprintf("%s app %s, image on %s", t.App.Lang, t.App.Binary, t.App.Image.Base)
	}
	return fmt.Sprintf("function layer for %s, %s", t.Layer.Runtime, t.Layer.Format)
}
