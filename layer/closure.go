package layer

import (
	"debug/elf"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/strata-build/strata/facts"
)

// Options say what goes into a layer.
type Options struct {
	Root     string   // the target's root filesystem, a directory
	Binaries []string // program names (looked up in the bin directories) or paths in Root, each as NAME=PROGRAM to ship it as bin/NAME
	DLOpen   []string // libraries loaded at run time (dlopen): sonames or paths in Root
	Files    []Tree   // files and directories shipped with their layout
	// Wrapped ships each program at libexec/NAME and, as bin/NAME, the
	// wrapper at WrapperDir/NAME in Root (see Wrapper).
	Wrapped bool
	Profile Profile
	// Place names where the libraries must be, in messages; "" for a
	// layer's sources and its runtime.
	Place string
	// AnyGlibc leaves the glibc versions the files need unchecked.
	AnyGlibc bool
	// Python ships Python packages (Files) and no programs: every ELF file
	// among them is checked, and a library found among the shipped files
	// (auditwheel's numpy.libs, reached through $ORIGIN) stays there
	// instead of going to lib/.
	Python bool
	// Machine is the layer's machine when it has no programs to tell it.
	Machine elf.Machine
}

// place is where a missing library was looked for, for messages.
func (o Options) place() string {
	if o.Place != "" {
		return o.Place
	}
	return "the layer's sources nor provided by the " + o.Profile.Name + " runtime"
}

// Entry is one file of a layer, relative to its prefix.
type Entry struct {
	Path     string      `json:"path"` // bin/ffmpeg, lib/libz.so.1
	Mode     fs.FileMode `json:"-"`
	Link     string      `json:"link,omitempty"` // a symlink's target (soname links)
	Source   string      `json:"source,omitempty"`
	Size     int64       `json:"size"`
	SHA256   string      `json:"sha256,omitempty"`
	NeededBy []string    `json:"needed_by,omitempty"`
	Package  string      `json:"package,omitempty"`
}

// Layer is an assembled layer: its entries, sorted by path.
type Layer struct {
	Entries []*Entry
	Machine elf.Machine
	Glibc   string   // the highest glibc version any file needs
	Scripts []string // "bin/NAME runs INTERPRETER": programs that are scripts
}

var binDirs = []string{"/usr/local/bin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/sbin", "/sbin"}

// Assemble finds the programs and the closure of their libraries. A missing
// library anywhere is an error naming who needs it; so is a file for
// another machine, or one that needs a newer glibc than the profile.
func Assemble(opt Options) (*Layer, error) {
	r := rootFS{opt.Root}
	var limit facts.Glibc
	if !opt.AnyGlibc {
		var err error
		if limit, err = opt.Profile.glibc(); err != nil {
			return nil, err
		}
	}
	a := &assembly{r: r, opt: opt, libs: map[string]*Entry{}, byReal: map[string]*Entry{}, missing: map[string][]string{},
		refused: map[string][]string{}, parsed: map[string]parsed{}, conf: r.ldSoConf(), shippedData: map[string]string{}}
	var bins []*object
	shipped := map[string]string{} // the name of each program shipped, by real path
	for _, b := range opt.Binaries {
		name := ProgramName(b)
		if _, prog, ok := strings.Cut(b, "="); ok {
			b = prog
		}
		real, err := a.findBinary(b)
		if err != nil {
			return nil, err
		}
		o, err := a.read(real)
		if errors.Is(err, errNotELF) {
			// A script: shipped as it is; its interpreter is the layer's
			// (one of its programs) or the runtime's, which the report names.
			interp, ok := a.r.interpreter(real)
			if !ok {
				return nil, fmt.Errorf("binary %s (%s): neither an ELF file nor a script (#!)", b, real)
			}
			a.scripts = append(a.scripts, a.scriptNote(name, interp))
			a.entries = append(a.entries, &Entry{Path: "bin/" + name, Source: real, Mode: 0o755})
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("binary %s (%s): %v", b, real, err)
		}
		if len(bins) > 0 && o.machine != bins[0].machine {
			return nil, fmt.Errorf("binary %s is for %v, %s is for %v", b, o.machine, bins[0].path, bins[0].machine)
		}
		if first, ok := shipped[real]; ok {
			// The same file under another name (a link, an alternative):
			// shipped once, linked.
			dir := "bin/"
			if opt.Wrapped {
				dir = "libexec/"
				a.entries = append(a.entries, &Entry{Path: "bin/" + name, Source: path.Join(WrapperDir, name), Mode: 0o755})
			}
			a.entries = append(a.entries, &Entry{Path: dir + name, Link: first, Mode: fs.ModeSymlink | 0o777})
			continue
		}
		shipped[real] = name
		bins = append(bins, o)
		if opt.Wrapped {
			a.entries = append(a.entries, &Entry{Path: "libexec/" + name, Source: real, Mode: 0o755},
				&Entry{Path: "bin/" + name, Source: path.Join(WrapperDir, name), Mode: 0o755})
		} else {
			a.entries = append(a.entries, &Entry{Path: "bin/" + name, Source: real, Mode: 0o755})
		}
		a.objs = append(a.objs, o)
	}
	switch {
	case len(bins) > 0:
		a.machine = bins[0].machine
	case opt.Machine != 0 && len(opt.Binaries) == 0:
		a.machine = opt.Machine
	default:
		return nil, fmt.Errorf("no ELF programs among the binaries: a layer's scripts need a program of it to run")
	}
	if opt.Machine != 0 && a.machine != opt.Machine {
		return nil, fmt.Errorf("binary %s is for %v, the layer for %v", bins[0].path, a.machine, opt.Machine)
	}
	for _, o := range bins {
		a.exe = o // whose RPATH the libraries it loads inherit
		a.walk(o)
	}
	if len(bins) > 0 {
		a.exe = bins[0]
	}
	for _, d := range opt.DLOpen {
		a.need(d, a.exe, "dlopen")
	}
	if err := a.addTrees(opt.Files); err != nil {
		return nil, err
	}
	if len(a.refused) > 0 {
		var lines []string
		for _, f := range slices.Sorted(maps.Keys(a.refused)) {
			lines = append(lines, fmt.Sprintf("  %s, needed by %s", f, strings.Join(a.refused[f], ", ")))
		}
		return nil, fmt.Errorf("libraries refused (their ELF headers cannot be read safely):\n%s", strings.Join(lines, "\n"))
	}
	// A name one object could not find is no gap if another loaded it: the
	// loader reuses a library already loaded under that soname.
	for n := range a.missing {
		if _, ok := a.libs[n]; ok {
			delete(a.missing, n)
		}
	}
	if len(a.missing) > 0 {
		var lines []string
		for _, n := range slices.Sorted(maps.Keys(a.missing)) {
			lines = append(lines, fmt.Sprintf("  %s, needed by %s", n, strings.Join(a.missing[n], ", ")))
		}
		return nil, fmt.Errorf("missing libraries (not in %s):\n%s", opt.place(), strings.Join(lines, "\n"))
	}
	if bad := tooNew(a.objs, limit); !opt.AnyGlibc && len(bad) > 0 {
		var lines []string
		for _, f := range slices.Sorted(maps.Keys(bad)) {
			syms := bad[f]
			if len(syms) > 8 {
				syms = append(syms[:8:8], fmt.Sprintf("and %d more", len(bad[f])-8))
			}
			lines = append(lines, fmt.Sprintf("  %s: %s", f, strings.Join(syms, ", ")))
		}
		of := "the " + opt.Profile.Name + " runtime"
		if opt.Place != "" {
			of = opt.Place
		}
		return nil, fmt.Errorf("these files need a newer glibc than %s of %s:\n%s", opt.Profile.Glibc, of, strings.Join(lines, "\n"))
	}
	sort.Slice(a.entries, func(i, j int) bool { return a.entries[i].Path < a.entries[j].Path })
	if err := checkUnique(a.entries); err != nil {
		return nil, err
	}
	return &Layer{Entries: a.entries, Machine: a.machine, Glibc: maxGlibc(a.objs).String(), Scripts: a.scripts}, nil
}

type assembly struct {
	r       rootFS
	opt     Options
	conf    []string
	machine elf.Machine
	exe     *object
	entries []*Entry
	objs    []*object
	libs    map[string]*Entry // by soname (or name asked for)
	byReal  map[string]*Entry // the regular file entry, by real path
	missing map[string][]string
	refused map[string][]string // "path: why", by who needs it
	parsed  map[string]parsed   // every ELF file read, by real path
	scripts []string
	// shippedData is the path of each file shipped by files:, by device
	// and inode.
	shippedData map[string]string
	// trees are the real paths of the directories and files files: ships.
	trees []string
}

// inTrees tells whether a real path is shipped by files:.
func (a *assembly) inTrees(real string) bool {
	for _, t := range a.trees {
		if real == t || t == "/" || strings.HasPrefix(real, t+"/") {
			return true
		}
	}
	return false
}

type parsed struct {
	o   *object
	err error
}

// read reads the ELF file at real once per assembly: library search tries
// the same files for many names, and a hostile file costs once at most.
func (a *assembly) read(real string) (*object, error) {
	if p, ok := a.parsed[real]; ok {
		return p.o, p.err
	}
	o, err := readObject(a.r.host(real), real)
	a.parsed[real] = parsed{o, err}
	return o, err
}

func (a *assembly) findBinary(b string) (string, error) {
	if strings.Contains(b, "/") {
		if real, ok := a.r.isFile(path.Join("/", b)); ok {
			return real, nil
		}
		return "", fmt.Errorf("binary %s: no such file in the layer's sources", b)
	}
	for _, d := range binDirs {
		if real, ok := a.r.isFile(path.Join(d, b)); ok {
			return real, nil
		}
	}
	// Debian makes some names alternatives in maintainer scripts (for prog
	// in convert ...; update-alternatives ...), which are never run here:
	// the programs the packages hold under a longer name are candidates.
	var candidates []string
	for _, d := range binDirs {
		real, err := a.r.resolve(d)
		if err != nil {
			continue
		}
		entries, _ := os.ReadDir(a.r.host(real))
		for _, e := range entries {
			if n := e.Name(); strings.HasPrefix(n, b+"-") || strings.HasPrefix(n, b+".") {
				candidates = appendUnique(candidates, n)
			}
		}
	}
	if len(candidates) > 0 {
		slices.Sort(candidates)
		return "", fmt.Errorf("binary %s: not found in %s of the layer's sources; the packages have %s (a name Debian's maintainer scripts make an alternative, which are not run): ship one as %s=%s",
			b, strings.Join(binDirs, ", "), strings.Join(candidates, ", "), b, candidates[0])
	}
	return "", fmt.Errorf("binary %s: not found in %s of the layer's sources", b, strings.Join(binDirs, ", "))
}

func (a *assembly) walk(o *object) {
	for _, n := range o.needed {
		a.need(n, o, o.path)
	}
}

// need adds the library name, as the dynamic loader would find it for o.
func (a *assembly) need(name string, o *object, by string) {
	if a.opt.Profile.provides(name) {
		return
	}
	if e, ok := a.libs[name]; ok {
		e.NeededBy = appendUnique(e.NeededBy, by)
		return
	}
	found, real, err := a.search(name, o)
	if err != nil {
		a.refuse(real, err, by)
		return
	}
	if real == "" {
		a.missing[name] = appendUnique(a.missing[name], by)
		return
	}
	if a.opt.Python && a.inTrees(real) {
		// Shipped where it is, and checked as one of the shipped files.
		a.libs[name] = &Entry{Path: real, Source: real, NeededBy: []string{by}}
		return
	}
	soname := path.Base(name)
	if e, ok := a.byReal[real]; ok { // another name of a library we have
		a.libs[name] = e
		e.NeededBy = appendUnique(e.NeededBy, by)
		a.link(soname, e)
		return
	}
	cached, err := a.read(real)
	if errors.Is(err, errNotELF) {
		a.missing[name+" (not an ELF file: "+real+")"] = appendUnique(nil, by)
		return
	}
	if err != nil {
		a.refuse(real, err, by)
		return
	}
	// The loader expands a library's $ORIGIN from the path it opened, not
	// from where its symlinks lead; the parsed file is shared.
	lib := *cached
	lib.origin = path.Dir(found)
	if lib.machine != a.machine {
		a.missing[name+" (for "+lib.machine.String()+", at "+real+")"] = appendUnique(nil, by)
		return
	}
	e := &Entry{Path: "lib/" + path.Base(real), Source: real, Mode: 0o644, NeededBy: []string{by}}
	a.entries = append(a.entries, e)
	a.libs[name], a.byReal[real] = e, e
	a.objs = append(a.objs, &lib)
	a.link(soname, e)
	if lib.soname != "" {
		a.link(lib.soname, e)
	}
	a.walk(&lib)
}

// refuse records a library that is an ELF file but cannot be read safely:
// an error, never a file taken as needing nothing.
func (a *assembly) refuse(real string, err error, by string) {
	k := real + ": " + err.Error()
	a.refused[k] = appendUnique(a.refused[k], by)
}

// link adds lib/NAME → the file, as the soname symlinks of the sources are.
// A name that is not a plain file name (a DT_SONAME of "../x") is ignored:
// it could only place a link outside the layer.
func (a *assembly) link(name string, e *Entry) {
	if name != path.Base(name) || name == "." || name == ".." || name == "" {
		return
	}
	p := "lib/" + name
	if p == e.Path {
		return
	}
	for _, x := range a.entries {
		if x.Path == p {
			return
		}
	}
	a.entries = append(a.entries, &Entry{Path: p, Link: path.Base(e.Path), Mode: fs.ModeSymlink | 0o777})
}

// search is the dynamic loader's search for name, in the root: a name with
// a slash is a path; RPATH (of o, then of the program) only when o has no
// RUNPATH; o's RUNPATH (not inherited); ld.so.conf; the default dirs.
// Files that are not ELF or for another machine are skipped, as the loader
// skips them; an ELF file that cannot be read safely ends the search.
func (a *assembly) search(name string, o *object) (found, real string, err error) {
	if strings.Contains(name, "/") {
		p := path.Join("/", name)
		real, _ := a.r.isFile(p)
		return p, real, nil
	}
	var dirs []string
	if len(o.runpath) == 0 {
		dirs = append(dirs, a.expand(o.rpath, o)...)
		if a.exe != nil && o != a.exe {
			dirs = append(dirs, a.expand(a.exe.rpath, a.exe)...)
		}
	}
	dirs = append(dirs, a.expand(o.runpath, o)...)
	dirs = append(dirs, a.conf...)
	if t := multiarch(a.machine); t != "" {
		dirs = append(dirs, "/lib/"+t, "/usr/lib/"+t)
	}
	dirs = append(dirs, "/lib", "/usr/lib", "/lib64", "/usr/lib64")
	for _, d := range dirs {
		p := path.Join(d, name)
		if real, ok := a.r.isFile(p); ok {
			lib, err := a.read(real)
			switch {
			case errors.Is(err, errNotELF):
			case err != nil:
				return p, real, err
			case lib.machine == a.machine:
				return p, real, nil
			}
		}
	}
	return "", "", nil
}

// expand replaces $ORIGIN (the object's directory) in search paths.
func (a *assembly) expand(dirs []string, o *object) []string {
	var out []string
	for _, d := range dirs {
		d = strings.ReplaceAll(strings.ReplaceAll(d, "${ORIGIN}", "$ORIGIN"), "$ORIGIN", o.originDir())
		if path.IsAbs(d) {
			out = append(out, d)
		}
	}
	return out
}

func checkUnique(entries []*Entry) error {
	for i := 1; i < len(entries); i++ {
		if entries[i].Path == entries[i-1].Path {
			return fmt.Errorf("two files would be %s: %s and %s", entries[i].Path, entries[i-1].what(), entries[i].what())
		}
	}
	return nil
}

// what an entry is, for errors: its source, or the link it is.
func (e *Entry) what() string {
	if e.Link != "" {
		return "a link to " + e.Link
	}
	return e.Source
}

func appendUnique(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}

// fileSize fills the size of regular entries from the root.
func (l *Layer) fillSizes(r rootFS) error {
	for _, e := range l.Entries {
		if e.Link != "" {
			e.Size = int64(len(e.Link))
			continue
		}
		fi, err := os.Stat(r.host(e.Source))
		if err != nil {
			return err
		}
		e.Size = fi.Size()
	}
	return nil
}
