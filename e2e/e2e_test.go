// Package e2e tests Strata end to end against the real buildkitd, registry
// and docker buildx of hack/dev-env. `make test` runs it with STRATA_E2E=1;
// without that it is skipped, so `go test ./...` works anywhere.
package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var (
	root   string // the repository
	strata string // the strata CLI, built for this run
)

func TestMain(m *testing.M) {
	if os.Getenv("STRATA_E2E") != "1" {
		fmt.Println("e2e: skipped (set STRATA_E2E=1 and run hack/dev-env up; make test does both)")
		os.Exit(0)
	}
	wd, _ := os.Getwd()
	root = filepath.Dir(wd)
	tmp, err := os.MkdirTemp("", "strata-e2e-")
	if err != nil {
		panic(err)
	}
	strata = filepath.Join(tmp, "strata")
	if out, err := exec.Command("go", "build", "-o", strata, "../cmd/strata").CombinedOutput(); err != nil {
		fmt.Printf("building strata: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(tmp)
	os.Exit(code)
}

// run runs a command in the repository and returns its combined output.
func run(t *testing.T, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	t.Logf("%s %s (%.1fs)", name, strings.Join(args, " "), time.Since(start).Seconds())
	return out.String(), err
}

func mustRun(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := run(t, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, tail(out, 60))
	}
	return out
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// vertex is what BuildKit's status events (--progress=rawjson) say of a step.
type vertex struct {
	Name      string
	Cached    bool
	Started   bool
	Completed bool
	Error     string
	// Took is how long the step ran (from its start to its completion).
	Took time.Duration
}

// vertices reads rawjson progress into the steps by name.
func vertices(t *testing.T, out string) map[string]*vertex {
	t.Helper()
	byName := map[string]*vertex{}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var st struct {
			Vertexes []struct {
				Name      string     `json:"name"`
				Cached    bool       `json:"cached"`
				Started   *time.Time `json:"started"`
				Completed *time.Time `json:"completed"`
				Error     string     `json:"error"`
			} `json:"vertexes"`
		}
		if json.Unmarshal(sc.Bytes(), &st) != nil {
			continue
		}
		for _, v := range st.Vertexes {
			x := byName[v.Name]
			if x == nil {
				x = &vertex{Name: v.Name}
				byName[v.Name] = x
			}
			x.Cached = x.Cached || v.Cached
			x.Started = x.Started || v.Started != nil
			x.Completed = x.Completed || v.Completed != nil
			if v.Error != "" {
				x.Error = v.Error
			}
			if v.Started != nil && v.Completed != nil {
				x.Took = v.Completed.Sub(*v.Started)
			}
		}
	}
	return byName
}

// step finds the one step whose name contains all the parts.
func step(t *testing.T, vs map[string]*vertex, parts ...string) *vertex {
	t.Helper()
	var found *vertex
	for name, v := range vs {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(name, p)
		}
		if ok {
			if found != nil {
				t.Fatalf("two steps match %q: %q and %q", parts, found.Name, name)
			}
			found = v
		}
	}
	if found == nil {
		var names []string
		for n := range vs {
			names = append(names, n)
		}
		t.Fatalf("no step matches %q among %q", parts, names)
	}
	return found
}

// ran tells whether a step really executed (not taken from the cache).
func (v *vertex) ran() bool { return v.Started && !v.Cached }

// emulationOff asserts that no aarch64 binfmt handler is enabled, so that a
// build that succeeds did not use QEMU.
func emulationOff(t *testing.T) {
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

// writeFiles writes files (path → content) under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
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

// copyDir copies an example into a temporary directory the test may edit.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	mustRun(t, "cp", "-a", filepath.Join(root, src)+"/.", dst)
	return dst
}
