package spec

import (
	"fmt"
	"path"
	"strings"

	"github.com/strata-build/strata/facts"
)

// applyDefaults fills in what the spec leaves out, with the defaults of
// package facts, which the JSON Schema documents too (a test checks that
// they agree).
func (s *Spec) applyDefaults() {
	for name, a := range s.Apps {
		a.applyDefaults(name)
	}
	for _, l := range s.Layers {
		l.applyDefaults()
	}
}

func (l *Layer) applyDefaults() {
	if l.Prefix == "" {
		l.Prefix = facts.DefaultPrefix
	}
	if l.Format == "" {
		l.Format = facts.DefaultFormat
	}
	if o := l.Python; o != nil {
		if o.Path == "" {
			o.Path = facts.DefaultAppPath
		}
		o.Path = path.Clean(o.Path)
		if o.CrossCompile == nil {
			on := true
			o.CrossCompile = &on
		}
		if o.UV == "" {
			o.UV = facts.DefaultUV
		}
	}
	if l.Sources == nil {
		return
	}
	if d := l.Sources.Debian; d != nil {
		if d.Suite == "" {
			d.Suite = facts.DefaultDebianSuite
		}
		archiveDefaults(&d.Mirror, &d.Security)
	}
	for i, x := range l.Sources.Context {
		l.Sources.Context[i] = path.Clean(x)
	}
}

// SetPythonVersion settles a Python layer's version when the spec left it
// out: the project's .python-version, else facts.DefaultPythonVersion.
func (o *PythonLayer) SetPythonVersion(projectVersion string) {
	if o.Version == "" {
		o.Version = projectVersion
	}
	if o.Version == "" {
		o.Version = facts.DefaultPythonVersion
	}
}

func (a *App) applyDefaults(name string) {
	if a.Path == "" {
		a.Path = facts.DefaultAppPath
	}
	if a.Debian == nil {
		a.Debian = &DebianArchive{}
	}
	archiveDefaults(&a.Debian.Mirror, &a.Debian.Security)
	a.Path = path.Clean(a.Path)
	if a.Binary == "" {
		a.Binary = name
		if a.Lang == "rust" && a.Rust != nil && len(a.Rust.Bins) > 0 {
			a.Binary = a.Rust.Bins[0]
		}
	}
	if a.Lang == "rust" {
		a.Rust = a.Rust.withDefaults(a.Binary)
	}
	if a.Lang == "go" {
		if a.Go == nil {
			a.Go = &GoOptions{}
		}
		if a.Go.Version == "" {
			a.Go.Version = facts.DefaultGoVersion
		}
		if a.Go.Package == "" {
			a.Go.Package = facts.DefaultGoPackage
		}
		if a.Go.Ldflags == "" {
			a.Go.Ldflags = facts.DefaultGoLdflags
		}
		if a.Go.Glibc == "" {
			a.Go.Glibc = facts.DefaultGlibcFloor
		}
	}
	if a.Lang == "python" {
		if a.Python == nil {
			a.Python = &PythonOptions{}
		}
		if a.Python.CrossCompile == nil {
			on := true
			a.Python.CrossCompile = &on
		}
		if a.Python.UV == "" {
			a.Python.UV = facts.DefaultUV
		}
	}
	if a.Image == nil {
		a.Image = &Image{}
	}
	im := a.Image
	if im.Base == "" && a.Lang != "python" {
		// A Python app's base follows its Python version, which the
		// project may give (SetPythonVersion).
		im.Base = facts.DefaultBaseImage
	}
	if im.User == nil {
		im.User = &User{}
	}
	if im.User.Name == "" {
		im.User.Name = facts.DefaultUser
	}
	if im.User.UID == 0 {
		im.User.UID = facts.DefaultUID
	}
	if im.User.GID == 0 {
		im.User.GID = im.User.UID
	}
	if len(im.Entrypoint) == 0 {
		im.Entrypoint = a.entrypoint()
	}
	if im.Workdir == "" {
		im.Workdir = a.Home()
		if a.Lang == "python" {
			im.Workdir = facts.PythonAppDir
		}
	}
}

func (r *RustOptions) withDefaults(binary string) *RustOptions {
	if r == nil {
		r = &RustOptions{}
	}
	if r.Version == "" {
		r.Version = facts.DefaultRustVersion
	}
	if len(r.Bins) == 0 {
		r.Bins = []string{binary}
	}
	if r.Profile == "" {
		r.Profile = facts.DefaultRustProfile
	}
	if r.Libc == "" {
		r.Libc = facts.DefaultRustLibc
	}
	if r.Glibc == "" {
		r.Glibc = facts.DefaultGlibcFloor
	}
	if r.Strip == nil {
		on := facts.DefaultRustStrip
		r.Strip = &on
	}
	if r.Zig == "" {
		r.Zig = facts.DefaultZig
	}
	return r
}

// Programs are the files the app image holds in /usr/local/bin: the
// binary, and a Rust app's other bins.
func (a *App) Programs() []string {
	if a.Lang == "python" {
		return nil // the venv's interpreter and the sources
	}
	if a.Rust != nil {
		return a.Rust.Bins
	}
	return []string{a.Binary}
}

// entrypoint is what the app image runs by default: the program, or for
// a Python app the venv's python with the module or script, or the venv's
// console script.
func (a *App) entrypoint() []string {
	if a.Lang != "python" {
		return []string{a.BinaryPath()}
	}
	python := path.Join(facts.PythonVenv, "bin/python")
	switch o := a.Python; {
	case o.Module != "":
		return []string{python, "-m", o.Module}
	case o.Script != "":
		return []string{python, path.Join(facts.PythonAppDir, path.Clean(o.Script))}
	case o.Command != "":
		return []string{path.Join(facts.PythonVenv, "bin", o.Command)}
	}
	return nil
}

// SetPythonVersion settles a Python app's version when the spec left it
// out (the project's .python-version, else bookworm's), and the base image
// that follows from it.
func (a *App) SetPythonVersion(projectVersion string) {
	if a.Python.Version == "" {
		a.Python.Version = projectVersion
	}
	if a.Python.Version == "" {
		a.Python.Version = facts.DefaultPythonVersion
	}
	if a.Image.Base == "" {
		a.Image.Base = fmt.Sprintf(facts.PythonBaseImage, a.Python.Version)
	}
}

// BinaryPath is where the program is installed in the app image.
func (a *App) BinaryPath() string { return "/usr/local/bin/" + a.Binary }

// Home is the app user's home directory.
func (a *App) Home() string { return "/home/" + a.Image.User.Name }

// archiveDefaults gives a Debian archive its mirror (without a trailing
// slash) and its security updates, unless the spec set them.
func archiveDefaults(mirror *string, security **bool) {
	if *mirror == "" {
		*mirror = facts.DefaultDebianMirror
	}
	*mirror = strings.TrimRight(*mirror, "/")
	if *security == nil {
		on := facts.DefaultDebianSecurity
		*security = &on
	}
}

// PackageLists are the spec's lists of Debian package names, by spec path
// (apps.NAME.build_packages, apps.NAME.packages,
// layers.NAME.sources.debian.packages), so that an error about a package
// can point at the name.
func (s *Spec) PackageLists() map[string][]string {
	out := map[string][]string{}
	for name, a := range s.Apps {
		if len(a.BuildPackages) > 0 {
			out["apps."+name+".build_packages"] = a.BuildPackages
		}
		if len(a.Packages) > 0 {
			out["apps."+name+".packages"] = a.Packages
		}
	}
	for name, l := range s.Layers {
		if l.Sources != nil && l.Sources.Debian != nil {
			out["layers."+name+".sources.debian.packages"] = l.Sources.Debian.Packages
		}
	}
	return out
}
