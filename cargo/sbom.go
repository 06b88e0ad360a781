package cargo

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// Crate is a package of a Cargo.lock, for an SBOM.
type Crate struct {
	Name, Version string
	Source        string // registry+URL, git+URL#REV; "" for a local package
	Checksum      string // the .crate file's SHA-256 (registry crates)
}

// CratesIO is the source of crates.io's registry in a Cargo.lock.
const CratesIO = "registry+https://github.com/rust-lang/crates.io-index"

// Download is where a crate was fetched from: crates.io's download URL,
// the git repository at its revision; "" when the lock does not say.
func (c Crate) Download() string {
	switch {
	case c.Source == CratesIO:
		return "https://crates.io/api/v1/crates/" + c.Name + "/" + c.Version + "/download"
	case strings.HasPrefix(c.Source, "git+"):
		return c.Source
	}
	return ""
}

// LockedCrates are the packages of a Cargo.lock that the packages named
// roots depend on, and the roots: every package reachable through the
// lock's dependency lists (which hold build and dev dependencies too, and
// those of every target, as the lock does not tell them apart), sorted.
// No roots: every package of the lock.
func LockedCrates(lock []byte, roots []string) ([]Crate, error) {
	var lf struct {
		Package []struct {
			Name         string   `toml:"name"`
			Version      string   `toml:"version"`
			Source       string   `toml:"source"`
			Checksum     string   `toml:"checksum"`
			Dependencies []string `toml:"dependencies"`
		} `toml:"package"`
	}
	if err := toml.Unmarshal(lock, &lf); err != nil {
		return nil, fmt.Errorf("Cargo.lock: %w", err)
	}
	// A dependency is "name", "name version" or "name version (source)".
	byName := map[string][]int{}
	for i, p := range lf.Package {
		byName[p.Name] = append(byName[p.Name], i)
	}
	find := func(dep string) []int {
		f := strings.Fields(dep)
		if len(f) == 0 {
			return nil
		}
		var out []int
		for _, i := range byName[f[0]] {
			if len(f) == 1 || lf.Package[i].Version == f[1] {
				out = append(out, i)
			}
		}
		return out
	}
	seen := map[int]bool{}
	var walk func(i int)
	walk = func(i int) {
		if seen[i] {
			return
		}
		seen[i] = true
		for _, d := range lf.Package[i].Dependencies {
			for _, j := range find(d) {
				walk(j)
			}
		}
	}
	for _, r := range roots {
		for _, i := range byName[r] {
			if lf.Package[i].Source == "" {
				walk(i)
			}
		}
	}
	if len(roots) == 0 {
		for i := range lf.Package {
			seen[i] = true
		}
	}
	var out []Crate
	for i, p := range lf.Package {
		if seen[i] {
			out = append(out, Crate{Name: p.Name, Version: p.Version, Source: p.Source, Checksum: p.Checksum})
		}
	}
	slices.SortFunc(out, func(a, b Crate) int {
		return strings.Compare(a.Name+" "+a.Version, b.Name+" "+b.Version)
	})
	return out, nil
}
