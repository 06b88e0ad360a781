package graph

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const testSecret = "s3cret/Value.*[x]&"

// scrubRun runs a step's script with the scrub trap on dir, with the
// secret in TOKEN, and returns the exit status and stderr.
func scrubRun(t *testing.T, dir, body string) (int, string) {
	t.Helper()
	errFile := filepath.Join(dir, "log", "cargo.stderr")
	script := scrubSecrets([]string{"TOKEN", "UNSET_TOKEN"}, []string{filepath.Join(dir, "target"), filepath.Join(dir, "out")}, errFile) + "\n" + body
	cmd := exec.Command("sh", "-ec", script)
	cmd.Env = append(os.Environ(), "TOKEN="+testSecret)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, stderr.String()
}

func TestScrubMasksCargoRecords(t *testing.T) {
	dir := t.TempDir()
	records := map[string]string{
		"target/release/.fingerprint/dep-1/run-build-script-build-script-build.json": `{"rustc":1,"local":[{"RerunIfEnvChanged":{"var":"TOKEN","val":"` + testSecret + `"}}]}`,
		"target/release/deps/app-1.d":                     "# env-dep:TOKEN=" + testSecret + "\n",
		"target/release/.fingerprint/app-1/dep-bin-app":   "\x00\x12" + testSecret + "\x00",
		"target/release/build/dep-1/output":               "cargo:warning=" + testSecret,
		"target/release/incremental/app-2x/s-1/query.bin": "..." + testSecret,
		"target/release/deps/libclean-1.rlib":             "nothing to see",
	}
	writeTree(t, dir, records)
	code, stderr := scrubRun(t, dir, "exit 7")
	if code != 7 || stderr != "" {
		t.Fatalf("exit %d (want cargo's 7), stderr %q", code, stderr)
	}
	for name, before := range records {
		dt, err := os.ReadFile(filepath.Join(dir, name))
		switch {
		case strings.Contains(name, "/incremental/"):
			if err == nil {
				t.Errorf("%s: the incremental session that holds the value is kept", name)
			}
		case err != nil:
			t.Errorf("%s: %v", name, err)
		case bytes.Contains(dt, []byte(testSecret)):
			t.Errorf("%s still holds the value: %q", name, dt)
		case len(dt) != len(before):
			t.Errorf("%s: %d bytes, was %d (binary dep-info needs its lengths)", name, len(dt), len(before))
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "target/release/incremental/app-2x")); err == nil {
		t.Error("the crate's incremental directory is kept")
	}
}

func TestScrubRefusesArtifactsWithTheValue(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"target/release/deps/libdep-1.rlib": "rlib " + testSecret,
		"out/x86_64-unknown-linux-gnu/app":  "\x7fELF" + testSecret,
		"target/release/deps/app-1.d":       "# env-dep:TOKEN=" + testSecret + "\n",
	})
	code, stderr := scrubRun(t, dir, "exit 0")
	if code != 1 {
		t.Fatalf("exit %d: an output holding the secret did not fail the step", code)
	}
	for _, f := range []string{"target/release/deps/libdep-1.rlib", "out/x86_64-unknown-linux-gnu/app"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("%s is kept", f)
		}
		if !strings.Contains(stderr, "error: the value of secret variable TOKEN is in "+filepath.Join(dir, f)) {
			t.Errorf("stderr does not name %s:\n%s", f, stderr)
		}
	}
	if strings.Contains(stderr, testSecret) {
		t.Error("the error shows the value")
	}
	kept, err := os.ReadFile(filepath.Join(dir, "log", "cargo.stderr"))
	if err != nil || !strings.HasPrefix(string(kept), "error: the value of secret variable TOKEN") {
		t.Errorf("the error is not where the frontend reads cargo's errors: %q %v", kept, err)
	}
}

func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// A value too short to tell apart from the build's own text fails first.
func TestScrubRefusesShortValues(t *testing.T) {
	dir := t.TempDir()
	errFile := filepath.Join(dir, "log", "cargo.stderr")
	cmd := exec.Command("sh", "-ec", scrubSecrets([]string{"TOKEN"}, []string{dir}, errFile)+"\necho cargo ran")
	cmd.Env = append(os.Environ(), "TOKEN=release")
	out, err := cmd.CombinedOutput()
	if err == nil || strings.Contains(string(out), "cargo ran") || !strings.Contains(string(out), "error: secret variable TOKEN is shorter than 8 bytes") {
		t.Errorf("a 7-byte secret (%v):\n%s", err, out)
	}
}
