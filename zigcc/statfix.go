package zigcc

import (
	_ "embed"
	"strings"

	"github.com/strata-build/strata/facts"
)

// statFix is C that every link of a gnu target with a glibc floor below
// 2.33 gets (see statFixLink). zig 0.11 links stat, lstat, fstat and
// fstatat there from its own build of glibc's sources, whose errno is not
// the program's: a failed call returns -1 and leaves errno as it was, so
// that C code testing errno == ENOENT takes a missing file for an error
// (SQLite cannot create a database). These definitions call glibc's
// exported __xstat family instead, as glibc's own libc_nonshared.a does
// before 2.33; hidden, so a shared library does not export them.
//
//go:embed statfix.csrc
var statFix []byte

// statFixFile is the name of statFix beside the wrappers.
const statFixFile = "strata-statfix.c"

// statFixLink is the wrapper's line that adds statFix to a link: a command
// line that writes an output (-o) without stopping before the link (-c,
// -S, -E, -M, -MM). `-x none` ends any language the arguments set.
const statFixLink = `case " $* " in
*" -c "* | *" -S "* | *" -E "* | *" -M "* | *" -MM "*) ;;
*" -o "*) set -- "$@" -x none "$(dirname "$0")/` + statFixFile + `" ;;
esac
`

// needsStatFix tells whether a zig target links zig's stat family: gnu
// with a glibc floor below 2.33 (2.33 made them glibc's own exports).
func needsStatFix(zigTarget string) bool {
	_, floor, ok := strings.Cut(zigTarget, "-gnu.")
	if !ok {
		return false
	}
	g, err := facts.ParseGlibcRelease(floor)
	return err == nil && g.Less(facts.Glibc{2, 33})
}
