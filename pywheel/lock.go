package pywheel

import (
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// Lock is what Strata reads of a uv.lock: its packages, with the files
// each may be installed from.
type Lock struct {
	Packages []Package
}

// Package is a locked package.
type Package struct {
	Name    string
	Version string
	// Registry is the index it comes from; "" for the project itself, its
	// workspace members and path, git or URL sources, which uv builds.
	Registry string
	Sdist    *File // nil when the index has none
	Wheels   []File
	// Markers are the lock's resolution markers of this version: it is
	// installed only where one of them holds (none: everywhere).
	Markers []string
	// Project tells the project itself (its source is ".").
	Project bool
	// Other is the kind of a source that is neither an index nor the
	// project (git, path, url, directory, editable): "" for those.
	Other string
}

// Unsupported are the packages the lock takes from a git repository, a
// URL, a path or a workspace member rather than an index: their files are
// not in the lock with hashes, nor in the dependency step's inputs.
func (l *Lock) Unsupported() []Package {
	var out []Package
	for _, p := range l.Packages {
		if p.Other != "" {
			out = append(out, p)
		}
	}
	return out
}

// File is a distribution file of a package.
type File struct {
	URL  string
	Hash string // sha256:HEX
	Size int64
}

// Name is the file's name, from its URL.
func (f File) Name() string { return path.Base(f.URL) }

type lockFile struct {
	Version int `toml:"version"`
	Package []struct {
		Name    string         `toml:"name"`
		Version string         `toml:"version"`
		Source  map[string]any `toml:"source"`
		Sdist   *File          `toml:"sdist"`
		Wheels  []File         `toml:"wheels"`
		Markers []string       `toml:"resolution-markers"`
	} `toml:"package"`
}

// ReadLock parses a uv.lock.
func ReadLock(data []byte) (*Lock, error) {
	var lf lockFile
	if err := toml.Unmarshal(data, &lf); err != nil {
		return nil, fmt.Errorf("uv.lock: %w", err)
	}
	if lf.Version != 1 {
		return nil, fmt.Errorf("uv.lock: version %d, expected 1 (written by uv 0.3 and later)", lf.Version)
	}
	l := &Lock{}
	for _, p := range lf.Package {
		pk := Package{Name: p.Name, Version: p.Version, Sdist: p.Sdist, Wheels: p.Wheels, Markers: p.Markers}
		if r, ok := p.Source["registry"].(string); ok {
			pk.Registry = r
		}
		pk.Project = p.Source["editable"] == "." || p.Source["virtual"] == "."
		if pk.Registry == "" && !pk.Project {
			for _, k := range []string{"git", "path", "url", "directory", "editable", "virtual"} {
				if _, ok := p.Source[k]; ok {
					pk.Other = k
				}
			}
		}
		if pk.Sdist != nil && (pk.Sdist.URL == "" || !sha256Hash.MatchString(pk.Sdist.Hash)) {
			pk.Sdist = nil // a local sdist (path = ...) or an unchecked one: uv handles it
		}
		l.Packages = append(l.Packages, pk)
	}
	return l, nil
}

var sha256Hash = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// Unbuilt are the registry packages of the lock that have no wheel for the
// target: they install only if compiled from their sources for it. uv's
// markers may leave some of them out of a given install; the build step
// compiles only those the install takes.
func (l *Lock) Unbuilt(t Target) []Package {
	if l == nil {
		return nil
	}
	var out []Package
	for _, p := range l.Packages {
		if p.Registry == "" || !t.mayInstall(p) {
			continue
		}
		fits := false
		for _, w := range p.Wheels {
			if t.Fits(w.Name()) {
				fits = true
				break
			}
		}
		if !fits {
			out = append(out, p)
		}
	}
	return out
}

// Normalize is a package name as PEP 503 compares them: lower case, runs
// of -, _ and . as one -.
func Normalize(name string) string {
	return strings.ToLower(separators.ReplaceAllString(name, "-"))
}

var separators = regexp.MustCompile(`[-_.]+`)

// mayInstall says whether the target may install this version of the
// package: false only when every resolution marker is a condition on the
// Python version alone that the target's version fails (uv.lock keeps a
// numpy for Python >= 3.12 beside one for older Pythons). Anything else is
// for uv's own evaluation at install time.
func (t Target) mayInstall(p Package) bool {
	for _, m := range p.Markers {
		if t.mayHold(m) {
			return true
		}
	}
	return len(p.Markers) == 0
}

var versionClause = regexp.MustCompile(`^python_(full_)?version\s*(<=|>=|==|!=|<|>)\s*'3\.([0-9]+)(\.[0-9]+)?'$`)

// mayHold is false when a marker surely fails for the target's Python 3.X:
// a conjunction of which one clause compares the Python version with 3.Y
// and fails for every 3.X.z; true when unsure.
func (t Target) mayHold(marker string) bool {
	if strings.Contains(marker, " or ") {
		return true
	}
	for _, c := range strings.Split(marker, " and ") {
		m := versionClause.FindStringSubmatch(strings.Trim(strings.TrimSpace(c), "()"))
		if m == nil || m[4] != "" {
			continue // another variable, or a patch version: uv decides
		}
		y, _ := strconv.Atoi(m[3])
		var holds bool
		switch x := t.Minor; m[2] {
		case "<":
			holds = x < y
		case "<=":
			holds = x <= y
		case ">":
			holds = x > y || m[1] != "" // 3.X.1 > '3.X' in full versions
		case ">=":
			holds = x >= y
		case "==":
			holds = x == y
		case "!=":
			holds = x != y || m[1] != ""
		}
		if !holds {
			return false
		}
	}
	return true
}
