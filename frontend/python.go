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
	lock *pywheel.Lock
	// install tells to install the project itself into the venv: the spec
	// says so, or uv would (a packaged project).
	install bool
	// requirements is the requirements file the app installs from,
	// relative to its path, when it has no uv.lock ("" with a lock).
	requirements string
	err          error
}

// pythonFiles are the project files the frontend reads.
var pythonFiles = []string{"pyproject.toml", facts.UVLock, facts.RequirementsFile, ".python-version"}

// pythonVersionFile reads a .python-version: 3.12, 3.12.4 or cpython-3.12.
var pythonVersionFile = regexp.MustCompile(`^(?:cpython-)?(3\.[0-9]+)(?:\.[0-9]+)?\s*$`)

func (b *builder) pythonProject(ctx context.Context, name string, a *spec.App) (*pythonProject, error) {
	b.inputsMu.Lock()
	if b.python == nil {
		b.python = map[string]*pythonProject{}
	}
	e, ok := b.python[name]
	if !ok {
		e = &pythonProject{}
		b.python[name] = e
	}
	b.inputsMu.Unlock()
	e.once.Do(func() { e.err = b.readPythonProject(ctx, name, a, e) })
	return e, e.err
}

func (b *builder) readPythonProject(ctx context.Context, name string, a *spec.App, e *pythonProject) error {
	p := "apps." + name
	var patterns []string
	files := pythonFiles
	if l := a.Python.Lock; l != "" && path.Base(l) != facts.UVLock {
		files = append(slices.Clip(files), l)
	}
	for _, f := range files {
		patterns = append(patterns, path.Join(a.Path, f))
	}
	tree, err := b.contextFiles(ctx, "["+name+"] read pyproject.toml and uv.lock", patterns, func(string) bool { return true })
	if err != nil {
		return err
	}
	read := func(f string) ([]byte, bool) {
		dt, err := fs.ReadFile(tree, path.Join(a.Path, f))
		return dt, err == nil
	}
	project := ""
	if dt, ok := read(".python-version"); ok && a.Python.Version == "" {
		m := pythonVersionFile.FindStringSubmatch(strings.TrimSpace(string(dt)))
		if m == nil || !slices.Contains(facts.PythonVersions, m[1]) {
			return b.specError(p+".path", errors.Errorf("%s: Python %q: expected one of %s (or set python.version)",
				path.Join(a.Path, ".python-version"), strings.TrimSpace(string(dt)), strings.Join(facts.PythonVersions, ", ")))
		}
		project = m[1]
	}
	a.SetPythonVersion(project)
	// The lock: the spec's, else uv.lock, else requirements.txt.
	lock := a.Python.Lock
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
			return b.specError(p+".python.lock", errors.Errorf("no %s in %s", lock, a.Path))
		}
		if a.Python.Project != nil && *a.Python.Project {
			return b.specError(p+".python.project", errors.New("a requirements file installs no project: run the sources at /app (module or script), or give the project a uv.lock"))
		}
		e.requirements = lock
		return nil
	}
	pyproject, ok := read("pyproject.toml")
	if !ok {
		return b.specError(p+".path", errors.Errorf("no pyproject.toml in %s: a Python app is a uv project (uv init)", a.Path))
	}
	packaged, err := packagedProject(pyproject)
	if err != nil {
		return b.specError(p+".path", errors.Wrap(err, path.Join(a.Path, "pyproject.toml")))
	}
	e.install = packaged
	if o := a.Python.Project; o != nil {
		e.install = *o
	}
	dt, ok := read(facts.UVLock)
	if !ok {
		return b.specError(p+".path", errors.Errorf("no %s (nor %s) in %s: lock the project's dependencies (uv lock) and commit the file", facts.UVLock, facts.RequirementsFile, a.Path))
	}
	if e.lock, err = pywheel.ReadLock(dt); err != nil {
		return b.specError(p+".path", err)
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

// pythonVenv is a Python app's venv for the target platform, built for its
// base image's Python and glibc, and with the project installed the
// project's layer (what it adds to the venv; nil when it is not installed).
func (b *builder) pythonVenv(ctx context.Context, name string, a *spec.App, base graph.Base, sources llb.State, target ocispecs.Platform) (llb.State, *llb.State, error) {
	p := "apps." + name
	proj, err := b.pythonProject(ctx, name, a)
	if err != nil {
		return llb.State{}, nil, err
	}
	build, err := b.input(ctx, "python", fmt.Sprintf(facts.PythonBaseImage, a.Python.Version), b.build)
	if err != nil {
		return llb.State{}, nil, b.specError(p+".python.version", errors.Wrap(err, "Python for the build platform"))
	}
	uv, err := b.input(ctx, "uv", fmt.Sprintf(facts.UVImage, a.Python.UV), b.build)
	if err != nil {
		return llb.State{}, nil, b.specError(p+".python.uv", errors.Wrap(err, "uv"))
	}
	glibc := facts.DebianGlibc[codename(base.OSRelease)]
	if glibc == "" {
		return llb.State{}, nil, b.specError(p+".image.base", errors.New("the base image is no Debian release Strata knows (its /etc/os-release): the wheels' manylinux tag follows its glibc"))
	}
	wheels, err := pywheel.NewTarget(a.Python.Version, target.Architecture, glibc)
	if err != nil {
		return llb.State{}, nil, b.specError(p+".python", err)
	}
	src, err := b.bc.MainContext(ctx)
	if err != nil {
		return llb.State{}, nil, err
	}
	pb := graph.PythonBuild{Name: name, App: a, Build: build.State, Target: base.State, UV: uv.State, Context: *src,
		Lock: proj.lock, Requirements: proj.requirements, Wheels: wheels, Platforms: graph.Platforms{Build: b.build, Target: target}, Loc: b.locator()}
	// zig compiles what has no wheel, and the project (which may hold C);
	// what a requirements file takes is known only when uv resolves it.
	if (proj.requirements != "" || len(proj.lock.Unbuilt(wheels)) > 0 || proj.install) && *a.Python.CrossCompile {
		if pb.Zig, err = b.zig(ctx, facts.DefaultZig); err != nil {
			return llb.State{}, nil, b.specError(p+".python", err)
		}
		if pb.Sysroots, err = b.sysroots(ctx, name, a); err != nil {
			return llb.State{}, nil, err
		}
	}
	venv, err := pb.Venv()
	if err != nil {
		return llb.State{}, nil, b.specError(p+".python", err)
	}
	if !proj.install {
		return venv, nil, nil
	}
	withProject, err := pb.Project(venv, sources)
	if err != nil {
		return llb.State{}, nil, b.specError(p+".python", err)
	}
	added := llb.Diff(venv, withProject)
	return venv, &added, nil
}
