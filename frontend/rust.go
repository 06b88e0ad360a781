package frontend

import (
	"context"
	"path"
	"strings"
	"sync"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/pkg/errors"
	"github.com/strata-build/strata/cargo"
	"github.com/strata-build/strata/graph"
	"github.com/strata-build/strata/layer"
	"github.com/strata-build/strata/spec"
)

// cargoManifests are the files the recipe is computed from: manifests,
// lock files, toolchain and cargo configuration, and the files whose
// presence makes a target (the bins' sources only for their names).
var cargoManifests = []string{
	"**/Cargo.toml", "**/Cargo.lock", "**/build.rs",
	"**/src/main.rs", "**/src/lib.rs", "**/src/bin/*.rs", "**/src/bin/*/main.rs",
	"**/rust-toolchain", "**/rust-toolchain.toml", "**/.cargo/config.toml", "**/.cargo/config",
}

// cargoReads says which of cargoManifests are read: the manifests, locks,
// toolchain files and configurations. Targets (main.rs, lib.rs, build.rs,
// src/bin/*) are only listed: the recipe needs to know that they exist.
func cargoReads(p string) bool {
	switch path.Base(p) {
	case "Cargo.toml", "Cargo.lock", "rust-toolchain", "rust-toolchain.toml":
		return true
	case "config.toml", "config":
		return path.Base(path.Dir(p)) == ".cargo"
	}
	return false
}

type rustEntry struct {
	once sync.Once
	rb   graph.RustBuild
	err  error
	// crates are the app's crates from Cargo.lock, for its SBOM.
	crates []layer.SBOMPackage
}

// rustBinary is the graph of a Rust app's binaries for the target platform:
// a state holding them at /<bin>. All target platforms share one build.
func (b *builder) rustBinary(ctx context.Context, name string, a *spec.App, target ocispecs.Platform) (llb.State, error) {
	b.inputsMu.Lock()
	if b.rust == nil {
		b.rust = map[string]*rustEntry{}
	}
	e, ok := b.rust[name]
	if !ok {
		e = &rustEntry{}
		b.rust[name] = e
	}
	b.inputsMu.Unlock()
	e.once.Do(func() { e.rb, e.crates, e.err = b.rustBuild(ctx, name, a) })
	if e.err != nil {
		return llb.State{}, e.err
	}
	return e.rb.Binary(target), nil
}

// evaluates tells whether the graphs made so far are solved by the
// frontend, not left to the exporter: those holding a cargo step or the
// helper, whose errors the frontend completes (withToolError). Others are
// not, so that an export can leave image layers it need not read lazy.
func (b *builder) evaluates() bool {
	b.inputsMu.Lock()
	defer b.inputsMu.Unlock()
	return len(b.rust) > 0 || len(b.python) > 0 || b.usesHelper
}

// rustBuild is a Rust app's build for every target platform, and its
// crates from Cargo.lock (for its SBOM).
func (b *builder) rustBuild(ctx context.Context, name string, a *spec.App) (rb graph.RustBuild, crates []layer.SBOMPackage, err error) {
	p := "apps." + name
	in := graph.RustInputs{Name: name, App: a, Build: b.build, Targets: b.targetPlatforms(), Loc: b.locator(),
		Exclude: []string{path.Base(b.spec.File())}}
	files, err := b.contextFiles(ctx, "["+name+"] read Cargo manifests", cargoManifests, cargoReads)
	if err != nil {
		return rb, nil, err
	}
	if in.Recipe, err = cargo.Plan(files, a.Path); err != nil {
		return rb, nil, b.specError(p+".path", err)
	}
	if crates, err = lockedCrates(files, in.Recipe.Root, a); err != nil {
		return rb, nil, b.specError(p+".path", err)
	}
	rb, err = b.rustGraph(ctx, name, a, in)
	return rb, crates, err
}

// rustGraph is the build of a workspace whose recipe is planned.
func (b *builder) rustGraph(ctx context.Context, name string, a *spec.App, in graph.RustInputs) (graph.RustBuild, error) {
	p := "apps." + name
	var err error
	toolchain, err := b.input(ctx, "rust", "rust:"+a.Rust.Version+"-bookworm", b.build)
	if err != nil {
		return graph.RustBuild{}, b.specError(p+".rust.version", errors.Wrap(err, "Rust toolchain"))
	}
	in.Toolchain, in.CargoHome = toolchain.State, "/root/.cargo"
	if toolchain.Config != nil {
		for _, kv := range toolchain.Config.Config.Env {
			if v, ok := strings.CutPrefix(kv, "CARGO_HOME="); ok && path.IsAbs(v) {
				in.CargoHome = path.Clean(v)
			}
		}
	}
	src, err := b.bc.MainContext(ctx)
	if err != nil {
		return graph.RustBuild{}, err
	}
	in.Context = *src
	if in.Zig, err = b.zig(ctx, a.Rust.Zig); err != nil {
		return graph.RustBuild{}, b.specError(p+".rust.zig", err)
	}
	in.ZigLibraries = b.frontendZigLibraries(a.Rust.Zig)
	if in.Sysroots, err = b.sysroots(ctx, name, a); err != nil {
		return graph.RustBuild{}, err
	}
	rb, err := graph.NewRustBuild(in)
	if err != nil {
		return graph.RustBuild{}, b.specError(p+".rust", err)
	}
	return rb, nil
}

// zig is zig for the build platform: a named context "zig" (holding the
// zig executable at its root), or the pinned official release.
func (b *builder) zig(ctx context.Context, version string) (llb.State, error) {
	nc, err := b.bc.NamedContext("zig", dockerui.ContextOpt{Platform: &b.build, ResolveMode: b.bc.ImageResolveMode.String()})
	if err != nil {
		return llb.State{}, err
	}
	if nc != nil {
		st, _, err := nc.Load(ctx)
		if err != nil {
			return llb.State{}, err
		}
		return *st, nil
	}
	return graph.ZigDownload(version, b.build)
}

// targetPlatforms are every platform this build is for.
func (b *builder) targetPlatforms() []ocispecs.Platform {
	if len(b.bc.TargetPlatforms) == 0 {
		return []ocispecs.Platform{b.build}
	}
	out := make([]ocispecs.Platform, len(b.bc.TargetPlatforms))
	for i, p := range b.bc.TargetPlatforms {
		out[i] = platforms.Normalize(p)
	}
	return out
}
