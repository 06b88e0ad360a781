package frontend

import (
	"context"
	"path"
	"regexp"
	"strings"

	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/pkg/errors"
	"github.com/strata-build/strata/facts"
	"github.com/strata-build/strata/graph"
	"github.com/strata-build/strata/layer"
	"github.com/strata-build/strata/spec"
)

// goProxyArgs are the build args that reach the Go dependency step.
var goProxyArgs = []string{"GOPROXY", "GOPRIVATE", "GONOPROXY", "GONOSUMDB", "GOSUMDB", "GOINSECURE"}

// urlCredentials matches a URL with a user (and password) in it.
var urlCredentials = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^/@\s,|]+@`)

// app is the graph of an app's app image for one target platform, its
// image config and the config of its base.
func (b *builder) app(ctx context.Context, target ocispecs.Platform) (platformGraph, error) {
	a := b.t.App
	ps := graph.Platforms{Build: b.build, Target: target}
	var bin llb.State
	var err error
	if a.Lang == "python" {
		// Settles the Python version, which names the default base.
		if _, err := b.pythonProject(ctx, b.appPython(b.t.Name, a)); err != nil {
			return platformGraph{}, err
		}
	} else if bin, err = b.binary(ctx, b.t.Name, a, target); err != nil {
		return platformGraph{}, err
	}
	base, err := b.baseImage(ctx, a.Image.Base, target)
	if err != nil {
		return platformGraph{}, b.specError(b.t.Path+".image.base", err)
	}
	var trees []graph.Tree
	for _, name := range a.Image.Layers {
		l := b.spec.Layers[name]
		st, err := b.layerGraph(ctx, name, l, target, true)
		if err != nil {
			return platformGraph{}, err
		}
		trees = append(trees, graph.Tree{State: st, Dir: "/tree", Prefix: l.Prefix, Env: l.Env})
	}
	ai := graph.AppImage{Name: b.t.Name, App: a, Base: base, Binary: bin, Trees: trees, Platforms: ps, Loc: b.locator()}
	if a.Lang == "python" {
		src, err := b.bc.MainContext(ctx)
		if err != nil {
			return platformGraph{}, err
		}
		sources := graph.PythonSources(b.t.Name, a, *src, []string{path.Base(b.spec.File())}, b.locator())
		venv, project, err := b.pythonVenv(ctx, b.t.Name, a, base, sources, target)
		if err != nil {
			return platformGraph{}, err
		}
		ai.Venv, ai.Project, ai.Sources = &venv, project, &sources
	}
	if len(a.Packages) > 0 {
		pkgs, err := b.runtimePackages(ctx, b.t.Name, a, base, target)
		if err != nil {
			return platformGraph{}, err
		}
		ai.Packages = &pkgs
	}
	st, img, err := ai.Image()
	if err != nil {
		return platformGraph{}, b.specError(b.t.Path+".image.user", err)
	}
	g := platformGraph{state: st, image: img, base: base.Config}
	if b.ownSBOM() {
		helper, err := b.helper(ctx, b.t.Path)
		if err != nil {
			return platformGraph{}, err
		}
		sbom, err := ai.ImageSBOM(st, helper, b.known(b.t.Name, target), b.bc.BuildArgs["SOURCE_DATE_EPOCH"])
		if err != nil {
			return platformGraph{}, err
		}
		g.sbom = &sbom
	}
	if a.Lang == "python" || len(a.Packages) > 0 || len(a.BuildPackages) > 0 {
		// Libraries come from Debian (or a Python package's wheel) here:
		// the image must hold every one the programs load, and a glibc
		// they can run on.
		helper, err := b.helper(ctx, b.t.Path)
		if err != nil {
			return platformGraph{}, err
		}
		made := "base " + a.Image.Base
		if len(a.Packages) > 0 {
			made += " and packages " + strings.Join(a.Packages, ", ")
		}
		req := layer.CheckRequest{Glibc: facts.DebianGlibc[codename(base.OSRelease)], Image: made}
		switch {
		case a.Rust != nil && b.spec.Has(b.t.Path+".rust.glibc"):
			req.Floor, req.FloorKey = a.Rust.Glibc, b.t.Path+".rust.glibc"
		case a.Go != nil && b.spec.Has(b.t.Path+".go.glibc"):
			req.Floor, req.FloorKey = a.Go.Glibc, b.t.Path+".go.glibc"
		}
		root := st
		if a.Lang == "python" {
			root = ai.LibraryRoot()
		}
		check, err := ai.ImageCheck(root, helper, req)
		if err != nil {
			return platformGraph{}, err
		}
		g.checks = append(g.checks, check)
	}
	return g, nil
}

// binary is the graph of an app's programs for the target platform: a state
// holding them at /<name>.
func (b *builder) binary(ctx context.Context, name string, a *spec.App, target ocispecs.Platform) (llb.State, error) {
	if a.Lang == "rust" {
		return b.rustBinary(ctx, name, a, target)
	}
	return b.goBinary(ctx, name, a, target)
}

// goBinary is the graph of a Go app's program for the target platform: a
// state holding it at /<binary>.
func (b *builder) goBinary(ctx context.Context, name string, a *spec.App, target ocispecs.Platform) (llb.State, error) {
	toolchain, err := b.input(ctx, "golang", "golang:"+a.Go.Version+"-bookworm", b.build)
	if err != nil {
		return llb.State{}, b.specError("apps."+name+".go.version", errors.Wrap(err, "Go toolchain"))
	}
	src, err := b.bc.MainContext(ctx)
	if err != nil {
		return llb.State{}, err
	}
	proxy := map[string]string{}
	for _, k := range goProxyArgs {
		if v, ok := b.bc.BuildArgs[k]; ok {
			if urlCredentials.MatchString(v) {
				// Never echo the value: it is the secret.
				return llb.State{}, b.specError("apps."+name+".go", errors.Errorf("build arg %s holds credentials (a URL with user:password@): build args are in the build's graph and history; give a .netrc as a secret instead (go.netrc: ID, --secret id=ID,src=$HOME/.netrc)", k))
			}
			proxy[k] = v
		}
	}
	g := graph.GoBuild{
		Name: name, App: a, Toolchain: toolchain.State, Context: *src,
		Platforms: graph.Platforms{Build: b.build, Target: target}, ProxyEnv: proxy, Loc: b.locator(),
		Exclude: []string{path.Base(b.spec.File())},
	}
	if a.Go.CGO {
		if g.Zig, err = b.zig(ctx, facts.DefaultZig); err != nil {
			return llb.State{}, b.specError("apps."+name+".go.cgo", err)
		}
		// One per platform: the platforms' graphs are made at once.
		if g.Sysroots, err = b.sysroots(ctx, name, a); err != nil {
			return llb.State{}, err
		}
	}
	st, err := g.Binary()
	if err != nil {
		return llb.State{}, b.specError("apps."+name+".go.cgo", err)
	}
	return st, nil
}
