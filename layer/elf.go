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
	"path"
	"sort"
	"strings"

	"github.com/strata-build/strata/facts"
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

// symbolGlibc is the glibc version of a symbol version, GLIBC_x.y[.z].
func symbolGlibc(v string) (facts.Glibc, bool) {
	rest, ok := strings.CutPrefix(v, "GLIBC_")
	if !ok {
		return facts.Glibc{}, false
	}
	return facts.ParseGlibc(rest)
}

// maxGlibc is the highest glibc version a set of objects needs.
func maxGlibc(objs []*object) facts.Glibc {
	var max facts.Glibc
	for _, o := range objs {
		for _, s := range o.glibc {
			if v, ok := symbolGlibc(s.Version); ok && max.Less(v) {
				max = v
			}
		}
	}
	return max
}

// tooNew lists, per file, the symbols that need a newer glibc than limit.
func tooNew(objs []*object, limit facts.Glibc) map[string][]string {
	out := map[string][]string{}
	for _, o := range objs {
		for _, s := range o.glibc {
			if v, ok := symbolGlibc(s.Version); ok && limit.Less(v) {
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
