package graph

import (
	"fmt"
	"strings"
)

// A secret reaches cargo as an environment variable, and cargo writes the
// value of every variable a build script names in rerun-if-env-changed
// into its fingerprints (.fingerprint/*/run-build-script-*.json), and of
// every env!/option_env! read into dep-info (deps/*.d, .fingerprint/*/dep-*)
// and rustc's incremental caches. The dependency step's target directory is
// a layer (exported by --cache-to mode=max), a target cache persists on the
// builder, and the binaries go into images: none may keep the value.
//
// scrubSecrets is the shell script that runs after cargo in every cargo
// step, whether cargo succeeded or not: in the directories given, cargo's
// own records are rewritten with the value masked (byte for byte, so that
// binary dep-info keeps its lengths; only the length shows), rustc's
// incremental sessions that hold it are removed (they are caches), and any
// other file that holds it — an artifact a crate embedded the value in, a
// file a build script wrote — is removed and fails the step with an error
// naming the variable and the file: a secret never stays in a build's
// outputs. The error goes to stderr and to file (cargo's kept stderr), so
// that it ends the build's final error like cargo's own. (cargo decides
// whether a watched variable changed from a hash it keeps beside the
// value, so masking the value re-runs nothing.) A value shorter than 8
// bytes fails the step before cargo runs: it could be any word of the
// build's own files.
func scrubSecrets(envs []string, dirs []string, file string) string {
	if len(envs) == 0 {
		return ""
	}
	return fmt.Sprintf(scrubScript, strings.Join(envs, " "), strings.Join(dirs, " "), file)
}

// scrubScript: %[1]s the variables' names, %[2]s the directories, %[3]s
// the file for the error. It is an EXIT trap, set before cargo runs, so it
// runs however the step ends and keeps cargo's exit status unless a value
// had to be removed from an output.
const scrubScript = `strata_scrub() {
	for name in %[1]s; do
		v=$(printenv "$name" || :)
		printf '%%s\n' "$v" | while IFS= read -r part; do
			[ -n "$part" ] || continue
			pat=$(printf '%%s\n' "$part" | LC_ALL=C sed 's/[][\.*^$/]/\\&/g')
			mask=$(printf '%%s\n' "$part" | LC_ALL=C sed 's/./x/g')
			for d in %[2]s; do
				if [ -d "$d" ]; then LC_ALL=C grep -rlF -e "$part" "$d" 2>/dev/null || :; fi
			done | while IFS= read -r f; do
				case $f in
				*/.fingerprint/* | *.d | */build/*/output | */build/*/stderr | */build/*/root-output)
					LC_ALL=C sed -i "s/$pat/$mask/g" "$f" ;;
				*/incremental/*)
					rest=${f#*/incremental/}
					rm -rf "${f%%%%/incremental/*}/incremental/${rest%%%%/*}" ;;
				esac
				if [ -e "$f" ] && LC_ALL=C grep -qF -e "$part" "$f"; then
					rm -f "$f"
					echo "error: the value of secret variable $name is in $f: a crate embeds it (env!, option_env!, include_str!) or a build script wrote it there; Strata keeps no secret in a build's outputs"
				fi
			done
		done
	done
}
for name in %[1]s; do
	v=$(printenv "$name" || :)
	if [ -n "$v" ] && [ "${#v}" -lt 8 ]; then
		mkdir -p "$(dirname %[3]s)"
		echo "error: secret variable $name is shorter than 8 bytes: so short a value cannot be told apart from the build's own text, and Strata could not keep it out of the build's outputs" | tee -a %[3]s >&2
		exit 1
	fi
done
strata_exit() {
	s=$?
	trap - EXIT
	leak=$(strata_scrub)
	if [ -n "$leak" ]; then
		mkdir -p "$(dirname %[3]s)"
		printf '%%s\n' "$leak" | tee -a %[3]s >&2
		exit 1
	fi
	exit "$s"
}
trap strata_exit EXIT`
