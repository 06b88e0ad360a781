package frontend

import (
	"context"
	"fmt"

	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/strata-build/strata/graph"
	"github.com/strata-build/strata/spec"
)

// layer is the graph of a function layer for one target platform: a
// filesystem holding the archive, its manifest and its size report.
func (b *builder) layer(ctx context.Context, target ocispecs.Platform) (platformGraph, error) {
	st, err := b.layerGraph(ctx, b.t.Name, b.t.Layer, target, false)
	if err != nil {
		return platformGraph{}, err
	}
	return platformGraph{state: st, image: filesConfig(target)}, nil
}

// layerGraph builds the named layer of the spec for the target platform;
// with tree, its output also holds the files at /tree.
func (b *builder) layerGraph(ctx context.Context, name string, l *spec.Layer, target ocispecs.Platform, tree bool) (llb.State, error) {
	path := "layers." + name
	ps := graph.Platforms{Build: b.build, Target: target}
	lb := graph.LayerBuild{Name: name, Layer: l, Platforms: ps, Loc: b.locator(), Tree: tree,
		Epoch: b.bc.BuildArgs["SOURCE_DATE_EPOCH"], Apps: map[string]graph.AppBinary{}}
	fail := func(err error) (llb.State, error) { return llb.State{}, err }
	if l.Python != nil {
		// The version first: the site's directory names it.
		if _, err := b.pythonProject(ctx, b.layerPython(name, l)); err != nil {
			return fail(err)
		}
		site, err := graph.PythonSite(l)
		if err != nil {
			return fail(b.specError(path+".runtime", err))
		}
		deps, err := b.pythonSite(ctx, b.layerPython(name, l), l.Runtime, target, site, l.Python.UV)
		if err != nil {
			return fail(err)
		}
		lb.Python = &deps
		lb.Known = b.known(name, target)
		return b.assemble(ctx, lb)
	}
	if l.Sources.Debian != nil || l.Strip {
		apt, err := b.aptState(ctx, path+".sources.debian")
		if err != nil {
			return fail(err)
		}
		lb.Apt = apt.State
	}
	for i, im := range l.Sources.Images {
		in, err := b.input(ctx, "", im.Ref, target)
		if err != nil {
			return fail(b.specError(fmt.Sprintf("%s.sources.images[%d].ref", path, i), err))
		}
		lb.Images = append(lb.Images, in.State)
	}
	if len(l.Sources.Context) > 0 {
		src, err := b.bc.MainContext(ctx)
		if err != nil {
			return fail(err)
		}
		lb.Context = *src
	}
	for _, name := range l.Sources.Apps {
		a := b.spec.Apps[name]
		bin, err := b.binary(ctx, name, a, target)
		if err != nil {
			return fail(err)
		}
		lb.Apps[name] = graph.AppBinary{Name: a.Binary, State: bin}
	}
	return b.assemble(ctx, lb)
}

// assemble is the step of the helper that assembles the layer.
func (b *builder) assemble(ctx context.Context, lb graph.LayerBuild) (llb.State, error) {
	path := "layers." + lb.Name
	var err error
	if lb.Helper, err = b.helper(ctx, path); err != nil {
		return llb.State{}, err
	}
	st, err := lb.Archive()
	if err != nil {
		return llb.State{}, b.specError(path, err)
	}
	return st, nil
}
