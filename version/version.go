// Package version is the version of Strata's programs, the same for the
// strata CLI and the frontend image's entrypoint: set at link time
// (-ldflags "-X github.com/strata-build/strata/version.Version=v1.2.3", as
// the Makefile and the Dockerfile do), or else what the Go toolchain stamped
// into the binary (the module version, or the commit of a checkout).
// Standard library only.
package version

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// Version is set by the linker; empty, the build information names it.
var Version string

// String is the version and what it was built from: "v1.2.3 (commit
// 0123456789ab, go1.26.8)".
func String() string {
	bi, _ := debug.ReadBuildInfo()
	return format(Version, bi)
}

func format(v string, bi *debug.BuildInfo) string {
	var rev, modified string
	if bi != nil {
		if v == "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					modified = "+dirty"
				}
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	var about []string
	if rev != "" {
		about = append(about, "commit "+rev[:min(12, len(rev))]+modified)
	}
	about = append(about, runtime.Version())
	return v + " (" + strings.Join(about, ", ") + ")"
}
