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
)

// RustBuild is the input of a Rust app's build. Every target platform
// compiles in one cargo invocation on the build platform, so build scripts
// and proc-macros are compiled and run once; each platform's image then
// takes its binaries from the shared output.
type RustBuild struct {
	Name      string        // the target's name
	App       *spec.App     // defaulted and validated
	Recipe    *cargo.Recipe // the workspace's skeleton, computed from the context's manifests
	Toolchain llb.State     // the Rust toolchain image, for the build platform
	CargoHome string        // CARGO_HOME of the toolchain image
	Zig       llb.State     // holds the zig executable at /zig
	Context   llb.State     // the build context
	Build     ocispecs.Platform
	Targets   []ocispecs.Platform // every target platform of the build
	// Exclude lists files of the workspace that are no sources (the spec
	// itself), so that editing them does not re-run the compile.
	Exclude []string
	Loc     Locator
}

// cargoArgs select what both cargo invocations build: the same packages,
// bins, features, profile and targets, or the dependency step's artifacts
// would not be the ones the build looks for.
func (r RustBuild) cargoArgs() ([]string, error) {
	opt := r.App.Rust
	args := []string{"--locked", "--profile", opt.Profile}
	targets, err := r.targetTriples()
	if err != nil {
		return nil, err
	}
	for _, t := range targets {
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
	return args, nil
}

// base is the toolchain with the environment of every cargo step.
func (r RustBuild) base() (llb.State, error) {
	env, err := r.rustEnv()
	if err != nil {
		return llb.State{}, err
	}
	st := r.Toolchain.Platform(r.Build)
	for _, k := range slices.Sorted(maps.Keys(env)) {
		st = st.AddEnv(k, env[k])
	}
	return st, nil
}

// rustupTargets adds the targets' std where the image carries rustup (the
// official images do); an image without it must hold the std already, and
// cargo says which one is missing.
func rustupTargets(targets []string) string {
	return "if command -v rustup >/dev/null 2>&1; then rustup target add " + shell.Join(targets) + "; fi"
}

// run is a cargo step: the shared mounts, secrets and SSH, then the script.
func (r RustBuild) run(st llb.State, script, name, specPath string, extra ...llb.RunOption) (llb.ExecState, error) {
	wrappers, err := r.wrappers()
	if err != nil {
		return llb.ExecState{}, err
	}
	zigLibs, err := r.zigWarm()
	if err != nil {
		return llb.ExecState{}, err
	}
	// The script is a file, not an argument: BuildKit quotes a failed
	// process's arguments in the build's final error, which then reads
	// `process "sh -e /strata/step/cargo.sh" did not complete successfully`
	// rather than quoting pages of shell.
	file := llb.Scratch().File(llb.Mkfile(path.Base(cargoScript), 0o644, []byte(script), llb.WithCreatedTime(epoch)),
		llb.WithCustomNamef("[%s] the cargo step's script", r.Name))
	opts := []llb.RunOption{
		llb.Args(cargoStepArgs),
		llb.AddMount(path.Dir(cargoScript), file, llb.Readonly),
		llb.Dir(path.Join(rustSrc, r.Recipe.Root)),
		llb.AddMount(zigDir, r.Zig, llb.Readonly),
		llb.AddMount(zigWrappers, wrappers, llb.Readonly),
		llb.AddMount(zigCache, zigLibs, llb.AsPersistentCacheDir("strata-zig-cache", llb.CacheMountShared)),
		llb.AddMount(path.Join(r.CargoHome, "registry"), llb.Scratch(), llb.AsPersistentCacheDir("strata-cargo-registry", llb.CacheMountShared)),
		llb.AddMount(path.Join(r.CargoHome, "git"), llb.Scratch(), llb.AsPersistentCacheDir("strata-cargo-git", llb.CacheMountShared)),
		llb.WithCustomName(name),
		r.Loc.at(specPath),
	}
	opt := r.App.Rust
	for _, s := range opt.Secrets {
		opts = append(opts, llb.AddSecret(s.Env, llb.SecretID(s.ID), llb.SecretAsEnv(true)))
	}
	if opt.SSH {
		opts = append(opts, llb.AddSSHSocket(llb.SSHID("default"))) // --ssh default
	}
	return st.Run(append(opts, extra...)...), nil
}

// Dependencies is the step that compiles every dependency, for every
// target, from the skeleton alone: its key is the manifests with local
// versions masked, what dependencies are built from whole (patched crates,
// vendored sources), the toolchain, zig, the targets, profile and features.
// The local crates are stubs at a version of their own, so the build never
// takes their artifacts for the real crates' (the version is in every
// artifact's name) and nothing needs cleaning: registry crates that share
// a local crate's name stay built.
func (r RustBuild) Dependencies() (llb.State, error) {
	base, err := r.base()
	if err != nil {
		return llb.State{}, err
	}
	fa := llb.Mkdir(rustSrc, 0o755, llb.WithParents(true), llb.WithCreatedTime(epoch))
	for _, name := range slices.Sorted(maps.Keys(r.Recipe.Files)) {
		p := path.Join(rustSrc, name)
		fa = fa.Mkdir(path.Dir(p), 0o755, llb.WithParents(true), llb.WithCreatedTime(epoch)).
			Mkfile(p, 0o644, r.Recipe.Files[name], llb.WithCreatedTime(epoch))
	}
	for _, dir := range r.Recipe.Whole {
		fa = fa.Copy(r.Context, dir, path.Join(rustSrc, dir), &llb.CopyInfo{CopyDirContentsOnly: true, CreateDestPath: true})
	}
	skel := base.File(fa, llb.WithCustomNamef("[%s] cargo skeleton", r.Name), r.Loc.at("apps."+r.Name+".path"))
	args, err := r.cargoArgs()
	if err != nil {
		return llb.State{}, err
	}
	targets, _ := r.targetTriples()
	script := r.scrub(rustTarget, rustSrc, "/tmp") + rustupTargets(targets) + "\n" + keepStderr("cargo build "+shell.Join(args))
	if r.App.Rust.TargetCache {
		script += "\ncat /proc/sys/kernel/random/uuid >" + path.Join(rustTarget, depsID)
	}
	run, err := r.run(skel, script, CargoDependenciesStep(r.Name), "apps."+r.Name+".rust")
	if err != nil {
		return llb.State{}, err
	}
	return run.Root(), nil
}

// Output compiles the app for every target platform and returns a state
// holding each target's binaries at /<triple>/<bin>. The build sees the
// whole context at /src, as cargo run in the context would (build scripts
// may read files beyond the workspace), but for the spec and the
// workspace's own target directory.
func (r RustBuild) Output() (llb.State, error) {
	deps, err := r.Dependencies()
	if err != nil {
		return llb.State{}, err
	}
	src := deps.File(
		llb.Copy(r.Context, "/", rustSrc, &llb.CopyInfo{
			CopyDirContentsOnly: true, CreateDestPath: true,
			ExcludePatterns: append([]string{path.Join(r.Recipe.Root, "target")}, r.Exclude...),
		}),
		llb.WithCustomNamef("[%s] copy sources", r.Name), r.Loc.at("apps."+r.Name+".path"),
	)
	args, err := r.cargoArgs()
	if err != nil {
		return llb.State{}, err
	}
	targets, _ := r.targetTriples()
	script := keepStderr("cargo build " + shell.Join(args))
	var extra []llb.RunOption
	if r.App.Rust.TargetCache {
		// The cache starts from the dependency step's target directory,
		// again whenever that step ran again: on any change of its inputs,
		// the toolchain image and zig included, it writes a new ID. cargo
		// then sees file times that follow content (cargo.Freshness), so
		// that no build takes artifacts of other sources for its own.
		state := path.Join(rustTarget, sourcesState)
		script = "if [ \"$(cat " + path.Join(rustTarget, depsID) + " 2>/dev/null)\" != \"$(cat " + path.Join(rustDeps, depsID) + ")\" ]; then\n" +
			"find " + rustTarget + " -mindepth 1 -delete && cp -a " + rustDeps + "/. " + rustTarget + "/\nfi\n" +
			"(cd " + rustSrc + "\n" + cargo.Freshness(state, r.Recipe.Whole) + "\n)\n" +
			script + "\n" + cargo.FreshnessDone(state)
		extra = append(extra,
			llb.AddMount(rustDeps, deps, llb.SourcePath(rustTarget), llb.Readonly),
			llb.AddMount(rustTarget, llb.Scratch(), llb.AsPersistentCacheDir("strata-cargo-target-"+r.Name, llb.CacheMountLocked)))
	}
	for _, t := range targets {
		dir := path.Join(rustTarget, t, profileDir(r.App.Rust.Profile))
		script += "\nmkdir -p " + path.Join(rustOut, t)
		for _, b := range r.App.Rust.Bins {
			script += "\ncp " + shell.Quote(path.Join(dir, b)) + " " + shell.Quote(path.Join(rustOut, t, b))
		}
	}
	script = r.scrub(rustTarget, rustOut) + script
	run, err := r.run(src, script, CargoBuildStep(r.Name, targets...), "apps."+r.Name+".rust", extra...)
	if err != nil {
		return llb.State{}, err
	}
	return run.AddMount(rustOut, llb.Scratch()), nil
}

// Binary is the app's binaries for one target platform, at /<bin>.
func (r RustBuild) Binary(target ocispecs.Platform) (llb.State, error) {
	out, err := r.Output()
	if err != nil {
		return llb.State{}, err
	}
	t, err := RustTriple(target, r.App.Rust.Libc)
	if err != nil {
		return llb.State{}, err
	}
	var fa *llb.FileAction
	for i, b := range r.App.Rust.Bins {
		if i == 0 {
			fa = llb.Copy(out, path.Join("/", t, b), "/"+b)
		} else {
			fa = fa.Copy(out, path.Join("/", t, b), "/"+b)
		}
	}
	return llb.Scratch().File(fa, llb.WithCustomNamef("[%s] binaries for %s", r.Name, platformString(target))), nil
}

// scrub is the EXIT trap that keeps the secrets' values out of what a cargo
// step leaves in dirs (see scrubSecrets), or nothing without secrets.
func (r RustBuild) scrub(dirs ...string) string {
	var envs []string
	for _, s := range r.App.Rust.Secrets {
		envs = append(envs, s.Env)
	}
	if len(envs) == 0 {
		return ""
	}
	return scrubSecrets(envs, dirs, CargoStderr) + "\n"
}
