// Package layer assembles a serverless function layer from a root
// filesystem of the target architecture: the chosen programs and the
// closure of the shared libraries they need, found by reading ELF headers,
// checked against a runtime profile, written as a deterministic archive.
//
// It uses the standard library only, because it is compiled inside the
// build graph (on the build platform) and run there: it reads files of any
// architecture and never executes them.
package layer

import (
	"debug/elf"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
)

// object is what the closure needs of one ELF file.
type object struct {
	path    string // inside the root, absolute
	origin  string // the directory $ORIGIN means; path's directory if empty
	machine elf.Machine
	soname  string
	needed  []string
	rpath   []string // DT_RPATH, used only when there is no RUNPATH
	runpath []string // DT_RUNPATH: this object's own dependencies only
	glibc   []symbolVersion
	static  bool // no PT_DYNAMIC nor PT_INTERP: needs nothing
}

// symbolVersion is one versioned symbol an object imports from glibc.
type symbolVersion struct {
	Symbol  string // empty for a version needed that no symbol names
	Version string // such as GLIBC_2.34
}

func (o *object) originDir() string {
	if o.origin != "" {
		return o.origin
	}
	return path.Dir(o.path)
}

// glibcVersion is a comparable GLIBC_x.y[.z].
type glibcVersion [3]int

func parseGlibc(v string) (glibcVersion, bool) {
	var g glibcVersion
	parts := strings.Split(strings.TrimPrefix(v, "GLIBC_"), ".")
	if len(parts) < 2 || len(parts) > 3 {
		return g, false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return g, false
		}
		g[i] = n
	}
	return g, true
}

func (g glibcVersion) less(h glibcVersion) bool {
	for i := range g {
		if g[i] != h[i] {
			return g[i] < h[i]
		}
	}
	return false
}

func (g glibcVersion) String() string {
	if g[2] == 0 {
		return fmt.Sprintf("%d.%d", g[0], g[1])
	}
	return fmt.Sprintf("%d.%d.%d", g[0], g[1], g[2])
}

// maxGlibc is the highest glibc version a set of objects needs.
func maxGlibc(objs []*object) glibcVersion {
	var max glibcVersion
	for _, o := range objs {
		for _, s := range o.glibc {
			if v, ok := parseGlibc(s.Version); ok && max.less(v) {
				max = v
			}
		}
	}
	return max
}

// tooNew lists, per file, the symbols that need a newer glibc than limit.
func tooNew(objs []*object, limit glibcVersion) map[string][]string {
	out := map[string][]string{}
	for _, o := range objs {
		for _, s := range o.glibc {
			if v, ok := parseGlibc(s.Version); ok && limit.less(v) {
				name := s.Symbol + "@" + s.Version
				if s.Symbol == "" {
					name = s.Version + " (a version needed)"
				}
				out[o.path] = append(out[o.path], name)
			}
		}
		sort.Strings(out[o.path])
	}
	return out
}

// multiarch is the Debian multiarch triplet of a machine, for the default
// library directories.
func multiarch(m elf.Machine) string {
	switch m {
	case elf.EM_X86_64:
		return "x86_64-linux-gnu"
	case elf.EM_AARCH64:
		return "aarch64-linux-gnu"
	case elf.EM_ARM:
		return "arm-linux-gnueabihf"
	case elf.EM_386:
		return "i386-linux-gnu"
	}
	return ""
}
