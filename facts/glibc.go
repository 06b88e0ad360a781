package facts

import (
	"fmt"
	"strings"
)

// Glibc is a glibc version, comparable: major, minor, patch.
type Glibc [3]int

// ParseGlibc reads a version as glibc numbers its releases and symbol
// versions: MAJOR.MINOR or MAJOR.MINOR.PATCH in decimal digits (2.34,
// 2.2.5).
func ParseGlibc(v string) (Glibc, bool) {
	var g Glibc
	parts := strings.Split(v, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return g, false
	}
	for i, p := range parts {
		if p == "" || len(p) > 6 || strings.Trim(p, "0123456789") != "" {
			return g, false
		}
		for _, c := range p {
			g[i] = g[i]*10 + int(c-'0')
		}
	}
	return g, true
}

// ParseGlibcRelease reads the glibc of a runtime or a build's floor as the
// spec gives it: 2.MINOR (2.17, 2.28).
func ParseGlibcRelease(v string) (Glibc, error) {
	g, ok := ParseGlibc(v)
	if !ok || g[0] != 2 || strings.Count(v, ".") != 1 {
		return Glibc{}, fmt.Errorf("invalid glibc version %q (expected such as %s)", v, DefaultGlibcFloor)
	}
	return g, nil
}

// Less tells whether g is older than h.
func (g Glibc) Less(h Glibc) bool {
	for i := range g {
		if g[i] != h[i] {
			return g[i] < h[i]
		}
	}
	return false
}

func (g Glibc) String() string {
	if g[2] == 0 {
		return fmt.Sprintf("%d.%d", g[0], g[1])
	}
	return fmt.Sprintf("%d.%d.%d", g[0], g[1], g[2])
}
