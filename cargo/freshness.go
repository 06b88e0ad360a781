package cargo

import (
	"fmt"
	"strings"

	"github.com/strata-build/strata/shell"
)

// cargo decides that a local crate is fresh when none of its source files
// is newer than its last build's dep-info: it trusts file times. A target
// directory kept between builds (a cache mount) sees the sources of every
// build of the app, each copied from a client with that client's times, so
// another checkout's older files would look built already and its image
// would ship the previous checkout's code. Freshness makes the times tell
// the truth about content instead: the state file in the target directory
// lists the digest of every source file the directory's artifacts are known
// to be built from; before cargo runs, every file, link and directory is
// set to an old time, those whose digest is not in the list (new, changed)
// and the directories that lost an entry to the present time, so cargo
// rebuilds exactly what changed in content.
//
// The list is narrowed to what is unchanged before cargo runs and replaced
// by the full list only after cargo succeeds: a failed build may have
// compiled some crates from the new sources, and those files stay unknown
// (touched again) until a build succeeds. Without a list (a fresh or
// reseeded target directory) every file is new. Paths with a newline or a
// backslash, which the list cannot hold, make every file new too.

// oldTime is the time given to sources known to be built: older than any
// artifact.
const oldTime = "946684800" // 2000-01-01

// Freshness is the shell script to run before cargo, in the directory
// holding the sources, with state the list's path and skip the directories
// (relative, cleaned) whose freshness is not this list's business (what the
// dependency step built whole).
func Freshness(state string, skip []string) string {
	return fmt.Sprintf(freshnessScript, shell.Quote(state), prune(skip), oldTime)
}

// FreshnessDone is the shell script to run after cargo succeeded.
func FreshnessDone(state string) string {
	s := shell.Quote(state)
	return "mv -f " + s + ".new " + s
}

// prune is find's expression for skipping dirs.
func prune(skip []string) string {
	if len(skip) == 0 {
		return ""
	}
	var terms []string
	for _, d := range skip {
		terms = append(terms, "-path "+shell.Quote("./"+d))
	}
	return `\( ` + strings.Join(terms, " -o ") + ` \) -prune -o`
}

// freshnessScript: %[1]s the state file, %[2]s find's pruning expression,
// %[3]s the old time.
const freshnessScript = `strata_sources() {
	find . %[2]s -type f -print0 | xargs -0r sha256sum
	find . %[2]s -type l -print | while IFS= read -r l; do
		printf '%%s  %%s\n' "$(readlink -- "$l" | sha256sum | cut -c1-64)" "$l"
	done
}
strata_sources | LC_ALL=C sort >%[1]s.new
find . %[2]s -exec touch -h -d @%[3]s {} +
odd=$(find . %[2]s -name '*
*' -print | head -n 1)
if [ -f %[1]s ] && [ -z "$odd" ] && ! grep -q '^\\' %[1]s.new; then
	LC_ALL=C comm -13 %[1]s %[1]s.new | cut -c67- | while IFS= read -r f; do
		touch -c -- "$f"
	done
	LC_ALL=C comm -23 %[1]s %[1]s.new | cut -c67- | while IFS= read -r f; do
		if [ -e "$f" ] || [ -L "$f" ]; then continue; fi
		d=$(dirname -- "$f")
		while [ ! -d "$d" ]; do d=$(dirname -- "$d"); done
		touch -- "$d"
	done
	LC_ALL=C comm -12 %[1]s %[1]s.new >%[1]s.keep
	mv -f %[1]s.keep %[1]s
else
	find . %[2]s -exec touch -h {} +
	find . %[2]s -type l -exec touch -c {} +
	: >%[1]s
fi`
