package layer

import (
	"bufio"
	"io"
	"maps"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/strata-build/strata/shell"
)

// WrapperDir is where, in a layer's root, the frontend puts the wrapper of
// each program of a layer with an environment (Options.Wrapped).
const WrapperDir = "/.strata/wrappers"

// ExpandPrefix replaces ${PREFIX} (or $PREFIX) in the values of env with
// the layer's prefix.
func ExpandPrefix(env map[string]string, prefix string) map[string]string {
	out := map[string]string{}
	r := strings.NewReplacer("${PREFIX}", prefix, "$PREFIX", prefix)
	for k, v := range env {
		out[k] = r.Replace(v)
	}
	return out
}

// Wrapper is the sh script shipped as bin/NAME of a layer with an
// environment: function runtimes set only PATH and LD_LIBRARY_PATH, so the
// wrapper sets what the program needs to find its files (a variable the
// caller set already is kept) and runs the program, kept in libexec/.
func Wrapper(prefix, name string, env map[string]string) []byte {
	var b strings.Builder
	b.WriteString("#!/bin/sh\n# strata: " + name + " with the environment of its layer\n")
	env = ExpandPrefix(env, prefix)
	for _, k := range slices.Sorted(maps.Keys(env)) {
		b.WriteString("if [ -z \"${" + k + "+x}\" ]; then " + k + "=" + shell.Quote(env[k]) + "; export " + k + "; fi\n")
	}
	b.WriteString("exec " + shell.Quote(path.Join(prefix, "libexec", name)) + " \"$@\"\n")
	return []byte(b.String())
}

// ProgramName is the name a binaries entry is shipped under in bin/:
// NAME of NAME=PROGRAM, else the program's base name.
func ProgramName(b string) string {
	if name, _, ok := strings.Cut(b, "="); ok {
		return name
	}
	return path.Base(b)
}

// interpreter is the #! line's program (and argument) of a script in the root.
func (r rootFS) interpreter(real string) (string, bool) {
	f, err := os.Open(r.host(real))
	if err != nil {
		return "", false
	}
	defer f.Close()
	line, _ := bufio.NewReader(io.LimitReader(f, 256)).ReadString('\n')
	interp, ok := strings.CutPrefix(strings.TrimSpace(line), "#!")
	return strings.TrimSpace(interp), ok && strings.TrimSpace(interp) != ""
}

// scriptNote says what runs a script: a program of the layer, or one the
// runtime must have.
func (a *assembly) scriptNote(name, interp string) string {
	prog := strings.Fields(interp)[0]
	if path.Base(prog) == "env" && len(strings.Fields(interp)) > 1 {
		prog = strings.Fields(interp)[1]
	}
	for _, b := range a.opt.Binaries {
		if ProgramName(b) == path.Base(prog) {
			return "bin/" + name + " runs " + interp + " (the layer's bin/" + path.Base(prog) + " when it is found on PATH)"
		}
	}
	return "bin/" + name + " runs " + interp + ", which is not in the layer: the runtime must have it"
}
