package spec

import (
	"fmt"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/distribution/reference"
	"github.com/strata-build/strata/facts"
)

// FormatVersion is the version of the spec format this Strata reads.
const FormatVersion = 1

// Languages are the app languages this version builds.
var Languages = []string{"go", "rust", "python"}

var (
	targetName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
	fileName   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	userName   = regexp.MustCompile(`^[a-z_][a-z0-9_-]{0,31}$`)
	envName    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	goVersion  = regexp.MustCompile(`^1\.[0-9]+(\.[0-9]+)?$`)
	crateName  = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	feature    = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_+./-]*$`)
	secretID   = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
	binName    = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.+-]*$`)
	port       = regexp.MustCompile(`^([0-9]{1,5})(/(tcp|udp|sctp))?$`)
)

func (s *Spec) validate(c *errs) {
	if s.Version != FormatVersion {
		if _, ok := s.pos["version"]; ok {
			c.add(s.Pos("version"), "version", "unsupported version %d (expected %d)", s.Version, FormatVersion)
		} else {
			c.add(s.Pos(""), "", "missing key \"version\" (expected version: %d)", FormatVersion)
		}
	}
	if len(s.Apps)+len(s.Layers) == 0 {
		c.add(s.Pos(""), "", "no targets: add an entry under apps or layers")
	}
	for _, name := range slices.Sorted(maps.Keys(s.Layers)) {
		p := "layers." + name
		checkTargetName(c, s, p, name)
		if _, dup := s.Apps[name]; dup {
			c.add(s.Pos(p), p, "target name %q is used by an app too; target names must be unique", name)
		}
		if s.Layers[name] == nil {
			c.add(s.Pos(p), p, "expected a mapping with at least runtime, sources and binaries")
			continue
		}
		s.Layers[name].validate(c, s, p)
	}
	for _, name := range slices.Sorted(maps.Keys(s.Apps)) {
		p := "apps." + name
		checkTargetName(c, s, p, name)
		if s.Apps[name] == nil {
			c.add(s.Pos(p), p, "expected a mapping with at least lang")
			continue
		}
		s.Apps[name].validate(c, s, p)
	}
}

func checkTargetName(c *errs, s *Spec, p, name string) {
	if !targetName.MatchString(name) {
		c.add(s.Pos(p), p, "invalid target name %q (expected lowercase letters, digits, '.', '_' or '-')", name)
	}
}

func (a *App) validate(c *errs, s *Spec, p string) {
	switch {
	case a.Lang == "":
		c.add(s.Pos(p), p, "missing key \"lang\" (expected one of %s)", strings.Join(Languages, ", "))
	case !contains(Languages, a.Lang):
		c.add(s.Pos(p+".lang"), p+".lang", "unknown language %q (expected %s)", a.Lang, strings.Join(Languages, ", "))
	}
	if a.Path != "" {
		checkContextPath(c, s, p+".path", a.Path)
	}
	if a.Binary != "" && !fileName.MatchString(a.Binary) {
		c.add(s.Pos(p+".binary"), p+".binary", "invalid binary name %q (expected a file name)", a.Binary)
	}
	if a.Go != nil {
		if a.Lang != "" && a.Lang != "go" {
			c.add(s.Pos(p+".go"), p+".go", "go options on a %s app", a.Lang)
		}
		a.Go.validate(c, s, p+".go")
	}
	if a.Python != nil {
		if a.Lang != "" && a.Lang != "python" {
			c.add(s.Pos(p+".python"), p+".python", "python options on a %s app", a.Lang)
		}
		a.Python.validate(c, s, p+".python")
	}
	if a.Lang == "python" && a.Python != nil && a.Python.Version != "" && contains(facts.PythonVersions, a.Python.Version) {
		for i, f := range a.Functions {
			if _, err := PythonRuntimeOf(f, a.Python.Version); err != nil && contains(facts.ProviderNames(), f) {
				q := fmt.Sprintf("%s.functions[%d]", p, i)
				c.add(s.Pos(q), q, "%v", err)
			}
		}
	}
	if a.Lang == "python" && (a.Image == nil || len(a.Image.Entrypoint) == 0) && !a.Python.HasEntry() && len(a.Functions) == 0 {
		c.add(s.Pos(p+".python"), p+".python", "what the image runs: set one of module (python -m MODULE), script (a file of the app's) or command (a console script of the venv), or image.entrypoint")
	}
	if a.Rust != nil {
		if a.Lang != "" && a.Lang != "rust" {
			c.add(s.Pos(p+".rust"), p+".rust", "rust options on a %s app", a.Lang)
		}
		a.Rust.validate(c, s, p+".rust", a.Binary)
	}
	if a.Image != nil {
		a.Image.validate(c, s, p+".image")
	}
	a.validatePackages(c, s, p)
	for i, f := range a.Functions {
		q := fmt.Sprintf("%s.functions[%d]", p, i)
		name := FunctionTarget(p[len("apps."):], f)
		switch {
		case !contains(facts.ProviderNames(), f):
			c.add(s.Pos(q), q, "unknown function provider %q (expected %s)", f, oneOf(facts.ProviderNames()))
		case s.Apps[name] != nil || s.Layers[name] != nil:
			c.add(s.Pos(q), q, "its target %q is the name of another target", name)
		}
	}
}

func (g *GoOptions) validate(c *errs, s *Spec, p string) {
	if g.Version != "" && !goVersion.MatchString(g.Version) {
		c.add(s.Pos(p+".version"), p+".version", "invalid Go version %q (expected such as 1.26)", g.Version)
	}
	if g.Package != "" {
		if strings.Contains(g.Package, "...") || strings.ContainsAny(g.Package, " *") {
			c.add(s.Pos(p+".package"), p+".package", "package %q must name one main package, such as ./cmd/server", g.Package)
		} else if g.Package != "." && !strings.HasPrefix(g.Package, "./") {
			c.add(s.Pos(p+".package"), p+".package", "package %q must be relative to path, such as ./cmd/server", g.Package)
		} else {
			checkContextPath(c, s, p+".package", g.Package)
		}
	}
	if g.Netrc != "" && !secretID.MatchString(g.Netrc) {
		c.add(s.Pos(p+".netrc"), p+".netrc", "invalid secret id %q", g.Netrc)
	}
	checkGlibcFloor(c, s, p+".glibc", g.Glibc)
	if !g.CGO && s.Has(p+".glibc") {
		c.add(s.Pos(p+".glibc"), p+".glibc", "a glibc floor is for cgo programs: set cgo: true, or leave glibc out (a Go program without cgo needs no libc)")
	}
	for i, t := range g.Tags {
		if !envName.MatchString(strings.ReplaceAll(t, ".", "_")) {
			q := p + ".tags[" + strconv.Itoa(i) + "]"
			c.add(s.Pos(q), q, "invalid build tag %q", t)
		}
	}
}

var (
	pythonVersion = regexp.MustCompile(`^3\.[0-9]+$`)
	pythonModule  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)
	pythonName    = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$`) // PEP 508 names, of groups and extras too
	uvVersion     = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+$`)
)

// checkPythonInstall checks what a Python app and a Python layer share:
// the Python version, uv's groups and extras, and uv's version.
func checkPythonInstall(c *errs, s *Spec, p, version string, groups, extras []string, uvLock bool, uv string) {
	if version != "" && !contains(facts.PythonVersions, version) {
		what := "unknown Python version %q (expected %s)"
		if !pythonVersion.MatchString(version) {
			what = "invalid Python version %q (expected X.Y: %s)"
		}
		c.add(s.Pos(p+".version"), p+".version", what, version, oneOf(facts.PythonVersions))
	}
	for _, l := range []struct {
		key   string
		names []string
	}{{"groups", groups}, {"extras", extras}} {
		for i, n := range l.names {
			q := fmt.Sprintf("%s.%s[%d]", p, l.key, i)
			if !pythonName.MatchString(n) {
				c.add(s.Pos(q), q, "invalid name %q", n)
			}
		}
		if len(l.names) > 0 && !uvLock {
			c.add(s.Pos(p+"."+l.key), p+"."+l.key, "%s are read from uv.lock: a requirements file lists what it installs", l.key)
		}
	}
	if uv != "" && !uvVersion.MatchString(uv) {
		c.add(s.Pos(p+".uv"), p+".uv", "invalid uv version %q (expected such as %s)", uv, facts.DefaultUV)
	}
}

// PythonRuntimeOf is the provider's managed runtime of a Python version,
// or an error that lists the ones it has.
func PythonRuntimeOf(provider, version string) (facts.PythonRuntime, error) {
	if r, ok := facts.LookupPythonRuntime(provider, version); ok {
		return r, nil
	}
	pv, _ := facts.LookupProvider(provider)
	var have []string
	for _, r := range facts.PythonRuntimes {
		if r.Provider == provider {
			have = append(have, r.Name+" (on "+r.Runtime+")")
		}
	}
	return facts.PythonRuntime{}, fmt.Errorf("%s has no Python %s runtime (it has %s)", pv.Title, version, oneOf(have))
}

// CheckPythonLayerRuntime says whether a Python layer of a version is for
// a managed runtime that runs on the layer's runtime: its wheels follow
// that runtime's glibc.
func CheckPythonLayerRuntime(runtime, version string) error {
	rt, ok := facts.LookupRuntime(runtime)
	if !ok {
		return fmt.Errorf("unknown runtime %q", runtime)
	}
	r, err := PythonRuntimeOf(rt.Provider, version)
	if err != nil {
		return err
	}
	if r.Runtime != runtime {
		var on []string
		for _, x := range facts.PythonRuntimesOn(runtime) {
			on = append(on, x.Version)
		}
		return fmt.Errorf("%s runs on %s, not %s (which runs Python %s): set runtime: %s", r.Name, r.Runtime, runtime, oneOf(on), r.Runtime)
	}
	return nil
}

// validatePython checks a Python layer: its project and a runtime of a
// provider, whose layout it takes; nothing of a program layer.
func (l *Layer) validatePython(c *errs, s *Spec, p string) {
	q := p + ".python"
	o := l.Python
	if l.Runtime == facts.CustomRuntime {
		c.add(s.Pos(p+".runtime"), p+".runtime", "a Python layer is for a provider's Python runtime (%s), whose path it is laid out for; not custom", oneOf(facts.RuntimeNames()[:len(facts.Runtimes)]))
	}
	for _, k := range []string{"sources", "binaries", "files", "env", "dlopen", "strip"} {
		if s.Has(p + "." + k) {
			c.add(s.Pos(p+"."+k), p+"."+k, "a Python layer holds its project's dependencies only: build programs (%s) in a layer of their own", k)
		}
	}
	if l.Prefix != "" && l.Prefix != facts.DefaultPrefix {
		c.add(s.Pos(p+".prefix"), p+".prefix", "a Python layer's prefix is %s, where the providers extract layers and look for python/", facts.DefaultPrefix)
	}
	for key, v := range map[string]*int64{"max_zipped": l.MaxZipped, "max_unzipped": l.MaxUnzipped} {
		if v != nil && *v <= 0 {
			c.add(s.Pos(p+"."+key), p+"."+key, "a size limit is a positive number of bytes")
		}
	}
	if l.Format != "" && !contains(facts.ArchiveFormats, l.Format) {
		c.add(s.Pos(p+".format"), p+".format", "unknown format %q (expected %s)", l.Format, oneOf(facts.ArchiveFormats))
	}
	if o.Path != "" {
		checkContextPath(c, s, q+".path", o.Path)
	}
	checkPythonInstall(c, s, q, o.Version, o.Groups, o.Extras, true, o.UV)
	if _, ok := facts.LookupRuntime(l.Runtime); ok && contains(facts.PythonVersions, o.Version) {
		if err := CheckPythonLayerRuntime(l.Runtime, o.Version); err != nil {
			c.add(s.Pos(q+".version"), q+".version", "%v", err)
		}
	}
}

func (o *PythonOptions) validate(c *errs, s *Spec, p string) {
	if o.Lock != "" {
		checkContextPath(c, s, p+".lock", o.Lock)
		if b := path.Base(o.Lock); b != facts.UVLock && !strings.HasSuffix(b, ".txt") {
			c.add(s.Pos(p+".lock"), p+".lock", "lock %q: expected %s (with pyproject.toml beside it) or a requirements file (.txt)", o.Lock, facts.UVLock)
		} else if b == facts.UVLock && path.Clean(o.Lock) != facts.UVLock {
			c.add(s.Pos(p+".lock"), p+".lock", "lock %q: uv.lock is the project's, beside its pyproject.toml: set path to its directory", o.Lock)
		}
	}
	checkPythonInstall(c, s, p, o.Version, o.Groups, o.Extras, o.Lock == "" || path.Base(o.Lock) == facts.UVLock, o.UV)
	var entries []string
	for _, e := range []struct{ key, v string }{{"module", o.Module}, {"script", o.Script}, {"command", o.Command}} {
		if e.v != "" {
			entries = append(entries, e.key)
		}
	}
	if len(entries) > 1 {
		c.add(s.Pos(p+"."+entries[1]), p+"."+entries[1], "%s and %s both say what the image runs: keep one", entries[0], entries[1])
	}
	if o.Module != "" && !pythonModule.MatchString(o.Module) {
		c.add(s.Pos(p+".module"), p+".module", "invalid module name %q (expected such as app.main)", o.Module)
	}
	if o.Script != "" {
		checkContextPath(c, s, p+".script", o.Script)
	}
	if o.Command != "" && !binName.MatchString(o.Command) {
		c.add(s.Pos(p+".command"), p+".command", "invalid command name %q", o.Command)
	}
}

// HasEntry says whether the options name what the image runs.
func (o *PythonOptions) HasEntry() bool {
	return o != nil && (o.Module != "" || o.Script != "" || o.Command != "")
}

// checkGlibcFloor checks the glibc floor a program is linked for with zig.
func checkGlibcFloor(c *errs, s *Spec, p, v string) {
	if v == "" {
		return
	}
	oldest, _ := facts.ParseGlibcRelease(facts.OldestGlibcFloor)
	if g, err := facts.ParseGlibcRelease(v); err != nil {
		c.add(s.Pos(p), p, "%v", err)
	} else if g.Less(oldest) {
		c.add(s.Pos(p), p, "glibc %s is older than %s, the oldest zig links for and the first with aarch64", v, facts.OldestGlibcFloor)
	}
}

func (r *RustOptions) validate(c *errs, s *Spec, p, binary string) {
	if r.Version != "" && !goVersion.MatchString(r.Version) {
		c.add(s.Pos(p+".version"), p+".version", "invalid Rust version %q (expected such as 1.85)", r.Version)
	}
	if r.Package != "" && !crateName.MatchString(r.Package) {
		c.add(s.Pos(p+".package"), p+".package", "invalid package name %q", r.Package)
	}
	for i, b := range r.Bins {
		if !fileName.MatchString(b) {
			q := p + ".bins[" + strconv.Itoa(i) + "]"
			c.add(s.Pos(q), q, "invalid binary name %q (expected a cargo bin target's name)", b)
		}
	}
	if binary != "" && len(r.Bins) > 0 && !slices.Contains(r.Bins, binary) {
		c.add(s.Pos(p+".bins"), p+".bins", "the app's binary %q must be one of bins (%s)", binary, strings.Join(r.Bins, ", "))
	}
	for i, f := range r.Features {
		if !feature.MatchString(f) {
			q := p + ".features[" + strconv.Itoa(i) + "]"
			c.add(s.Pos(q), q, "invalid feature %q", f)
		}
	}
	if r.Profile != "" && !crateName.MatchString(r.Profile) {
		c.add(s.Pos(p+".profile"), p+".profile", "invalid profile name %q", r.Profile)
	}
	if r.Libc != "" && !contains(facts.RustLibcs, r.Libc) {
		c.add(s.Pos(p+".libc"), p+".libc", "unknown libc %q (expected %s)", r.Libc, oneOf(facts.RustLibcs))
	}
	checkGlibcFloor(c, s, p+".glibc", r.Glibc)
	if r.Zig != "" && !contains(facts.ZigVersions(), r.Zig) {
		c.add(s.Pos(p+".zig"), p+".zig", "zig %q has no pinned checksum (expected %s, or a named context \"zig\")", r.Zig, oneOf(facts.ZigVersions()))
	}
	for i, sc := range r.Secrets {
		q := p + ".secrets[" + strconv.Itoa(i) + "]"
		if !secretID.MatchString(sc.ID) {
			c.add(s.Pos(q+".id"), q+".id", "invalid secret id %q", sc.ID)
		}
		if !envName.MatchString(sc.Env) {
			c.add(s.Pos(q+".env"), q+".env", "invalid environment variable name %q", sc.Env)
		}
	}
}

func (im *Image) validate(c *errs, s *Spec, p string) {
	if im.Base != "" && im.Base != "scratch" {
		if _, err := reference.ParseNormalizedNamed(im.Base); err != nil {
			c.add(s.Pos(p+".base"), p+".base", "invalid image reference %q (expected such as debian:bookworm-slim, or scratch)", im.Base)
		}
	}
	if u := im.User; u != nil {
		if u.Name != "" && !userName.MatchString(u.Name) {
			c.add(s.Pos(p+".user.name"), p+".user.name", "invalid user name %q", u.Name)
		}
		if u.Name == "root" {
			c.add(s.Pos(p+".user.name"), p+".user.name", "app images run as a non-root user")
		}
		for key, id := range map[string]int{"uid": u.UID, "gid": u.GID} {
			if _, given := s.pos[p+".user."+key]; given && (id <= 0 || id > 1<<31-2) {
				c.add(s.Pos(p+".user."+key), p+".user."+key, "%s %d is not allowed (expected 1 to 2147483646: app images run as non-root)", key, id)
			}
		}
	}
	for i, l := range im.Layers {
		q := fmt.Sprintf("%s.layers[%d]", p, i)
		switch x, ok := s.Layers[l]; {
		case !ok:
			c.add(s.Pos(q), q, "unknown layer %q (expected one of %s)", l, strings.Join(slices.Sorted(maps.Keys(s.Layers)), ", "))
		case x != nil && x.Python != nil:
			c.add(s.Pos(q), q, "layer %q is a Python layer, for a function runtime's Python: an app image has its dependencies in its venv", l)
		}
	}
	switch {
	case im.Workdir == "":
	case !path.IsAbs(im.Workdir) || path.Clean(im.Workdir) != im.Workdir:
		c.add(s.Pos(p+".workdir"), p+".workdir", "workdir %q must be a clean absolute path", im.Workdir)
	case baseDirProblem(im.Workdir) != "":
		c.add(s.Pos(p+".workdir"), p+".workdir", "workdir %q %s (use such as /app or /srv/app)", im.Workdir, baseDirProblem(im.Workdir))
	case isSystemDir(im.Workdir):
		c.add(s.Pos(p+".workdir"), p+".workdir", "workdir %q is a system directory; the user owns its workdir (use such as /app or /srv/app)", im.Workdir)
	}
	for i, e := range im.Entrypoint {
		if strings.TrimSpace(e) == "" {
			q := fmt.Sprintf("%s.entrypoint[%d]", p, i)
			c.add(s.Pos(q), q, "an empty entrypoint argument")
		}
	}
	for _, k := range slices.Sorted(maps.Keys(im.Env)) {
		if !envName.MatchString(k) {
			c.add(s.Pos(p+".env."+k), p+".env."+k, "invalid environment variable name %q", k)
		}
	}
	for i, v := range im.Ports {
		q := p + ".ports[" + strconv.Itoa(i) + "]"
		m := port.FindStringSubmatch(v)
		if m == nil {
			c.add(s.Pos(q), q, "invalid port %q (expected such as 8080, 8080/tcp or 53/udp)", v)
			continue
		}
		if n, _ := strconv.Atoi(m[1]); n < 1 || n > 65535 {
			c.add(s.Pos(q), q, "port %d is out of range (1 to 65535)", n)
		}
	}
}

var (
	debPackage = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+$`)
	soname     = regexp.MustCompile(`^[A-Za-z0-9_+.-]+\.so(\.[0-9]+)*$`)
)

func (l *Layer) validate(c *errs, s *Spec, p string) {
	runtimes := facts.RuntimeNames()
	switch _, glibcErr := facts.ParseGlibcRelease(l.Glibc); {
	case l.Runtime == "":
		c.add(s.Pos(p), p, "missing key \"runtime\" (expected one of %s)", strings.Join(runtimes, ", "))
	case !contains(runtimes, l.Runtime):
		c.add(s.Pos(p+".runtime"), p+".runtime", "unknown runtime %q (expected %s)", l.Runtime, strings.Join(runtimes, ", "))
	case l.Runtime == facts.CustomRuntime && glibcErr != nil:
		c.add(s.Pos(p+".glibc"), p+".glibc", "a custom runtime needs its glibc version, such as 2.28")
	case l.Runtime != facts.CustomRuntime && (l.Glibc != "" || len(l.Exclude) > 0):
		c.add(s.Pos(p+".runtime"), p+".runtime", "glibc and exclude are for runtime: custom; %s has its own", l.Runtime)
	}
	if l.Python != nil {
		l.validatePython(c, s, p)
		return
	}
	for i, x := range l.Exclude {
		if !soname.MatchString(x) {
			q := fmt.Sprintf("%s.exclude[%d]", p, i)
			c.add(s.Pos(q), q, "invalid library name %q (expected a soname such as libz.so.1)", x)
		}
	}
	if len(l.Binaries) == 0 {
		c.add(s.Pos(p), p, "missing key \"binaries\" (the programs to ship, such as [ffmpeg])")
	}
	for i, b := range l.Binaries {
		q := fmt.Sprintf("%s.binaries[%d]", p, i)
		if name, prog, ok := strings.Cut(b, "="); ok {
			if !binName.MatchString(name) || prog == "" {
				c.add(s.Pos(q), q, "%q: expected NAME=PROGRAM, such as convert=convert-im6.q16", b)
				continue
			}
			b = prog
		}
		checkRootPath(c, s, q, b)
	}
	for i, f := range l.Files {
		q := fmt.Sprintf("%s.files[%d]", p, i)
		switch {
		case f.From == "":
			c.add(s.Pos(q), q, "missing key \"from\" (the path in the sources, such as etc/ImageMagick-6)")
		default:
			checkRootPath(c, s, q+".from", f.From)
		}
		switch t := f.To; {
		case t == "":
			c.add(s.Pos(q), q, "missing key \"to\" (the path under the prefix, such as etc/ImageMagick-6)")
		case !fs.ValidPath(t) || t == "." || strings.ContainsAny(t, "*?[\\\x00"):
			c.add(s.Pos(q+".to"), q+".to", "to %q must be a clean relative path under the prefix, such as share/ghostscript", t)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(l.Env)) {
		switch {
		case k == "PATH" || k == "LD_LIBRARY_PATH":
			c.add(s.Pos(p+".env."+k), p+".env."+k, "%s is the runtime's: it points at the layer's bin/ and lib/ already", k)
		case !envName.MatchString(k):
			c.add(s.Pos(p+".env."+k), p+".env."+k, "invalid variable name %q", k)
		}
	}
	for i, d := range l.DLOpen {
		checkRootPath(c, s, fmt.Sprintf("%s.dlopen[%d]", p, i), d)
	}
	switch {
	case l.Prefix == "":
	case !path.IsAbs(l.Prefix) || path.Clean(l.Prefix) != l.Prefix || l.Prefix == "/":
		c.add(s.Pos(p+".prefix"), p+".prefix", "prefix %q must be a clean absolute directory, such as /opt", l.Prefix)
	case baseDirProblem(l.Prefix) != "":
		c.add(s.Pos(p+".prefix"), p+".prefix", "prefix %q %s (an app's image.layers puts the layer there; use such as /opt)", l.Prefix, baseDirProblem(l.Prefix))
	}
	if l.Format != "" && !contains(facts.ArchiveFormats, l.Format) {
		c.add(s.Pos(p+".format"), p+".format", "unknown format %q (expected %s)", l.Format, oneOf(facts.ArchiveFormats))
	}
	for key, v := range map[string]*int64{"max_zipped": l.MaxZipped, "max_unzipped": l.MaxUnzipped} {
		if v != nil && *v <= 0 {
			c.add(s.Pos(p+"."+key), p+"."+key, "a size limit is a positive number of bytes")
		}
	}
	src := l.Sources
	if src == nil || (src.Debian == nil && len(src.Images) == 0 && len(src.Context) == 0 && len(src.Apps) == 0) {
		c.add(s.Pos(p), p, "missing sources (expected debian, images, context or apps under sources)")
		return
	}
	sp := p + ".sources"
	if d := src.Debian; d != nil {
		checkArchive(c, s, sp+".debian", d.Suite, d.Mirror, d.Security)
		if len(d.Packages) == 0 {
			c.add(s.Pos(sp+".debian"), sp+".debian", "missing key \"packages\"")
		}
		checkPackageNames(c, s, sp+".debian.packages", d.Packages)
		if d.Mirror != "" && (!strings.HasPrefix(d.Mirror, "http://") && !strings.HasPrefix(d.Mirror, "https://") || strings.ContainsAny(d.Mirror, " \t\n'\"$`\\")) {
			c.add(s.Pos(sp+".debian.mirror"), sp+".debian.mirror", "mirror %q must be an http(s) URL", d.Mirror)
		}
	}
	for i, im := range src.Images {
		q := fmt.Sprintf("%s.images[%d]", sp, i)
		if _, err := reference.ParseNormalizedNamed(im.Ref); err != nil {
			c.add(s.Pos(q+".ref"), q+".ref", "invalid image reference %q", im.Ref)
		}
		if len(im.Paths) == 0 {
			c.add(s.Pos(q), q, "missing key \"paths\"")
		}
		for j, x := range im.Paths {
			checkRootPath(c, s, fmt.Sprintf("%s.paths[%d]", q, j), x)
		}
	}
	for i, x := range src.Context {
		checkContextPath(c, s, fmt.Sprintf("%s.context[%d]", sp, i), x)
	}
	for i, a := range src.Apps {
		if _, ok := s.Apps[a]; !ok {
			q := fmt.Sprintf("%s.apps[%d]", sp, i)
			c.add(s.Pos(q), q, "unknown app %q (expected one of %s)", a, strings.Join(slices.Sorted(maps.Keys(s.Apps)), ", "))
		}
	}
}

// checkRootPath accepts a name or a path inside the layer's root (its
// sources). A ".." element is refused rather than resolved: it names a path
// outside the root, which the build would only report as missing.
func checkRootPath(c *errs, s *Spec, p, v string) {
	if v == "" || strings.Contains(v, "\\") || strings.Contains(v, "\x00") {
		c.add(s.Pos(p), p, "invalid name %q", v)
		return
	}
	if slices.Contains(strings.Split(v, "/"), "..") {
		c.add(s.Pos(p), p, "path %q has a \"..\" element; name a file inside the layer's sources, such as usr/bin/ffmpeg", v)
		return
	}
	if cl := path.Clean("/" + v); cl == "/" {
		c.add(s.Pos(p), p, "invalid path %q", v)
	}
}

// baseDir is a directory of the base images a app image is built on.
//
// An app's image is its base with one layer of the app's files merged on
// top; that layer is built on scratch, so every directory it holds — the
// binary's, the user's home, the workdir, each of image.layers' prefixes
// and all their parents — is a directory of its own, root's and 0755 (the
// home and workdir the user's), and replaces the base's directory of the
// same path: its owner and mode, or a symbolic link with a directory. The
// fixed directories (/etc, /usr/local/bin, /home) are root's 0755 in every
// base; the spec's (workdir, prefix) are checked against baseDirs, the one
// list of what is refused, and why.
type baseDir struct {
	path string
	// why is set for a directory at or under which nothing may be: it
	// says what the base has there and what the layer would do to it.
	why string
}

// The reasons of baseDirs (checked on Debian 12, the default base).
const (
	sticky  = "is 1777 (anyone may create files; sticky) in base images, and the image's layer would make it root's 0755"
	usrLink = "is a symbolic link into /usr in merged-/usr bases (Debian 12, Ubuntu), and the image's layer would replace the link with a directory"
	mounted = "the container runtime mounts, hiding what the image puts there"
)

// baseDirs may not be a workdir (the user owns its workdir: the layer would
// give the user the base's directory); those with a reason may not be a
// workdir or a layer's prefix, nor hold one at any depth.
var baseDirs = []baseDir{
	{"/", ""},
	{"/bin", usrLink},
	{"/boot", ""},
	{"/dev", mounted},
	{"/etc", ""},
	{"/home", ""},
	{"/lib", usrLink},
	{"/lib32", usrLink},
	{"/lib64", usrLink},
	{"/libx32", usrLink},
	{"/opt", ""},
	{"/proc", mounted},
	{"/root", "is root's home (0700), and the image's layer would make it 0755"},
	{"/run", "holds run-time state and is often a tmpfs mounted at run time, hiding what the image puts there"},
	{"/sbin", usrLink},
	{"/srv", ""},
	{"/sys", mounted},
	{"/tmp", sticky},
	{"/usr", ""},
	{"/usr/bin", ""},
	{"/usr/lib", ""},
	{"/usr/local", ""},
	{"/usr/local/bin", ""},
	{"/usr/sbin", ""},
	{"/usr/share", ""},
	{"/var", ""},
	{"/var/cache", ""},
	{"/var/lib", ""},
	{"/var/local", "is 2775 root:staff in Debian, and the image's layer would make it root's 0755"},
	{"/var/lock", "is a symbolic link to /run/lock in Debian and Ubuntu, and the image's layer would replace the link with a directory"},
	{"/var/log", ""},
	{"/var/mail", "is 2775 root:mail in Debian, and the image's layer would make it root's 0755"},
	{"/var/run", "is a symbolic link to /run in Debian and Ubuntu, and the image's layer would replace the link with a directory"},
	{"/var/spool/mail", "is a symbolic link to /var/mail in Debian, and the image's layer would replace the link with a directory"},
	{"/var/tmp", sticky},
}

// isSystemDir tells whether dir, a clean absolute path, is one of baseDirs.
func isSystemDir(dir string) bool {
	return slices.ContainsFunc(baseDirs, func(b baseDir) bool { return b.path == dir })
}

// baseDirProblem says why a directory of the image may not be dir, a clean
// absolute path: "is under /tmp, which is 1777 ...", or "" when it may be.
func baseDirProblem(dir string) string {
	for _, b := range baseDirs {
		if b.why == "" {
			continue
		}
		rel := "is under " + b.path
		if dir == b.path {
			rel = "is " + b.path
		} else if !strings.HasPrefix(dir, b.path+"/") {
			continue
		}
		return rel + ", which " + b.why
	}
	return ""
}

// checkContextPath keeps spec paths inside the build context.
func checkContextPath(c *errs, s *Spec, p, v string) {
	if path.IsAbs(v) || strings.Contains(v, "\\") {
		c.add(s.Pos(p), p, "path %q must be relative to the build context", v)
		return
	}
	if cl := path.Clean(v); cl == ".." || strings.HasPrefix(cl, "../") {
		c.add(s.Pos(p), p, "path %q leaves the build context", v)
	}
}

func contains(list []string, v string) bool { return slices.Contains(list, v) }

// oneOf lists choices for a message: "a", "a or b", "a, b or c".
func oneOf(choices []string) string {
	if len(choices) < 2 {
		return strings.Join(choices, "")
	}
	return strings.Join(choices[:len(choices)-1], ", ") + " or " + choices[len(choices)-1]
}

// validatePackages checks an app's Debian packages and their archive.
func (a *App) validatePackages(c *errs, s *Spec, p string) {
	if d := a.Debian; d != nil {
		checkArchive(c, s, p+".debian", d.Suite, d.Mirror, d.Security)
	}
	checkPackageNames(c, s, p+".packages", a.Packages)
	if len(a.BuildPackages) == 0 {
		return
	}
	q := p + ".build_packages"
	checkPackageNames(c, s, q, a.BuildPackages)
	switch {
	case a.Lang == "go" && (a.Go == nil || !a.Go.CGO):
		c.add(s.Pos(q), q, "build_packages are for C code: a Go app needs go.cgo: true to use them")
	case a.Rust != nil && a.Rust.Libc == "musl":
		c.add(s.Pos(q), q, "build_packages are Debian's, linked against glibc: they need rust.libc gnu, not musl")
	}
}

// checkArchive checks where Debian packages come from: a known suite, and
// a mirror whose security updates can be found.
func checkArchive(c *errs, s *Spec, p, suite, mirror string, security *bool) {
	if suite != "" && !contains(facts.DebianSuites, suite) {
		c.add(s.Pos(p+".suite"), p+".suite", "unknown suite %q (expected %s)", suite, oneOf(facts.DebianSuites))
	}
	if (security == nil || *security) && mirror != "" && !strings.HasSuffix(strings.TrimRight(mirror, "/"), "/debian") {
		c.add(s.Pos(p+".security"), p+".security", "security updates are looked up at MIRROR-security, which needs a mirror ending in /debian; set security: false for this mirror")
	}
}

// checkPackageNames checks a list of Debian package names.
func checkPackageNames(c *errs, s *Spec, p string, pkgs []string) {
	for i, pkg := range pkgs {
		if !debPackage.MatchString(pkg) {
			q := fmt.Sprintf("%s[%d]", p, i)
			c.add(s.Pos(q), q, "invalid package name %q (expected a Debian package name, such as libssl3)", pkg)
		}
	}
}
