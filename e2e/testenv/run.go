package testenv

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Run runs a command in the repository and returns its combined output.
func Run(t *testing.T, name string, args ...string) (string, error) {
	t.Helper()
	return RunEnv(t, nil, name, args...)
}

// RunEnv is Run with variables (KEY=VALUE) added to the environment: what
// a parallel test cannot set with t.Setenv.
func RunEnv(t *testing.T, env []string, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = root
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	t.Logf("%s %s (%.1fs)", filepath.Base(name), strings.Join(args, " "), time.Since(start).Seconds())
	return out.String(), err
}

// MustRunEnv is RunEnv that fails the test when the command fails.
func MustRunEnv(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	out, err := RunEnv(t, env, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, Tail(out, 60))
	}
	return out
}

// MustRun is Run that fails the test when the command fails.
func MustRun(t *testing.T, name string, args ...string) string {
	t.Helper()
	return MustRunEnv(t, nil, name, args...)
}

// Strata runs the strata CLI built for this run.
func Strata(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return Run(t, strata, args...)
}

// MustStrata runs the strata CLI and fails the test when it fails.
func MustStrata(t *testing.T, args ...string) string {
	t.Helper()
	return MustRun(t, strata, args...)
}

// StrataCLI is the path of the strata CLI, for RunEnv.
func StrataCLI() string { return strata }

// Buildx runs `docker buildx ARGS`.
func Buildx(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return Run(t, "docker", append([]string{"buildx"}, args...)...)
}

// MustBuildx runs `docker buildx ARGS` and fails the test when it fails.
func MustBuildx(t *testing.T, args ...string) string {
	t.Helper()
	return MustRun(t, "docker", append([]string{"buildx"}, args...)...)
}

// OCIOutput is a new directory of the test for an OCI layout, and the
// value of -o that writes it.
func OCIOutput(t *testing.T) (dir, output string) {
	dir = filepath.Join(t.TempDir(), "oci")
	return dir, "type=oci,tar=false,dest=" + dir
}

// LocalOutput is a new directory of the test, and the value of -o that
// writes a build's files there.
func LocalOutput(t *testing.T) (dir, output string) {
	dir = t.TempDir()
	return dir, "type=local,dest=" + dir
}

// Tail is the last n lines of s.
func Tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// FinalError is the last line of a build's output that starts with prefix:
// the error the strata CLI ("strata: ") or buildx ("ERROR: ") ends with.
func FinalError(out, prefix string) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(lines[i], prefix) {
			return lines[i]
		}
	}
	return ""
}
