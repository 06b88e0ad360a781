package graph

import (
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/strata-build/strata/cargo"
	"github.com/strata-build/strata/shell"
	"github.com/strata-build/strata/spec"
	"github.com/strata-build/strata/zigcc"
)

// RustInputs are what a Rust app's build is made from.
type RustInputs struct {
	Name      string        // the target's name
	App       *spec.App     // defaulted and validated
	Recipe    *cargo.Recipe // the workspace's skeleton, computed from the context's manifests
	Toolchain llb.State     // the Rust toolchain image, for the build platform
	CargoHome string        // CARGO_HOME of the toolchain image
	Zig       llb.State     // holds the zig executable at /zig
	// ZigLibraries, when set, is a zig cache the warm-up starts from (the
	// libraries the frontend image carries: FrontendZigLibraries).
	ZigLibraries *llb.State
	Context      llb.State // the build context
	Build        ocispecs.Platform
	Targets      []ocispecs.Platform // every target platform of the build
	// Exclude lists files of the workspace that are no sources (the spec
	// itself), so that editing them does not re-run the compile.
	Exclude []string
	// Sysroots are the app's build_packages for the targets (no packages:
	// none).
	Sysroots *Sysroots
	Loc      Locator
}

// DebianArchive is a suite of a Debian mirror.
type DebianArchive struct {
	Suite    string
	Mirror   string
	Security bool // the suite's security updates too
}

// RustBuild is a Rust app's build. Every target platform compiles in one
// cargo invocation on the build platform, so build scripts and
// proc-macros are compiled and run once; each platform's image then takes
// its binaries from the shared output. NewRustBuild resolves the triples
// and what follows from them once, so that its steps cannot fail.
type RustBuild struct {
	in       RustInputs
	host     zigcc.Target      // the build platform's gnu target: build scripts and proc-macros
	targets  []zigcc.Target    // the target platforms', sorted by triple, each once
	tripleOf map[string]string // each target platform's triple, by platformString
	// What both cargo steps share to the byte, or cargo would recompile
	// every dependency in the build.
	args []string
	env  map[string]string
	// The kinds of link the zig warm-up prepares.
	links []zigLink
}

// NewRustBuild checks that Rust and zig can build for the build and
// target platforms, with the spec's libc and glibc floor, and resolves
// the build's triples, zig targets, cargo arguments and environment.
func NewRustBuild(in RustInputs) (RustBuild, error) {
	opt := in.App.Rust
	r := RustBuild{in: in, tripleOf: map[string]string{}}
	host, err := RustTriple(in.Build, "gnu")
	if err != nil {
		return RustBuild{}, err
	}
	if r.host, err = zigcc.For(host, opt.Glibc); err != nil {
		return RustBuild{}, err
	}
	platformOf := map[string]ocispecs.Platform{}
	for _, p := range in.Targets {
		t, err := RustTriple(p, opt.Libc)
		if err != nil {
			return RustBuild{}, err
		}
		r.tripleOf[platformString(p)], platformOf[t] = t, p
	}
	for _, t := range slices.Compact(slices.Sorted(maps.Values(r.tripleOf))) {
		zt, err := zigcc.For(t, opt.Glibc)
		if err != nil {
			return RustBuild{}, err
		}
		if zt.Sysroot, err = r.in.Sysroots.For(platformOf[t]); err != nil {
			return RustBuild{}, err
		}
		if zt.Rust == r.host.Rust {
			// Build scripts of the build platform's own triple use the
			// same wrappers: cargo and cc-rs read them by triple.
			r.host = zt
		}
		r.targets = append(r.targets, zt)
	}
	r.args, r.env, r.links = r.cargoArgs(), r.rustEnv(), r.zigLinks()
	return r, nil
}

// cargoArgs select what both cargo invocations build: the same packages,
// bins, features, profile and targets, or the dependency step's artifacts
// would not be the ones the build looks for.
func (r RustBuild) cargoArgs() []string {
	opt := r.in.App.Rust
	args := []string{"--locked", "--profile", opt.Profile}
	for _, t := range r.targetTriples() {
		args = append(args, "--target", t)
	}
	if opt.Package != "" {
		args = append(args, "-p", opt.Package)
	}
	for _, b := range opt.Bins {
		args = append(args, "--bin", b)
	}
	if len(opt.Features) > 0 {
		args = append(args, "--features", strings.Join(opt.Features, ","))
	}
	if opt.NoDefaultFeatures {
		args = append(args, "--no-default-features")
	}
	return args
}

// base is the toolchain with the environment of every cargo step.
func (r RustBuild) base() llb.State {
	st := r.in.Toolchain.Platform(r.in.Build)
	for _, k := range slices.Sorted(maps.Keys(r.env)) {
		st = st.AddEnv(k, r.env[k])
	}
	return st
}

// rustupTargets adds the targets' std where the image carries rustup (the
// official images do); an image without it must hold the std already, and
// cargo says which one is missing.
func rustupTargets(targets []string) string {
	return "if command -v rustup >/dev/null 2>&1; then rustup target add " + shell.Join(targets) + "; fi"
}

// run is a cargo step: the shared mounts, secrets and SSH, then the script.
func (r RustBuild) run(st llb.State, script, name, specPath string, extra ...llb.RunOption) llb.ExecState {
	// The script is a file, not an argument: BuildKit quotes a failed
	// process's arguments in the build's final error, which then reads
	// `process "sh -e /strata/step/cargo.sh" did not complete successfully`
	// rather than quoting pages of shell.
	file := llb.Scratch().File(llb.Mkfile(path.Base(cargoScript), 0o644, []byte(script), llb.WithCreatedTime(epoch)),
		llb.WithCustomName(SharedPrefix+"a cargo step's script"))
	opts := []llb.RunOption{
		llb.Args(cargoStepArgs),
		llb.AddMount(path.Dir(cargoScript), file, llb.Readonly),
		llb.Dir(path.Join(rustSrc, r.in.Recipe.Root)),
		llb.AddMount(zigDir, r.in.Zig, llb.Readonly, byKey),
		llb.AddMount(zigWrappers, r.wrappers(), llb.Readonly),
		llb.AddMount(zigCache, r.zigWarm(), llb.AsPersistentCacheDir("strata-zig-cache", llb.CacheMountShared)),
		llb.AddMount(path.Join(r.in.CargoHome, "registry"), llb.Scratch(), llb.AsPersistentCacheDir("strata-cargo-registry", llb.CacheMountShared)),
		llb.AddMount(path.Join(r.in.CargoHome, "git"), llb.Scratch(), llb.AsPersistentCacheDir("strata-cargo-git", llb.CacheMountShared)),
		llb.WithCustomName(name),
		r.in.Loc.at(specPath),
	}
	opts = append(opts, r.in.Sysroots.mounts()...)
	opt := r.in.App.Rust
	for _, s := range opt.Secrets {
		opts = append(opts, llb.AddSecret(s.Env, llb.SecretID(s.ID), llb.SecretAsEnv(true)))
	}
	if opt.SSH {
		opts = append(opts, llb.AddSSHSocket(llb.SSHID("default"))) // --ssh default
	}
	return st.Run(append(opts, extra...)...)
}

// Dependencies is the step that compiles every dependency, for every
// target, from the skeleton alone: its key is the manifests with local
// versions masked, what dependencies are built from whole (patched crates,
// vendored sources), the toolchain, zig, the targets, profile and features.
// The local crates are stubs at a version of their own, so the build never
// takes their artifacts for the real crates' (the version is in every
// artifact's name) and nothing needs cleaning: registry crates that share
// a local crate's name stay built.
func (r RustBuild) Dependencies() llb.State {
	fa := llb.Mkdir(rustSrc, 0o755, llb.WithParents(true), llb.WithCreatedTime(epoch))
	for _, name := range slices.Sorted(maps.Keys(r.in.Recipe.Files)) {
		p := path.Join(rustSrc, name)
		fa = fa.Mkdir(path.Dir(p), 0o755, llb.WithParents(true), llb.WithCreatedTime(epoch)).
			Mkfile(p, 0o644, r.in.Recipe.Files[name], llb.WithCreatedTime(epoch))
	}
	for _, dir := range r.in.Recipe.Whole {
		fa = fa.Copy(r.in.Context, dir, path.Join(rustSrc, dir), &llb.CopyInfo{CopyDirContentsOnly: true, CreateDestPath: true})
	}
	skel := r.base().File(fa, llb.WithCustomNamef("[%s] cargo skeleton", r.in.Name), r.in.Loc.at("apps."+r.in.Name+".path"))
	script := r.scrub(rustTarget, rustSrc, "/tmp") + rustupTargets(r.targetTriples()) + "\n" + keepStderr("cargo build "+shell.Join(r.args))
	if r.in.App.Rust.TargetCache {
		script += "\ncat /proc/sys/kernel/random/uuid >" + path.Join(rustTarget, depsID)
	}
	return r.run(skel, script, CargoDependenciesStep(r.in.Name), "apps."+r.in.Name+".rust").Root()
}

// Output compiles the app for every target platform and returns a state
// holding each target's binaries at /<triple>/<bin>. The build sees the
// whole context at /src, as cargo run in the context would (build scripts
// may read files beyond the workspace), but for the spec and the
// workspace's own target directory.
func (r RustBuild) Output() llb.State {
	deps := r.Dependencies()
	src := deps.File(
		llb.Copy(r.in.Context, "/", rustSrc, &llb.CopyInfo{
			CopyDirContentsOnly: true, CreateDestPath: true,
			ExcludePatterns: append([]string{path.Join(r.in.Recipe.Root, "target")}, r.in.Exclude...),
		}),
		llb.WithCustomNamef("[%s] copy sources", r.in.Name), r.in.Loc.at("apps."+r.in.Name+".path"),
	)
	targets := r.targetTriples()
	script := keepStderr("cargo build " + shell.Join(r.args))
	var extra []llb.RunOption
	if r.in.App.Rust.TargetCache {
		// The cache starts from the dependency step's target directory,
		// again whenever that step ran again: on any change of its inputs,
		// the toolchain image and zig included, it writes a new ID. cargo
		// then sees file times that follow content (cargo.Freshness), so
		// that no build takes artifacts of other sources for its own.
		state := path.Join(rustTarget, sourcesState)
		script = "if [ \"$(cat " + path.Join(rustTarget, depsID) + " 2>/dev/null)\" != \"$(cat " + path.Join(rustDeps, depsID) + ")\" ]; then\n" +
			"find " + rustTarget + " -mindepth 1 -delete && cp -a " + rustDeps + "/. " + rustTarget + "/\nfi\n" +
			"(cd " + rustSrc + "\n" + cargo.Freshness(state, r.in.Recipe.Whole) + "\n)\n" +
			script + "\n" + cargo.FreshnessDone(state)
		extra = append(extra,
			llb.AddMount(rustDeps, deps, llb.SourcePath(rustTarget), llb.Readonly, byKey),
			llb.AddMount(rustTarget, llb.Scratch(), llb.AsPersistentCacheDir("strata-cargo-target-"+r.in.Name, llb.CacheMountLocked)))
	}
	for _, t := range targets {
		dir := path.Join(rustTarget, t, profileDir(r.in.App.Rust.Profile))
		script += "\nmkdir -p " + path.Join(rustOut, t)
		for _, b := range r.in.App.Rust.Bins {
			script += "\ncp " + shell.Quote(path.Join(dir, b)) + " " + shell.Quote(path.Join(rustOut, t, b))
		}
	}
	script = r.scrub(rustTarget, rustOut) + script
	run := r.run(src, script, CargoBuildStep(r.in.Name, targets...), "apps."+r.in.Name+".rust", extra...)
	return run.AddMount(rustOut, llb.Scratch())
}

// Binary is the app's binaries for one of the build's target platforms,
// at /<bin>. A platform the build is not for is the caller's mistake, and
// panics: NewRustBuild checked the platforms it was given.
func (r RustBuild) Binary(target ocispecs.Platform) llb.State {
	t, ok := r.tripleOf[platformString(target)]
	if !ok {
		panic("graph: Rust build of " + r.in.Name + " has no target platform " + platformString(target))
	}
	out := r.Output()
	var fa *llb.FileAction
	for i, b := range r.in.App.Rust.Bins {
		if i == 0 {
			fa = llb.Copy(out, path.Join("/", t, b), "/"+b)
		} else {
			fa = fa.Copy(out, path.Join("/", t, b), "/"+b)
		}
	}
	return llb.Scratch().File(fa, llb.WithCustomNamef("[%s] binaries for %s", r.in.Name, platformString(target)))
}

// scrub is the EXIT trap that keeps the secrets' values out of what a cargo
// step leaves in dirs (see scrubSecrets), or nothing without secrets.
func (r RustBuild) scrub(dirs ...string) string {
	var envs []string
	for _, s := range r.in.App.Rust.Secrets {
		envs = append(envs, s.Env)
	}
	if len(envs) == 0 {
		return ""
	}
	return scrubSecrets(envs, dirs, CargoStderr) + "\n"
}
