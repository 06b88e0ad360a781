package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary is the strata command too when STRATA_TEST_MAIN holds
// its arguments as JSON, so that exit codes and signals are those of the
// real process.
func TestMain(m *testing.M) {
	if a := os.Getenv("STRATA_TEST_MAIN"); a != "" {
		var args []string
		if err := json.Unmarshal([]byte(a), &args); err != nil {
			panic(err)
		}
		os.Args = append([]string{"strata"}, args...)
		main()
	}
	os.Exit(m.Run())
}

// strata runs the command in a process of its own.
func strata(t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	a, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(append(os.Environ(), "STRATA_TEST_MAIN="+string(a)), env...)
	return cmd
}

// runCLI runs the command line in-process.
func runCLI(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(context.Background(), args, &o, &e)
	return code, o.String(), e.String()
}

var singleDashLong = regexp.MustCompile(`(^|[\s,])-[a-z][a-z-]+`)

// Help has buildx's double-dash names and short forms, each flag once,
// and the CONTEXT argument.
func TestHelp(t *testing.T) {
	code, out, _ := runCLI("--help")
	if code != 0 {
		t.Fatalf("strata --help: exit %d", code)
	}
	for _, want := range []string{"build", "llb", "validate", "schema", "completion", "--version", "BUILDKIT_HOST"} {
		if !strings.Contains(out, want) {
			t.Errorf("strata --help lacks %q:\n%s", want, out)
		}
	}
	for _, args := range [][]string{{"build", "--help"}, {"build", "-h"}, {"help", "build"}} {
		code, out, _ := runCLI(args...)
		if code != 0 {
			t.Fatalf("strata %q: exit %d", args, code)
		}
		for _, want := range []string{"strata build [OPTIONS] [CONTEXT]", "-f, --file FILE", "-o, --output OUTPUT", "-t, --tag NAME[:TAG]",
			"--push", "--call METHOD", "--metadata-file FILE", "--platform PLATFORMS", "--build-context NAME=REF", "--secret", "--ssh",
			"--cache-to", "--cache-from", "--progress MODE", "--target TARGET", "--build-arg NAME=VALUE", "--no-cache", "--builder NAME"} {
			if !strings.Contains(out, want) {
				t.Errorf("strata %q lacks %q:\n%s", args, want, out)
			}
		}
		seen := map[string]bool{}
		for _, line := range strings.Split(out, "\n") {
			if m := regexp.MustCompile(`^\s+(-[a-z], )?(--[a-z-]+)`).FindStringSubmatch(line); m != nil {
				if seen[m[2]] {
					t.Errorf("%s twice", m[2])
				}
				seen[m[2]] = true
			}
			if l := strings.TrimSpace(line); strings.HasPrefix(l, "-") && singleDashLong.MatchString(strings.Fields(l)[0]) {
				t.Errorf("a single-dash long flag: %q", line)
			}
		}
	}
	// Help, not the schema.
	if code, out, _ := runCLI("schema", "-h"); code != 0 || !strings.Contains(out, "Usage:") || strings.Contains(out, `"$schema"`) {
		t.Errorf("strata schema -h: exit %d\n%s", code, out)
	}
	if code, out, _ := runCLI("schema"); code != 0 || !strings.Contains(out, `"$schema"`) {
		t.Errorf("strata schema: exit %d, %.100s", code, out)
	}
	if code, out, _ := runCLI("completion", "bash"); code != 0 || !strings.Contains(out, "__start_strata") {
		t.Errorf("strata completion bash: exit %d, %.200s", code, out)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runCLI("--version")
	if code != 0 || !regexp.MustCompile(`^strata \S+ \(.*go1\.[0-9]+.*\)\n$`).MatchString(out) {
		t.Errorf("strata --version: exit %d, %q", code, out)
	}
}

// 2 for a mistake on the command line, with where to read about it; 1
// for a failure.
func TestExitCodes(t *testing.T) {
	t.Setenv("BUILDKIT_HOST", "unix://"+filepath.Join(t.TempDir(), "none.sock"))
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"build", "--bogus"}, 2, "unknown flag: --bogus\nSee 'strata build --help'."},
		{[]string{"build", "-bogus"}, 2, "unknown shorthand flag: 'b' in -bogus"},
		{[]string{"biuld"}, 2, `unknown command "biuld" for "strata"`},
		{[]string{"build", "--platform", "linux/amd64,what/ever/this/is", dir}, 2, "--platform"},
		{[]string{"build", "a", "b"}, 2, "See 'strata build --help'."},
		{[]string{"build", "--progress", "fancy", dir}, 2, "--progress"},
		{[]string{"build", "-o", "type=zip", dir}, 2, `unknown type "zip"`},
		{[]string{"build", "--push", dir}, 2, "needs a name"},
		{[]string{"build", "-t", "Bad Tag", dir}, 2, "-t"},
		{[]string{"llb", "--platform", "linux/amd64,linux/arm64", dir}, 2, "one platform"},
		{[]string{"schema", "extra"}, 2, "unknown command"},
		{[]string{"validate", "-f", filepath.Join(dir, "none.yaml")}, 1, "no such file"},
		{[]string{"build", "-o", "type=cacheonly", dir}, 1, "no BuildKit answers"},
	} {
		code, _, stderr := runCLI(tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.msg) {
			t.Errorf("strata %q: exit %d, want %d, with %q in:\n%s", tc.args, code, tc.code, tc.msg, stderr)
		}
	}
}

// No output: a warning that the result stays in the cache.
func TestNoOutputWarning(t *testing.T) {
	t.Setenv("BUILDKIT_HOST", "unix://"+filepath.Join(t.TempDir(), "none.sock"))
	dir := t.TempDir()
	_, _, stderr := runCLI("build", dir)
	if !strings.Contains(stderr, "WARNING: No output specified. Build result will only remain in the build cache.") {
		t.Errorf("no warning:\n%s", stderr)
	}
	for _, args := range [][]string{{"-o", "type=cacheonly"}, {"--call", "targets"}, {"--push", "-t", "r/i"}} {
		if _, _, stderr := runCLI(append(append([]string{"build"}, args...), dir)...); strings.Contains(stderr, "WARNING") {
			t.Errorf("%q warns:\n%s", args, stderr)
		}
	}
}

// SIGINT cancels the build and strata exits 130, as buildx; the real
// process, on a builder that never answers.
func TestInterrupt(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "mute.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	dialed := make(chan struct{}, 1)
	go func() { // accept, read, never answer
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			select {
			case dialed <- struct{}{}:
			default:
			}
			go func() { _, _ = c.Read(make([]byte, 1<<16)); select {} }()
		}
	}()
	dir := t.TempDir()
	var stderr bytes.Buffer
	cmd := strata(t, []string{"BUILDKIT_HOST=unix://" + sock}, "build", "-o", "type=cacheonly", dir)
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select { // strata is waiting for BuildKit: its signal handler is set
	case <-dialed:
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("strata never dialed BuildKit:\n%s", stderr.String())
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("still running 15s after SIGINT:\n%s", stderr.String())
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 || !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("after SIGINT: %v\n%s", err, stderr.String())
	}
}

// The usage error and failure exit codes of the real process.
func TestProcessExitCodes(t *testing.T) {
	for args, want := range map[string]int{`["--version"]`: 0, `["build","--nope"]`: 2, `["validate","-f","/nonexistent"]`: 1} {
		var a []string
		_ = json.Unmarshal([]byte(args), &a)
		err := strata(t, nil, a...).Run()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		}
		if code != want {
			t.Errorf("strata %s: exit %d (%v), want %d", args, code, err, want)
		}
	}
}
