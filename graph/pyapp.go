package graph

import (
	_ "embed"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/moby/buildkit/client/llb"
	digest "github.com/opencontainers/go-digest"
	"github.com/strata-build/strata/facts"
	"github.com/strata-build/strata/pywheel"
	"github.com/strata-build/strata/spec"
	"github.com/strata-build/strata/zigcc"
)

//go:embed python.sh
var pythonScript string

// pythonArgs run python.sh, mounted at /strata/step.
var pythonArgs = []string{"/bin/sh", "/strata/step/python.sh"}

const (
	pySrc    = "/src"
	pyTarget = "/strata/target"
	pySdists = "/strata/sdist"
	pyUV     = "/strata/uv"
)

// PythonProject is what a dependency step installs: a uv project's
// locked dependencies, for an app's venv, a layer or a code package.
type PythonProject struct {
	Path         string // the project's directory in the build context
	Version      string // Python 3.X, settled
	Groups       []string
	Extras       []string
	CrossCompile bool
	// SpecPath is the spec's entry (apps.NAME, layers.NAME): errors point
	// at its path and python keys.
	SpecPath string
	PathKey  string // the key of Path under SpecPath: path, python.path
}

// AppProject is a Python app's project, defaulted and validated, its
// Python version settled.
func AppProject(name string, a *spec.App) PythonProject {
	o := a.Python
	return PythonProject{Path: a.Path, Version: o.Version, Groups: o.Groups, Extras: o.Extras, CrossCompile: *o.CrossCompile,
		SpecPath: "apps." + name, PathKey: "path"}
}

// LayerProject is a Python layer's project, its version settled.
func LayerProject(name string, o *spec.PythonLayer) PythonProject {
	return PythonProject{Path: o.Path, Version: o.Version, Groups: o.Groups, Extras: o.Extras, CrossCompile: *o.CrossCompile,
		SpecPath: "layers." + name, PathKey: "python.path"}
}

// PythonBuild is the input of a Python dependency step for one target
// platform.
type PythonBuild struct {
	Name    string
	Project PythonProject
	// Site, if set, is the directory the dependencies install into, as
	// uv pip install --target does (a function's layer or code package),
	// where they are at run time; else they install into the venv at
	// facts.PythonVenv.
	Site string
	// Build is the Python image for the build platform (the same version
	// as the target's): it runs uv and the byte-code compile.
	Build llb.State
	// Target is the base image for the target platform, whose Python
	// headers and sysconfig a C extension is compiled against (files only).
	Target llb.State
	UV     llb.State // holds uv at /uv
	// Context is the build context.
	Context llb.State
	Lock    *pywheel.Lock // nil with a requirements file
	// Requirements is the requirements file to install from, relative to
	// the project's path, when it has no uv.lock.
	Requirements string
	Wheels       pywheel.Target // the target's Python, machine and glibc
	// Zig holds the zig executable at /zig, for the packages that have no
	// wheel for the target; Sysroots are the app's build_packages.
	Zig llb.State
	// ZigLibraries, when set, is a zig cache the warm-up starts from (the
	// libraries the frontend image carries: FrontendZigLibraries).
	ZigLibraries *llb.State
	Sysroots     *Sysroots
	Platforms    Platforms
	Loc          Locator
}

// Venv is the step that installs the locked dependencies into the venv
// (or Site), for the target platform, on the build platform: its key holds
// the lock and pyproject.toml, the Python version, the target and the
// system packages, never the project's other sources. It returns a state
// holding the venv's (or Site's) files at its root, to be copied to
// facts.PythonVenv (or archived as they are at Site).
func (b PythonBuild) Venv() (llb.State, error) {
	o := b.Project
	dir := path.Join(pySrc, o.Path)
	if b.Requirements != "" {
		return b.requirementsVenv(dir)
	}
	lock := llb.Scratch().File(
		llb.Copy(b.Context, o.Path+"/", dir+"/", &llb.CopyInfo{
			CopyDirContentsOnly: true, CreateDestPath: true,
			IncludePatterns: []string{"pyproject.toml", facts.UVLock},
			RequiredPaths:   []string{"/" + path.Join(o.Path, "pyproject.toml"), "/" + path.Join(o.Path, facts.UVLock)},
		}),
		llb.WithCustomNamef("[%s] copy pyproject.toml and uv.lock", b.Name), b.Loc.at(o.SpecPath+"."+o.PathKey))
	export := []string{"--no-default-groups"}
	for _, g := range o.Groups {
		export = append(export, "--group", g)
	}
	for _, e := range o.Extras {
		export = append(export, "--extra", e)
	}
	cross := "0"
	if o.CrossCompile {
		cross = "1"
	}
	out := b.out()
	opts := append(b.stepOptions(dir),
		llb.AddMount(pySrc, lock, llb.SourcePath(pySrc), llb.Readonly),
		llb.AddMount("/root/.cache/uv", llb.Scratch(), llb.AsPersistentCacheDir("strata-uv-cache", llb.CacheMountShared)),
		llb.AddEnv("UV_CACHE_DIR", "/root/.cache/uv"),
		llb.AddEnv("CROSS", cross),
		llb.AddEnv("EXPORT", strings.Join(export, " ")),
		llb.WithCustomName(PythonDependenciesStep(b.Name, b.Platforms.Target)),
	)
	unbuilt := b.Lock.Unbuilt(b.Wheels)
	var list []string
	for _, p := range unbuilt {
		if p.Sdist == nil {
			continue // no sources either: uv's install says which package has no file
		}
		name := pywheel.Normalize(p.Name)
		file := p.Sdist.Name()
		// BuildKit downloads the sdist and checks it against the lock.
		sdist := llb.HTTP(p.Sdist.URL, llb.Checksum(digest.Digest(p.Sdist.Hash)), llb.Filename(file),
			llb.WithCustomName(SharedPrefix+"download "+file))
		// By version too: a lock may hold two versions of a package.
		opts = append(opts, llb.AddMount(path.Join(pySdists, name, p.Version), sdist, llb.Readonly))
		list = append(list, name+"="+p.Version+"="+path.Join(name, p.Version, file))
	}
	opts = append(opts, llb.AddEnv("UNBUILT", strings.Join(list, " ")))
	if len(list) > 0 && o.CrossCompile {
		cc, err := b.compilers()
		if err != nil {
			return llb.State{}, err
		}
		opts = append(opts, cc...)
	}
	run := b.Build.Platform(b.Platforms.Build).AddEnv("PATH", buildPath).Run(opts...)
	return run.AddMount(out, llb.Scratch()), nil
}

// extensionLink is the link setuptools makes of an extension module: a C
// shared library with zig's default libraries, debug info kept.
var extensionLink = zigcc.Link{Shared: true, Driver: true}

// compilers are zig's wrappers for the target as CC and CXX, with the
// runtime's glibc as the floor (a wheel built here runs where the image's
// Python does), and the sysroot of the build_packages.
func (b PythonBuild) compilers() ([]llb.RunOption, error) {
	triple, err := RustTriple(b.Platforms.Target, "gnu")
	if err != nil {
		return nil, fmt.Errorf("python: %w", err)
	}
	g := b.Wheels.Glibc
	zt, err := zigcc.For(triple, fmt.Sprintf("%d.%d", g[0], g[1]))
	if err != nil {
		return nil, fmt.Errorf("python: %w", err)
	}
	if zt.Sysroot, err = b.Sysroots.For(b.Platforms.Target); err != nil {
		return nil, err
	}
	opts := []llb.RunOption{
		llb.AddEnv("ZIG_GLOBAL_CACHE_DIR", zigCache),
		llb.AddEnv("ZIG_LOCAL_CACHE_DIR", zigCache),
		llb.AddMount(zigDir, b.Zig, llb.Readonly, byKey),
		llb.AddMount(zigWrappers, zigWrapperFiles([]zigcc.Target{zt}), llb.Readonly),
		// Started from a warm-up of the link an extension module makes
		// (a C shared library with zig's default libraries, debug info kept,
		// as setuptools' link makes it),
		// which runs while the sysroot's packages are fetched.
		llb.AddMount(zigCache, zigWarmUp(b.Platforms.Build, b.Zig, b.ZigLibraries, []zigLink{{zt, extensionLink}}),
			llb.AsPersistentCacheDir("strata-zig-cache", llb.CacheMountShared)),
	}
	env := zigcc.ToolEnv(zigWrappers, zt)
	for _, k := range slices.Sorted(maps.Keys(env)) {
		opts = append(opts, llb.AddEnv(k, env[k]))
	}
	return append(opts, b.Sysroots.mounts()...), nil
}

// PythonSources is the app's directory as the image holds it at
// facts.PythonAppDir: everything but the spec, a local venv and byte-code.
func PythonSources(name string, app *spec.App, context llb.State, exclude []string, loc Locator) llb.State {
	ex := append([]string{".venv", "**/__pycache__", "**/*.pyc", ".git"}, exclude...)
	return llb.Scratch().File(
		llb.Copy(context, app.Path+"/", "/", &llb.CopyInfo{CopyDirContentsOnly: true, ExcludePatterns: ex}),
		llb.WithCustomName(PythonSourcesStep(name)), loc.at("apps."+name+".path"))
}

// out is where the step installs: Site, else the venv.
func (b PythonBuild) out() string {
	if b.Site != "" {
		return b.Site
	}
	return facts.PythonVenv
}

// stepOptions are what every python.sh step gets: the script, uv, the
// target image's files, and where things are.
func (b PythonBuild) stepOptions(appDir string) []llb.RunOption {
	script := llb.Scratch().File(llb.Mkfile("/python.sh", 0o755, []byte(pythonScript), llb.WithCreatedTime(epoch)),
		llb.WithCustomName("[strata] python.sh"))
	into := llb.AddEnv("VENV", facts.PythonVenv)
	if b.Site != "" {
		into = llb.AddEnv("SITE", b.Site)
	}
	return []llb.RunOption{
		llb.Args(pythonArgs),
		llb.AddMount("/strata/step", script, llb.Readonly),
		llb.AddMount(pyUV, b.UV, llb.Readonly, byKey),
		llb.AddMount(pyTarget, b.Target, llb.Readonly, byKey),
		llb.AddEnv("PYTHON_VERSION", b.Project.Version),
		llb.AddEnv("APP_DIR", appDir),
		into,
		llb.AddEnv("PLATFORM", b.Wheels.Platform()),
		llb.AddEnv("MACHINE", b.Wheels.Machine),
		llb.AddEnv("TARGET", pyTarget),
		b.Loc.at(b.Project.SpecPath + ".python"),
	}
}

// InstallProject is the step that installs the project itself into the
// venv the dependency step made, built into a wheel from the app's sources
// as a package without a wheel is, for the target. It returns the venv
// with the project; the image takes only what it adds (a layer of its own).
func (b PythonBuild) InstallProject(venv llb.State, sources llb.State) (llb.State, error) {
	dir := path.Join(pySrc, b.Project.Path)
	opts := append(b.stepOptions(dir),
		llb.AddMount(dir, sources, llb.Readonly),
		llb.AddEnv("PROJECT", "1"),
		llb.WithCustomName(PythonProjectStep(b.Name, b.Platforms.Target)),
	)
	if b.Project.CrossCompile {
		cc, err := b.compilers()
		if err != nil {
			return llb.State{}, err
		}
		opts = append(opts, cc...)
	}
	run := b.Build.Platform(b.Platforms.Build).AddEnv("PATH", buildPath).Run(opts...)
	return run.AddMount(facts.PythonVenv, venv), nil
}

// requirementsVenv installs what a requirements file says into the venv:
// uv resolves it for the target, and builds what has no wheel for it with
// the target's compilers. The step's key holds the file alone.
func (b PythonBuild) requirementsVenv(dir string) (llb.State, error) {
	file := path.Join(b.Project.Path, b.Requirements)
	req := llb.Scratch().File(
		llb.Copy(b.Context, file, path.Join(pySrc, file), &llb.CopyInfo{CreateDestPath: true}),
		llb.WithCustomNamef("[%s] copy %s", b.Name, b.Requirements), b.Loc.at(b.Project.SpecPath+".python"))
	cross := "0"
	opts := append(b.stepOptions(dir),
		llb.AddMount(pySrc, req, llb.SourcePath(pySrc), llb.Readonly),
		llb.AddMount("/root/.cache/uv", llb.Scratch(), llb.AsPersistentCacheDir("strata-uv-cache", llb.CacheMountShared)),
		llb.AddEnv("UV_CACHE_DIR", "/root/.cache/uv"),
		llb.AddEnv("REQUIREMENTS", b.Requirements),
		llb.WithCustomName(PythonDependenciesStep(b.Name, b.Platforms.Target)),
	)
	if b.Project.CrossCompile {
		cross = "1"
		cc, err := b.compilers()
		if err != nil {
			return llb.State{}, err
		}
		opts = append(opts, cc...)
	}
	opts = append(opts, llb.AddEnv("CROSS", cross))
	run := b.Build.Platform(b.Platforms.Build).AddEnv("PATH", buildPath).Run(opts...)
	return run.AddMount(b.out(), llb.Scratch()), nil
}
