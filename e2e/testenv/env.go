// Package testenv is the environment of Strata's end-to-end tests: the
// real buildkitd, registry and docker buildx of hack/dev-env, the strata
// CLI built for the run, and readers for what builds write (BuildKit's
// status events, OCI layouts, archives, layer manifests, root
// filesystems, running programs).
//
// Every helper takes the test's *testing.T and writes only below its own
// t.TempDir(), so tests that use it can run in parallel.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var (
	root   string // the repository, where commands run
	strata string // the strata CLI, built for this run
)

// BothPlatforms are the target platforms of the multi-arch tests.
var BothPlatforms = []string{"linux/amd64", "linux/arm64"}

// ZigContext replaces the download of zig from ziglang.org, which this
// machine cannot reach, with the same release pushed by hack/dev-env.
var ZigContext = []string{"--build-context", "zig=docker-image://localhost:5000/strata/zig:0.11.0"}

// FrontendImage is the frontend image that specs built by docker buildx
// name: the one `make frontend` pushed, or STRATA_E2E_FRONTEND (a work
// tree testing its own frontend beside others pushes it under a tag of
// its own: TAG=mine docker buildx bake frontend --push).
var FrontendImage = frontendImage()

func frontendImage() string {
	if v := os.Getenv("STRATA_E2E_FRONTEND"); v != "" {
		return v
	}
	return "localhost:5000/strata/frontend:dev"
}

// SyntaxLine starts a spec built by docker buildx through FrontendImage.
var SyntaxLine = "# syntax=" + FrontendImage + "\n"

// Main runs the tests of m when STRATA_E2E=1 (and skips them otherwise, so
// that `go test ./...` works anywhere), with the strata CLI built first.
func Main(m *testing.M) {
	if os.Getenv("STRATA_E2E") != "1" {
		fmt.Println("e2e: skipped (set STRATA_E2E=1 and run hack/dev-env up; make test does both)")
		os.Exit(0)
	}
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), "go.mod") {
		fmt.Printf("e2e: finding the repository: %v %s\n", err, out)
		os.Exit(1)
	}
	root = filepath.Dir(strings.TrimSpace(string(out)))
	tmp, err := os.MkdirTemp("", "strata-e2e-")
	if err != nil {
		panic(err)
	}
	strata = filepath.Join(tmp, "strata")
	build := exec.Command("go", "build", "-o", strata, "./cmd/strata")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Printf("building strata: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(tmp)
	os.Exit(code)
}

// EmulationOff asserts that no aarch64 binfmt handler is enabled, so that a
// build that succeeds did not use QEMU. It only reads binfmt_misc.
func EmulationOff(t *testing.T) {
	t.Helper()
	entries, _ := filepath.Glob("/proc/sys/fs/binfmt_misc/*")
	for _, e := range entries {
		base := filepath.Base(e)
		if base == "status" || base == "register" {
			continue
		}
		dt, err := os.ReadFile(e)
		if err != nil {
			continue
		}
		if strings.HasPrefix(string(dt), "enabled") && strings.Contains(string(dt), "aarch64") {
			t.Fatalf("binfmt handler %s is enabled: builds must succeed without emulation (hack/dev-env emulation off)", base)
		}
	}
}

// StateDir is where hack/dev-env's buildkitd keeps its state.
func StateDir() string {
	if s := os.Getenv("STRATA_STATE"); s != "" {
		return s
	}
	return "/var/lib/strata-dev"
}

var unique atomic.Int64

// Unique is a word no other test and no earlier run has used: edits made
// with it give a build inputs of its own, so that what a test expects to
// run is not in the cache of a parallel test or of an earlier run.
func Unique() string {
	return strconv.FormatInt(time.Now().UnixNano(), 36) + "x" + strconv.FormatInt(unique.Add(1), 36)
}
