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
	lock *pywheel.Lock
	err  error
}

// pythonFiles are the project files the frontend reads.
var pythonFiles = []string{"pyproject.toml", facts.UVLock, ".python-version"}

// pythonVersionFile reads a .python-version: 3.12, 3.12.4 or cpython-3.12.
var pythonVersionFile = regexp.MustCompile(`^(?:cpython-)?(3\.[0-9]+)(?:\.[0-9]+)?\s*$`)

// pythonEntry is a spec entry that installs a uv project: an app (its
// image and code packages) or a Python layer.
type pythonEntry struct {
	name    string
	project func() graph.PythonProject // once the version is settled
	pathKey string                     // the spec key of the project's directory
	dir     string
	// settle sets the Python version from the project's .python-version
	// ("" when it has none) unless the spec gave one; it returns the spec
	// key of the version, where an error about it points.
	settle func(projectVersion string) error
	given  bool // the spec gives the version: .python-version is not read
}

func (b *builder) pythonProject(ctx context.Context, e pythonEntry) (*pywheel.Lock, error) {
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
	pp.once.Do(func() { pp.lock, pp.err = b.readPythonProject(ctx, e) })
	return pp.lock, pp.err
}

// appPython is a Python app as a pythonEntry.
func (b *builder) appPython(name string, a *spec.App) pythonEntry {
	p := "apps." + name
	return pythonEntry{name: name, pathKey: p + ".path", dir: a.Path, given: a.Python.Version != "",
		project: func() graph.PythonProject { return graph.AppProject(name, a) },
		settle: func(v string) error {
			a.SetPythonVersion(v)
			if a.Python.Lock != "" && path.Base(a.Python.Lock) != facts.UVLock {
				return b.specError(p+".python.lock", errors.New("requirements files are not built yet: give the project a uv.lock (uv lock, or uv add -r requirements.txt)"))
			}
			if o := a.Python.Project; o != nil && *o {
				return b.specError(p+".python.project", errors.New("installing the project itself into the venv is not built yet: the image runs it from its sources at /app (module or script)"))
			}
			return nil
		}}
}

// layerPython is a Python layer as a pythonEntry: its version must be one
// a managed runtime of the layer's runtime runs.
func (b *builder) layerPython(name string, l *spec.Layer) pythonEntry {
	p := "layers." + name + ".python"
	o := l.Python
	return pythonEntry{name: name, pathKey: p + ".path", dir: o.Path, given: o.Version != "",
		project: func() graph.PythonProject { return graph.LayerProject(name, o) },
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

func (b *builder) readPythonProject(ctx context.Context, e pythonEntry) (*pywheel.Lock, error) {
	var patterns []string
	for _, f := range pythonFiles {
		patterns = append(patterns, path.Join(e.dir, f))
	}
	files, err := b.contextFiles(ctx, "["+e.name+"] read pyproject.toml and uv.lock", patterns, func(string) bool { return true })
	if err != nil {
		return nil, err
	}
	read := func(f string) ([]byte, bool) {
		dt, err := fs.ReadFile(files, path.Join(e.dir, f))
		return dt, err == nil
	}
	project := ""
	if dt, ok := read(".python-version"); ok && !e.given {
		m := pythonVersionFile.FindStringSubmatch(strings.TrimSpace(string(dt)))
		if m == nil || !slices.Contains(facts.PythonVersions, m[1]) {
			return nil, b.specError(e.pathKey, errors.Errorf("%s: Python %q: expected one of %s (or set python.version)",
				path.Join(e.dir, ".python-version"), strings.TrimSpace(string(dt)), strings.Join(facts.PythonVersions, ", ")))
		}
		project = m[1]
	}
	if err := e.settle(project); err != nil {
		return nil, err
	}
	if _, ok := read("pyproject.toml"); !ok {
		return nil, b.specError(e.pathKey, errors.Errorf("no pyproject.toml in %s: a Python project is a uv project (uv init)", e.dir))
	}
	dt, ok := read(facts.UVLock)
	if !ok {
		return nil, b.specError(e.pathKey, errors.Errorf("no %s in %s: lock the project's dependencies (uv lock) and commit the file", facts.UVLock, e.dir))
	}
	lock, err := pywheel.ReadLock(dt)
	if err != nil {
		return nil, b.specError(e.pathKey, err)
	}
	return lock, nil
}

// pythonVenv is a Python app's venv for the target platform, whose Python
// is its base image's.
func (b *builder) pythonVenv(ctx context.Context, name string, a *spec.App, base graph.Base, target ocispecs.Platform) (llb.State, error) {
	glibc := facts.DebianGlibc[codename(base.OSRelease)]
	if glibc == "" {
		return llb.State{}, b.specError("apps."+name+".image.base", errors.New("the base image is no Debian release Strata knows (its /etc/os-release): the wheels' manylinux tag follows its glibc"))
	}
	return b.pythonDependencies(ctx, b.appPython(name, a), base.State, glibc, target, "", a.Python.UV,
		func() (*graph.Sysroots, error) { return b.sysroots(ctx, name, a) })
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
	version := e.project().Version
	img, err := b.input(ctx, "", fmt.Sprintf(facts.PythonBaseImage, version), target)
	if err != nil {
		return llb.State{}, b.specError(e.project().SpecPath+".python", errors.Wrap(err, "Python headers of the target"))
	}
	return b.pythonDependencies(ctx, e, img.State, rt.Glibc, target, site, uv, func() (*graph.Sysroots, error) { return nil, nil })
}

// pythonDependencies is the dependency step of a Python project for the
// target platform, whose Python headers are in targetImage, for a runtime
// with that glibc: into the venv, or site.
func (b *builder) pythonDependencies(ctx context.Context, e pythonEntry, targetImage llb.State, glibc string, target ocispecs.Platform,
	site, uvVersion string, sysroots func() (*graph.Sysroots, error)) (llb.State, error) {
	lock, err := b.pythonProject(ctx, e)
	if err != nil {
		return llb.State{}, err
	}
	proj := e.project()
	p := proj.SpecPath
	build, err := b.input(ctx, "python", fmt.Sprintf(facts.PythonBaseImage, proj.Version), b.build)
	if err != nil {
		return llb.State{}, b.specError(p+".python.version", errors.Wrap(err, "Python for the build platform"))
	}
	uv, err := b.input(ctx, "uv", fmt.Sprintf(facts.UVImage, uvVersion), b.build)
	if err != nil {
		return llb.State{}, b.specError(p+".python.uv", errors.Wrap(err, "uv"))
	}
	wheels, err := pywheel.NewTarget(proj.Version, target.Architecture, glibc)
	if err != nil {
		return llb.State{}, b.specError(p+".python", err)
	}
	src, err := b.bc.MainContext(ctx)
	if err != nil {
		return llb.State{}, err
	}
	pb := graph.PythonBuild{Name: e.name, Project: proj, Site: site, Build: build.State, Target: targetImage, UV: uv.State, Context: *src,
		Lock: lock, Wheels: wheels, Platforms: graph.Platforms{Build: b.build, Target: target}, Loc: b.locator()}
	if len(lock.Unbuilt(wheels)) > 0 && proj.CrossCompile {
		if pb.Zig, err = b.zig(ctx, facts.DefaultZig); err != nil {
			return llb.State{}, b.specError(p+".python", err)
		}
		if pb.Sysroots, err = sysroots(); err != nil {
			return llb.State{}, err
		}
	}
	st, err := pb.Venv()
	if err != nil {
		return llb.State{}, b.specError(p+".python", err)
	}
	return st, nil
}
