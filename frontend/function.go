package frontend

import (
	"context"
	"path"
	"slices"

	"github.com/moby/buildkit/client/llb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/pkg/errors"
	strata "github.com/strata-build/strata"
	"github.com/strata-build/strata/facts"
	"github.com/strata-build/strata/graph"
	"github.com/strata-build/strata/spec"
)

// function is the graph of an app's function code package for one target
// platform: a filesystem holding NAME.zip.
func (b *builder) function(ctx context.Context, target ocispecs.Platform) (platformGraph, error) {
	a := b.t.App
	if a.Lang == "python" {
		return b.pythonFunction(ctx, target)
	}
	bin, err := b.binary(ctx, b.t.AppName, a, target)
	if err != nil {
		return platformGraph{}, err
	}
	ps := graph.Platforms{Build: b.build, Target: target}
	helper, err := b.helper(ctx, b.t.Path)
	if err != nil {
		return platformGraph{}, err
	}
	st, err := graph.FunctionPackage(b.t.Name, b.t.Function, graph.AppBinary{Name: a.Binary, State: bin},
		helper, ps, b.bc.BuildArgs["SOURCE_DATE_EPOCH"], b.known(b.t.AppName, target), b.locator())
	if err != nil {
		return platformGraph{}, err
	}
	return platformGraph{state: st, image: filesConfig(target)}, nil
}

// helper is the strata-layer helper, compiled for the build platform.
// A graph that runs it is evaluated before the frontend returns, so that
// its error passes through the frontend (withToolError).
func (b *builder) helper(ctx context.Context, specPath string) (llb.State, error) {
	b.inputsMu.Lock()
	b.usesHelper = true
	b.inputsMu.Unlock()
	// Run from its image, the frontend has the helper built with it; in
	// process (the strata CLI) there is no such image, and it is compiled.
	if st := b.frontendImage(); st != nil {
		return graph.FrontendHelper("strata-layer", *st, graph.Platforms{Build: b.build, Target: b.build}), nil
	}
	toolchain, err := b.input(ctx, "golang", "golang:"+facts.DefaultGoVersion+"-bookworm", b.build)
	if err != nil {
		return llb.State{}, b.specError(specPath, errors.Wrap(err, "Go toolchain for strata-layer"))
	}
	return graph.Helper("strata-layer", strata.HelperSources, toolchain.State, graph.Platforms{Build: b.build, Target: b.build})
}

// frontendImage is the frontend's own image when it runs from one made
// for the build platform; nil in process (the strata CLI).
func (b *builder) frontendImage() *llb.State {
	cf, ok := b.c.(interface{ CurrentFrontend() (*llb.State, error) })
	if !ok || b.build.OS != "linux" || !slices.Contains(graph.FrontendHelpers, b.build.Architecture) || b.build.Variant != "" {
		return nil
	}
	if st, err := cf.CurrentFrontend(); err == nil && st != nil {
		return st
	}
	return nil
}

// frontendZigLibraries are the zig libraries the frontend image carries
// for that zig (graph.FrontendZigLibraries): nil in process, and for a zig
// other than the one they are made with.
func (b *builder) frontendZigLibraries(version string) *llb.State {
	st := b.frontendImage()
	if st == nil || version != facts.DefaultZig {
		return nil
	}
	libs := graph.FrontendZigLibraries(*st, version)
	return &libs
}

// filesConfig is the image config of a result that is files, not an image
// to run (a layer archive, a code package).
func filesConfig(target ocispecs.Platform) *dockerspec.DockerOCIImage {
	img := &dockerspec.DockerOCIImage{}
	img.Platform = target
	img.RootFS.Type = "layers"
	return img
}

// pythonFunction is the graph of a Python app's code package for the
// provider's managed runtime of its Python version: NAME.zip with its
// manifest and report.
func (b *builder) pythonFunction(ctx context.Context, target ocispecs.Platform) (platformGraph, error) {
	a, name := b.t.App, b.t.AppName
	e := b.appPython(name, a)
	if _, err := b.pythonProject(ctx, e); err != nil {
		return platformGraph{}, err
	}
	rt, err := spec.PythonRuntimeOf(b.t.Function, a.Python.Version)
	if err != nil {
		return platformGraph{}, b.specError(b.t.Path, errors.Wrapf(err, "Python %s", a.Python.Version))
	}
	pv, _ := facts.LookupProvider(b.t.Function)
	deps, err := b.pythonSite(ctx, e, rt.Runtime, target, pv.CodeDir, a.Python.UV)
	if err != nil {
		return platformGraph{}, err
	}
	src, err := b.bc.MainContext(ctx)
	if err != nil {
		return platformGraph{}, err
	}
	sources := graph.PythonSources(name, a, *src, []string{path.Base(b.spec.File())}, b.locator())
	helper, err := b.helper(ctx, b.t.Path)
	if err != nil {
		return platformGraph{}, err
	}
	st, err := graph.PythonFunctionPackage(b.t.Name, b.t.Function, rt.Runtime, deps, sources, helper,
		graph.Platforms{Build: b.build, Target: target}, b.bc.BuildArgs["SOURCE_DATE_EPOCH"], b.known(name, target), b.locator())
	if err != nil {
		return platformGraph{}, b.specError(b.t.Path, err)
	}
	return platformGraph{state: st, image: filesConfig(target)}, nil
}
