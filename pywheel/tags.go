// Package pywheel knows which Python wheels a target can install: the
// tags of a wheel's file name (PEP 427, PEP 425, PEP 600) matched against
// a CPython version, a machine and a glibc floor. Strata chooses, per
// target platform, which locked packages come as wheels and which must be
// compiled from their sources for the target.
package pywheel

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/strata-build/strata/facts"
)

// Target is what a wheel must fit: a CPython minor version (3.X), the
// machine as wheels name it (x86_64, aarch64) and the glibc the runtime
// has.
type Target struct {
	Minor   int    // X of Python 3.X
	Machine string // x86_64 or aarch64
	Glibc   facts.Glibc
}

// NewTarget makes a Target from a Python version ("3.11"), an OCI
// architecture (amd64, arm64) and a glibc release ("2.36").
func NewTarget(python, arch, glibc string) (Target, error) {
	major, minor, ok := strings.Cut(python, ".")
	m, err := strconv.Atoi(minor)
	if !ok || major != "3" || err != nil {
		return Target{}, fmt.Errorf("Python version %q: expected 3.X", python)
	}
	machine, ok := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[arch]
	if !ok {
		return Target{}, fmt.Errorf("no Python wheels for architecture %q", arch)
	}
	g, err := facts.ParseGlibcRelease(glibc)
	if err != nil {
		return Target{}, err
	}
	return Target{Minor: m, Machine: machine, Glibc: g}, nil
}

// Platform is uv's --python-platform for the target: the manylinux tag of
// its glibc, such as aarch64-manylinux_2_36 (see Tag).
func (t Target) Platform() string {
	g := t.Tag()
	return fmt.Sprintf("%s-manylinux_%d_%d", t.Machine, g[0], g[1])
}

// Tag is the glibc of the manylinux tag uv installs the target's wheels
// for: the newest of facts.UVManylinux the target's glibc has (2.17 for
// Amazon Linux 2's 2.26, which uv has no tag for). The wheels a target
// takes follow it; a package compiled here still has the target's own
// glibc as its floor.
func (t Target) Tag() facts.Glibc {
	tag := t.Glibc
	for _, v := range facts.UVManylinux {
		g, err := facts.ParseGlibcRelease(v)
		if err != nil || t.Glibc.Less(g) {
			break
		}
		tag = g
	}
	return tag
}

// Fits says whether a wheel file name installs on the target.
func (t Target) Fits(filename string) bool {
	name, ok := strings.CutSuffix(filename, ".whl")
	if !ok {
		return false
	}
	parts := strings.Split(name, "-")
	if len(parts) != 5 && len(parts) != 6 {
		return false
	}
	n := len(parts)
	pys, abis, plats := strings.Split(parts[n-3], "."), strings.Split(parts[n-2], "."), strings.Split(parts[n-1], ".")
	for _, py := range pys {
		for _, abi := range abis {
			if !t.interpreter(py, abi) {
				continue
			}
			for _, p := range plats {
				if t.platform(p) {
					return true
				}
			}
		}
	}
	return false
}

// interpreter matches a python tag with an ABI tag, as CPython 3.X takes
// them: its own ABI (cp3X-cp3X), the stable ABI of 3.X or older
// (cp3Y-abi3), or pure code (py3, py3Y with Y <= X, cp3X-none).
func (t Target) interpreter(py, abi string) bool {
	switch abi {
	case "none":
		if py == "py3" {
			return true
		}
		if y, ok := minorOf(py, "py3"); ok {
			return y <= t.Minor
		}
		y, ok := minorOf(py, "cp3")
		return ok && y == t.Minor
	case "abi3":
		y, ok := minorOf(py, "cp3")
		return ok && y <= t.Minor
	}
	y, ok := minorOf(py, "cp3")
	return ok && y == t.Minor && abi == py
}

func minorOf(tag, prefix string) (int, bool) {
	rest, ok := strings.CutPrefix(tag, prefix)
	if !ok || rest == "" {
		return 0, false
	}
	y, err := strconv.Atoi(rest)
	return y, err == nil && y >= 0
}

// legacyManylinux are the glibc releases of the manylinux tags before PEP
// 600.
var legacyManylinux = map[string]facts.Glibc{
	"manylinux1": {2, 5}, "manylinux2010": {2, 12}, "manylinux2014": {2, 17},
}

// platform matches a platform tag: any, a manylinux tag of the machine
// whose glibc the target has, or linux_<machine> (a wheel built here).
func (t Target) platform(p string) bool {
	if p == "any" || p == "linux_"+t.Machine {
		return true
	}
	rest, ok := strings.CutSuffix(p, "_"+t.Machine)
	if !ok {
		return false
	}
	tag := t.Tag()
	if g, ok := legacyManylinux[rest]; ok {
		return !tag.Less(g)
	}
	v, ok := strings.CutPrefix(rest, "manylinux_")
	if !ok {
		return false
	}
	major, minor, ok := strings.Cut(v, "_")
	a, err1 := strconv.Atoi(major)
	b, err2 := strconv.Atoi(minor)
	if !ok || err1 != nil || err2 != nil {
		return false
	}
	return !tag.Less(facts.Glibc{a, b})
}
