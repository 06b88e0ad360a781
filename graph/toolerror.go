package graph

import (
	"bytes"
	"path"
	"regexp"
	"slices"
	"strings"
)

// CargoStderr is where a cargo step keeps cargo's stderr while cargo runs:
// in the step's root filesystem, in no mount, so that the root of a failed
// step (which BuildKit keeps for the error) holds it and the frontend can
// put cargo's first error into the build's final error. A step that
// succeeds removes it, so no layer carries it.
const CargoStderr = "/strata/log/cargo.stderr"

// keepStderr wraps a cargo command line so that its stderr still streams to
// the step's log and is also kept at CargoStderr, and the step fails with
// cargo's exit status. The command keeps a line of its own, starting with
// it, identical in both cargo steps. POSIX sh (dash has no pipefail): fd 3
// carries cargo's status out of the pipeline, fd 4 is the step's stdout.
func keepStderr(cmd string) string { return keepStderrAt(cmd, CargoStderr) }

func keepStderrAt(cmd, file string) string {
	dir := path.Dir(file)
	return "mkdir -p " + dir + "\nexec 4>&1\n" +
		"s=$({ { s=0\n" +
		cmd + " 2>&1 >&4 3>&- 4>&- || s=$?\n" +
		"echo \"$s\" >&3; } | tee " + file + " >&2 3>&- 4>&-; } 3>&1) || :\n" +
		"exec 4>&-\n" +
		"[ \"$s\" = 0 ] || exit \"${s:-1}\"\n" +
		"rm -rf " + dir
}

// cargoScript is where a cargo step's script is mounted; cargoStepArgs run it.
const cargoScript = "/strata/step/cargo.sh"

var cargoStepArgs = []string{"sh", "-e", cargoScript}

// KeepsCargoStderr tells whether an exec's arguments are those of a cargo
// step, which keeps cargo's stderr at CargoStderr.
func KeepsCargoStderr(args []string) bool {
	return slices.Equal(args, cargoStepArgs)
}

var (
	cargoErrorLine = regexp.MustCompile(`^error(\[E[0-9]+\])?: `)
	ansiEscape     = regexp.MustCompile("\x1b\\[[0-9;?]*[A-Za-z]")
)

// maxErrorLine bounds the line CargoFirstError returns.
const maxErrorLine = 400

// CargoFirstError is cargo's first error line in its stderr, such as
// "error[E0425]: cannot find value `x` in this scope" or "error: failed to
// select a version for ...", without color; "" if there is none.
func CargoFirstError(stderr []byte) string {
	for len(stderr) > 0 {
		line := stderr
		if i := bytes.IndexByte(stderr, '\n'); i >= 0 {
			line, stderr = stderr[:i], stderr[i+1:]
		} else {
			stderr = nil
		}
		s := ansiEscape.ReplaceAllString(strings.TrimRight(string(line), "\r"), "")
		if cargoErrorLine.MatchString(s) {
			s = strings.TrimSpace(s)
			if len(s) > maxErrorLine {
				s = strings.ToValidUTF8(s[:maxErrorLine], "") + "..."
			}
			return s
		}
	}
	return ""
}
