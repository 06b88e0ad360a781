package graph

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/moby/buildkit/client/llb"
	"github.com/strata-build/strata/spec"
	"github.com/strata-build/strata/zigcc"
)

// GoBuild is the input of a Go app's build.
type GoBuild struct {
	Name      string    // the target's name
	App       *spec.App // defaulted and validated
	Toolchain llb.State // the Go toolchain image, for the build platform
	Context   llb.State // the build context
	Platforms Platforms
	// ProxyEnv holds GOPROXY, GOPRIVATE and their kin (from build args); it
	// reaches only the dependency step, the one step that downloads.
	ProxyEnv map[string]string
	// Exclude lists files of the app's directory that are no sources (the
	// spec itself), so that editing them does not re-run the compile.
	Exclude []string
	// Zig holds the zig executable at /zig: the C compiler of a cgo build.
	Zig llb.State
	// Sysroots are the app's build_packages (nil: none), for cgo.
	Sysroots *Sysroots
	Loc      Locator
}

const (
	goSrc      = "/src"
	goModCache = "/go/pkg/mod"
	goOut      = "/out"
	goNetrc    = "/run/secrets/netrc" // the go.netrc secret, where NETRC points
)

// Dependencies is the step that downloads the modules. Its inputs are only
// go.mod, go.sum and the toolchain, so a source edit never re-runs it, and it
// runs on the build platform with no target in its key: every target
// platform shares it. The module cache is part of its image layer (not a cache
// mount) so that it travels with --cache-to and is there on any builder.
func (g GoBuild) Dependencies() llb.State {
	dir := path.Join(goSrc, g.App.Path)
	// Only go.mod and go.sum, so that the step's cache key is theirs alone;
	// a module without dependencies has no go.sum.
	mods := g.base().File(
		llb.Copy(g.Context, g.App.Path+"/", dir+"/", &llb.CopyInfo{
			CopyDirContentsOnly: true,
			CreateDestPath:      true,
			IncludePatterns:     []string{"go.mod", "go.sum"},
			RequiredPaths:       []string{"/" + path.Join(g.App.Path, "go.mod")},
		}),
		llb.WithCustomNamef("[%s] copy go.mod and go.sum", g.Name), g.Loc.at("apps."+g.Name+".path"),
	)
	opts := []llb.RunOption{
		llb.Args([]string{"go", "mod", "download"}),
		llb.Dir(dir),
		llb.WithCustomName(GoDownloadStep(g.Name)),
		g.Loc.at("apps." + g.Name),
	}
	for _, k := range slices.Sorted(maps.Keys(g.ProxyEnv)) {
		opts = append(opts, llb.AddEnv(k, g.ProxyEnv[k]))
	}
	if id := g.App.Go.Netrc; id != "" {
		// A secret mount: a tmpfs file for this process alone, in no image layer.
		opts = append(opts, llb.AddSecret(goNetrc, llb.SecretID(id)), llb.AddEnv("NETRC", goNetrc))
	}
	return mods.Run(opts...).Root()
}

// Binary compiles the app for the target platform, on the build platform,
// and returns a state holding only the program, at /<binary>. With cgo,
// zig is the target's C compiler and linker, with the glibc floor, and
// the target's build_packages are its sysroot.
func (g GoBuild) Binary() (llb.State, error) {
	dir := path.Join(goSrc, g.App.Path)
	src := g.Dependencies().File(
		llb.Copy(g.Context, g.App.Path, dir, &llb.CopyInfo{CopyDirContentsOnly: true, ExcludePatterns: g.Exclude}),
		llb.WithCustomNamef("[%s] copy sources", g.Name), g.Loc.at("apps."+g.Name+".path"),
	)
	goos, goarch, variant := goTarget(g.Platforms.Target)
	opt := g.App.Go
	cgo := []llb.RunOption{llb.AddEnv("CGO_ENABLED", "0")}
	if opt.CGO {
		var err error
		if cgo, err = g.cgo(); err != nil {
			return llb.State{}, err
		}
	}
	args := []string{"go", "build", "-trimpath", "-ldflags", opt.Ldflags}
	if len(opt.Tags) > 0 {
		args = append(args, "-tags", strings.Join(opt.Tags, ","))
	}
	args = append(args, "-o", path.Join(goOut, g.App.Binary), opt.Package)
	if variant[0] != "" {
		src = src.AddEnv(variant[0], variant[1])
	}
	opts := append([]llb.RunOption{
		llb.Args(args),
		llb.Dir(dir),
		llb.AddEnv("GOOS", goos),
		llb.AddEnv("GOARCH", goarch),
	}, cgo...)
	run := src.Run(append(opts,
		// Everything was downloaded by the dependency step: the compile
		// step never reaches the network.
		llb.AddEnv("GOPROXY", "off"),
		llb.AddEnv("GOFLAGS", "-mod=readonly -modcacherw -buildvcs=false"),
		llb.AddMount("/root/.cache/go-build", llb.Scratch(), llb.AsPersistentCacheDir("strata-go-build", llb.CacheMountShared)),
		llb.WithCustomName(GoBuildStep(g.Name, opt.Package, g.Platforms.Target)),
		g.Loc.at("apps."+g.Name+".go"),
	)...)
	return run.AddMount(goOut, llb.Scratch()), nil
}

// cgo is what a cgo build adds to the compile step: zig's wrappers for
// the target as CC and CXX (and pkg-config, with a sysroot), zig and its
// cache, the sysroot.
func (g GoBuild) cgo() ([]llb.RunOption, error) {
	triple, err := RustTriple(g.Platforms.Target, "gnu")
	if err != nil {
		return nil, fmt.Errorf("cgo: %w", err)
	}
	zt, err := zigcc.For(triple, g.App.Go.Glibc)
	if err != nil {
		return nil, fmt.Errorf("cgo: %w", err)
	}
	if zt.Sysroot, err = g.Sysroots.For(g.Platforms.Target); err != nil {
		return nil, err
	}
	wrappers := zigWrapperFiles([]zigcc.Target{zt})
	opts := []llb.RunOption{
		llb.AddEnv("CGO_ENABLED", "1"),
		llb.AddEnv("ZIG_GLOBAL_CACHE_DIR", zigCache),
		llb.AddEnv("ZIG_LOCAL_CACHE_DIR", zigCache),
		llb.AddMount(zigDir, g.Zig, llb.Readonly, byKey),
		llb.AddMount(zigWrappers, wrappers, llb.Readonly),
		llb.AddMount(zigCache, llb.Scratch(), llb.AsPersistentCacheDir("strata-zig-cache", llb.CacheMountShared)),
	}
	env := zigcc.ToolEnv(zigWrappers, zt)
	for _, k := range slices.Sorted(maps.Keys(env)) {
		opts = append(opts, llb.AddEnv(k, env[k]))
	}
	return append(opts, g.Sysroots.mounts()...), nil
}

// base is the toolchain with the environment every Go step shares.
func (g GoBuild) base() llb.State {
	return g.Toolchain.Platform(g.Platforms.Build).
		AddEnv("PATH", buildPath).
		AddEnv("GOPATH", "/go").
		AddEnv("GOMODCACHE", goModCache).
		AddEnv("GOTOOLCHAIN", "local").
		AddEnv("GOFLAGS", "-modcacherw")
}
