package frontend

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/pelletier/go-toml/v2"
	"github.com/pkg/errors"
	"github.com/strata-build/strata/facts"
	"github.com/strata-build/strata/graph"
	"github.com/strata-build/strata/pywheel"
	"github.com/strata-build/strata/spec"
)

// pythonProject is what the frontend reads of a Python app's project once
// per build: its lock. Reading it settles the app's Python version (the
// project's .python-version when the spec gives none) before any
// platform's graph reads it.
type pythonProject struct {
	once sync.Once
	lock *pywheel.Lock // nil with a requirements file
	// requirements is the requirements file the app installs from,
	// relative to its directory, when it has no uv.lock ("" with a lock).
	requirements string
	// install tells to install the project itself into the venv: the spec
	// says so, or uv would (a packaged project).
	install bool
	err     error
}

// pythonFiles are the project files the frontend reads.
var pythonFiles = []string{"pyproject.toml", facts.UVLock, facts.RequirementsFile, ".python-version"}

// pythonVersionFile reads a .python-version: 3.12, 3.12.4 or cpython-3.12.
var pythonVersionFile = regexp.MustCompile(`^(?:cpython-)?(3\.[0-9]+)(?:\.[0-9]+)?\s*$`)

// pythonEntry is a spec entry that installs a uv project: an app (its
// image and code packages) or a Python layer.
type pythonEntry struct {
	name    string
	spec    func() graph.PythonProject // once the version is settled
	pathKey string                     // the spec key of the project's directory
	dir     string
	// settle sets the Python version from the project's .python-version
	// ("" when it has none) unless the spec gave one; it returns the spec
	// key of the version, where an error about it points.
	settle func(projectVersion string) error
	// given says whether the spec gives the version (then .python-version
	// is not read). A func: the first platform's settle writes the version
	// while another platform's entry is made.
	given func() bool
	// app entries may install from a requirements file (lock, the spec's
	// python.lock) and install the project itself (project, the spec's
	// python.project: nil to do as uv does).
	app     bool
	lock    string
	project *bool
}

func (b *builder) pythonProject(ctx context.Context, e pythonEntry) (*pythonProject, error) {
	b.inputsMu.Lock()
	if b.python == nil {
		b.python = map[string]*pythonProject{}
	}
	pp, ok := b.python[e.name]
	if !ok {
		pp = &pythonProject{}
		b.python[e.name] = pp
	}
	b.inputsMu.Unlock()
	pp.once.Do(func() { pp.err = b.readPythonProject(ctx, e, pp) })
	return pp, pp.err
}

// appPython is a Python app as a pythonEntry.
func (b *builder) appPython(name string, a *spec.App) pythonEntry {
	p := "apps." + name
	return pythonEntry{name: name, pathKey: p + ".path", dir: a.Path, given: func() bool { return a.Python.Version != "" },
		app: true, lock: a.Python.Lock, project: a.Python.Project,
		spec: func() graph.PythonProject { return graph.AppProject(name, a) },
		settle: func(v string) error {
			a.SetPythonVersion(v)
			return nil
		}}
}

// layerPython is a Python layer as a pythonEntry: its version must be one
// a managed runtime of the layer's runtime runs.
func (b *builder) layerPython(name string, l *spec.Layer) pythonEntry {
	p := "layers." + name + ".python"
	o := l.Python
	return pythonEntry{name: name, pathKey: p + ".path", dir: o.Path, given: func() bool { return o.Version != "" },
		spec: func() graph.PythonProject { return graph.LayerProject(name, o) },
		settle: func(v string) error {
			o.SetPythonVersion(v)
			if err := spec.CheckPythonLayerRuntime(l.Runtime, o.Version); err != nil {
				key := p + ".version"
				if !b.spec.Has(key) {
					key = p
					err = errors.Wrapf(err, "Python %s (the project's .python-version, else the default)", o.Version)
				}
				return b.specError(key, err)
			}
			return nil
		}}
}

func (b *builder) readPythonProject(ctx context.Context, e pythonEntry, pp *pythonProject) error {
	files := pythonFiles
	if e.lock != "" && path.Base(e.lock) != facts.UVLock {
		files = append(slices.Clip(files), e.lock)
	}
	var patterns []string
	for _, f := range files {
		patterns = append(patterns, path.Join(e.dir, f))
	}
	tree, err := b.contextFiles(ctx, "["+e.name+"] read pyproject.toml and uv.lock", patterns, func(string) bool { return true })
	if err != nil {
		return err
	}
	read := func(f string) ([]byte, bool) {
		dt, err := fs.ReadFile(tree, path.Join(e.dir, f))
		return dt, err == nil
	}
	project := ""
	if dt, ok := read(".python-version"); ok && !e.given() {
		m := pythonVersionFile.FindStringSubmatch(strings.TrimSpace(string(dt)))
		if m == nil || !slices.Contains(facts.PythonVersions, m[1]) {
			return b.specError(e.pathKey, errors.Errorf("%s: Python %q: expected one of %s (or set python.version)",
				path.Join(e.dir, ".python-version"), strings.TrimSpace(string(dt)), strings.Join(facts.PythonVersions, ", ")))
		}
		project = m[1]
	}
	if err := e.settle(project); err != nil {
		return err
	}
	p := e.spec().SpecPath
	if e.app {
		// The lock: the spec's, else uv.lock, else requirements.txt.
		lock := e.lock
		if lock == "" {
			lock = facts.UVLock
			if _, ok := read(facts.UVLock); !ok {
				if _, ok := read(facts.RequirementsFile); ok {
					lock = facts.RequirementsFile
				}
			}
		}
		if path.Base(lock) != facts.UVLock {
			if _, ok := read(lock); !ok {
				return b.specError(p+".python.lock", errors.Errorf("no %s in %s", lock, e.dir))
			}
			if e.project != nil && *e.project {
				return b.specError(p+".python.project", errors.New("a requirements file installs no project: run the sources at /app (module or script), or give the project a uv.lock"))
			}
			pp.requirements = lock
			return nil
		}
	}
	pyproject, ok := read("pyproject.toml")
	if !ok {
		return b.specError(e.pathKey, errors.Errorf("no pyproject.toml in %s: a Python project is a uv project (uv init)", e.dir))
	}
	if e.app {
		packaged, err := packagedProject(pyproject)
		if err != nil {
			return b.specError(e.pathKey, errors.Wrap(err, path.Join(e.dir, "pyproject.toml")))
		}
		pp.install = packaged
		if e.project != nil {
			pp.install = *e.project
		}
	}
	dt, ok := read(facts.UVLock)
	if !ok {
		what := facts.UVLock
		if e.app {
			what += " (nor " + facts.RequirementsFile + ")"
		}
		return b.specError(e.pathKey, errors.Errorf("no %s in %s: lock the project's dependencies (uv lock) and commit the file", what, e.dir))
	}
	if pp.lock, err = pywheel.ReadLock(dt); err != nil {
		return b.specError(e.pathKey, err)
	}
	if u := pp.lock.Unsupported(); len(u) > 0 {
		return b.specError(e.pathKey, errors.Errorf("uv.lock: %s %s comes from a %s source: only packages from an index (with their hashes in the lock) are built so far",
			u[0].Name, u[0].Version, u[0].Other))
	}
	return nil
}

// packagedProject says whether uv installs the project itself: when
// tool.uv.package says so, else when it has a [build-system].
func packagedProject(pyproject []byte) (bool, error) {
	var doc struct {
		BuildSystem map[string]any `toml:"build-system"`
		Tool        struct {
			UV struct {
				Package *bool `toml:"package"`
			} `toml:"uv"`
		} `toml:"tool"`
	}
	if err := toml.Unmarshal(pyproject, &doc); err != nil {
		return false, err
	}
	if p := doc.Tool.UV.Package; p != nil {
		return *p, nil
	}
	return doc.BuildSystem != nil, nil
}

// pythonVenv is a Python app's venv for the target platform, whose Python
// is its base image's, and with the project installed the project's layer
// (what it adds to the venv; nil when it is not installed).
func (b *builder) pythonVenv(ctx context.Context, name string, a *spec.App, base graph.Base, sources llb.State, target ocispecs.Platform) (llb.State, *llb.State, error) {
	glibc := facts.DebianGlibc[codename(base.OSRelease)]
	if glibc == "" {
		return llb.State{}, nil, b.specError("apps."+name+".image.base", errors.New("the base image is no Debian release Strata knows (its /etc/os-release): the wheels' manylinux tag follows its glibc"))
	}
	e := b.appPython(name, a)
	venv, pb, err := b.pythonDependencies(ctx, e, base.State, glibc, target, "", a.Python.UV,
		func() (*graph.Sysroots, error) { return b.sysroots(ctx, name, a) })
	if err != nil {
		return llb.State{}, nil, err
	}
	if pp, _ := b.pythonProject(ctx, e); !pp.install {
		return venv, nil, nil
	}
	withProject, err := pb.InstallProject(venv, sources)
	if err != nil {
		return llb.State{}, nil, b.specError("apps."+name+".python", err)
	}
	added := llb.Diff(venv, withProject)
	return venv, &added, nil
}

// pythonSite is the dependencies of a Python layer or code package for
// the target platform, installed at site (where the runtime has them) for
// a function runtime: its glibc chooses the wheels and is the floor of
// what is compiled; the headers and sysconfig of what is compiled come
// from the official Python image of the target platform (files only).
func (b *builder) pythonSite(ctx context.Context, e pythonEntry, runtime string, target ocispecs.Platform, site, uv string) (llb.State, error) {
	if _, err := b.pythonProject(ctx, e); err != nil {
		return llb.State{}, err
	}
	rt, ok := facts.LookupRuntime(runtime)
	if !ok {
		return llb.State{}, errors.Errorf("unknown runtime %q", runtime)
	}
	version := e.spec().Version
	img, err := b.input(ctx, "", fmt.Sprintf(facts.PythonBaseImage, version), target)
	if err != nil {
		return llb.State{}, b.specError(e.spec().SpecPath+".python", errors.Wrap(err, "Python headers of the target"))
	}
	st, _, err := b.pythonDependencies(ctx, e, img.State, rt.Glibc, target, site, uv, func() (*graph.Sysroots, error) { return nil, nil })
	return st, err
}

// pythonBuildImage is the Python image for the build platform, which runs
// uv (a named context "python" replaces it).
func (b *builder) pythonBuildImage(ctx context.Context, version string) (*resolved, error) {
	return b.input(ctx, "python", fmt.Sprintf(facts.PythonBaseImage, version), b.build)
}

// pythonDependencies is the dependency step of a Python project for the
// target platform, whose Python headers are in targetImage, for a runtime
// with that glibc: into the venv, or site; and the build it is a step of.
func (b *builder) pythonDependencies(ctx context.Context, e pythonEntry, targetImage llb.State, glibc string, target ocispecs.Platform,
	site, uvVersion string, sysroots func() (*graph.Sysroots, error)) (llb.State, graph.PythonBuild, error) {
	pp, err := b.pythonProject(ctx, e)
	if err != nil {
		return llb.State{}, graph.PythonBuild{}, err
	}
	proj := e.spec()
	p := proj.SpecPath
	fail := func(err error) (llb.State, graph.PythonBuild, error) { return llb.State{}, graph.PythonBuild{}, err }
	build, err := b.pythonBuildImage(ctx, proj.Version)
	if err != nil {
		return fail(b.specError(p+".python.version", errors.Wrap(err, "Python for the build platform")))
	}
	uv, err := b.input(ctx, "uv", fmt.Sprintf(facts.UVImage, uvVersion), b.build)
	if err != nil {
		return fail(b.specError(p+".python.uv", errors.Wrap(err, "uv")))
	}
	wheels, err := pywheel.NewTarget(proj.Version, target.Architecture, glibc)
	if err != nil {
		return fail(b.specError(p+".python", err))
	}
	src, err := b.bc.MainContext(ctx)
	if err != nil {
		return fail(err)
	}
	pb := graph.PythonBuild{Name: e.name, Project: proj, Site: site, Build: build.State, Target: targetImage, UV: uv.State, Context: *src,
		Lock: pp.lock, Requirements: pp.requirements, Wheels: wheels, Platforms: graph.Platforms{Build: b.build, Target: target}, Loc: b.locator()}
	// zig compiles what has no wheel, and the project (which may hold C);
	// what a requirements file takes is known only when uv resolves it.
	if (pp.requirements != "" || pp.install || len(pp.lock.Unbuilt(wheels)) > 0) && proj.CrossCompile {
		if pb.Zig, err = b.zig(ctx, facts.DefaultZig); err != nil {
			return fail(b.specError(p+".python", err))
		}
		pb.ZigLibraries = b.frontendZigLibraries(facts.DefaultZig)
		if pb.Sysroots, err = sysroots(); err != nil {
			return fail(err)
		}
	}
	st, err := pb.Venv()
	if err != nil {
		return fail(b.specError(p+".python", err))
	}
	return st, pb, nil
}
