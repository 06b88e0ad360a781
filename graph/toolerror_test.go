package graph

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestKeepStderr runs the wrapper with sh -ec, as the cargo steps do: the
// command's stderr still reaches the step's stderr and is kept in the file,
// its stdout stays stdout, its exit status is the step's, and a command that
// succeeds leaves no file behind (nor runs the step on when it fails).
func TestKeepStderr(t *testing.T) {
	const cmd = `printf 'out\n'; printf 'warning: w\nerror[E0425]: cannot find value x\n' >&2; exit `
	for _, tc := range []struct {
		name string
		code int
	}{{"fails", 101}, {"succeeds", 0}} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "log", "cargo.stderr")
			script := keepStderrAt("("+cmd+strconv.Itoa(tc.code)+")", file) + "\necho after"
			c := exec.Command("sh", "-ec", script)
			var stdout, stderr bytes.Buffer
			c.Stdout, c.Stderr = &stdout, &stderr
			err := c.Run()
			var ee *exec.ExitError
			switch {
			case tc.code == 0 && err != nil:
				t.Fatalf("the step failed: %v\n%s", err, stderr.String())
			case tc.code != 0 && (!errors.As(err, &ee) || ee.ExitCode() != tc.code):
				t.Fatalf("exit status: %v, want %d", err, tc.code)
			}
			wantOut := "out\nafter\n"
			if tc.code != 0 {
				wantOut = "out\n"
			}
			if stdout.String() != wantOut {
				t.Errorf("stdout %q, want %q", stdout.String(), wantOut)
			}
			const wantErr = "warning: w\nerror[E0425]: cannot find value x\n"
			if stderr.String() != wantErr {
				t.Errorf("stderr %q, want %q", stderr.String(), wantErr)
			}
			kept, rerr := os.ReadFile(file)
			if tc.code == 0 {
				if _, serr := os.Stat(filepath.Dir(file)); !os.IsNotExist(serr) {
					t.Errorf("a successful step leaves %s: %v", filepath.Dir(file), serr)
				}
				return
			}
			if rerr != nil || string(kept) != wantErr {
				t.Errorf("kept %q (%v), want %q", kept, rerr, wantErr)
			}
		})
	}
}

// The cargo steps keep cargo's stderr, the command on a line of its own
// that both steps share, and the frontend recognizes them.
func TestCargoStepsKeepStderr(t *testing.T) {
	rb := rustBuild(t, rustSpec, rustContext("1.0.0", "fn main() {}", ""), arm64)
	out := rb.Output()
	for _, e := range []string{"rustup target add", "\ncp "} {
		x := cargoExec(t, out, e)
		if !KeepsCargoStderr(x.Meta.Args) {
			t.Errorf("the step with %q does not keep cargo's stderr:\n%s", e, x.Script)
		}
		if !strings.Contains(x.Script, "| tee "+CargoStderr+" ") || !strings.Contains(x.Script, "\ncargo build '--locked' ") {
			t.Errorf("cargo's stderr is not kept, or cargo build is not on a line of its own:\n%s", x.Script)
		}
		for _, m := range x.Mounts {
			if m.Dest != "/" && strings.HasPrefix(CargoStderr, m.Dest+"/") {
				t.Errorf("%s is in the mount %s", CargoStderr, m.Dest)
			}
		}
	}
}

func TestCargoFirstError(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"   Compiling web v0.1.0 (/src)\nwarning: unused variable: `y`\nerror[E0425]: cannot find value `x` in this scope\n --> src/main.rs:1:13\n" +
			"error: could not compile `web` (bin \"web\") due to 1 previous error\n", "error[E0425]: cannot find value `x` in this scope"},
		{"    Updating crates.io index\nerror: failed to select a version for `serde`.\n    ... required by package `web v0.1.0`\n",
			"error: failed to select a version for `serde`."},
		{"\x1b[0m\x1b[1m\x1b[38;5;9merror[E0308]\x1b[0m\x1b[0m\x1b[1m: mismatched types\x1b[0m\r\n", "error[E0308]: mismatched types"},
		{"error: no newline at the end", "error: no newline at the end"},
		{"warning: fine\n  error: indented is not cargo's\nerrors: neither\n", ""},
		{"", ""},
	} {
		if got := CargoFirstError([]byte(tc.in)); got != tc.want {
			t.Errorf("CargoFirstError(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := CargoFirstError([]byte("error: " + strings.Repeat("x", 1000))); len(got) > maxErrorLine+3 || !strings.HasSuffix(got, "...") {
		t.Errorf("a long line is not cut: %d bytes", len(got))
	}
}
