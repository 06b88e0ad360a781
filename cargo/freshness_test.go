package cargo

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// clientTime is every checkout's file time: the same for all of them.
var clientTime = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// sources is a checkout as a client sends it: contents and file times.
type sources struct {
	t     *testing.T
	dir   string
	state string
}

func newSources(t *testing.T) *sources {
	root := t.TempDir()
	s := &sources{t: t, dir: filepath.Join(root, "src"), state: filepath.Join(root, "target", ".strata-sources")}
	for _, d := range []string{s.dir, filepath.Dir(s.state)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// write writes a file with a fixed client time, the same for every checkout.
func (s *sources) write(name, content string) {
	p := filepath.Join(s.dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		s.t.Fatal(err)
	}
	if err := os.Chtimes(p, clientTime, clientTime); err != nil {
		s.t.Fatal(err)
	}
}

// build runs the script as the build step does; ok says whether cargo
// succeeded.
func (s *sources) build(ok bool, skip ...string) {
	s.t.Helper()
	script := Freshness(s.state, skip)
	if ok {
		script += "\n" + FreshnessDone(s.state)
	}
	cmd := exec.Command("sh", "-ec", script)
	cmd.Dir = s.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		s.t.Fatalf("freshness: %v\n%s", err, out)
	}
}

// stale says whether cargo would see name as changed since any earlier build.
func (s *sources) stale(name string) bool {
	s.t.Helper()
	fi, err := os.Stat(filepath.Join(s.dir, name))
	if err != nil {
		s.t.Fatal(err)
	}
	return fi.ModTime().After(clientTime.Add(time.Hour))
}

func (s *sources) want(stale map[string]bool) {
	s.t.Helper()
	for name, want := range stale {
		if got := s.stale(name); got != want {
			s.t.Errorf("%s: stale = %v, want %v", name, got, want)
		}
	}
}

func TestFreshnessFollowsContent(t *testing.T) {
	s := newSources(t)
	s.write("src/main.rs", "fn main() { a() }")
	s.write("src/a.rs", "A")
	s.write("vendor/x/lib.rs", "x")
	s.build(true, "vendor")
	s.want(map[string]bool{"src/main.rs": true, "src/a.rs": true})
	if fi, err := os.Stat(filepath.Join(s.dir, "vendor/x/lib.rs")); err != nil || !fi.ModTime().Equal(clientTime) {
		t.Errorf("a skipped directory's file was touched: %v %v", fi.ModTime(), err)
	}

	s.build(true, "vendor") // nothing changed
	s.want(map[string]bool{"src/main.rs": false, "src/a.rs": false, "src": false})

	// Another checkout: other content, the same (old) client times.
	s.write("src/a.rs", "B")
	s.build(true, "vendor")
	s.want(map[string]bool{"src/main.rs": false, "src/a.rs": true})

	// A failed build leaves what changed unknown until a build succeeds,
	// even when the next checkout has the content of the last success.
	s.write("src/a.rs", "C")
	s.build(false, "vendor")
	s.write("src/a.rs", "B")
	s.build(true, "vendor")
	s.want(map[string]bool{"src/main.rs": false, "src/a.rs": true})

	// A removed file makes its directory new (build scripts watch them).
	if err := os.Remove(filepath.Join(s.dir, "src/a.rs")); err != nil {
		t.Fatal(err)
	}
	s.build(true, "vendor")
	s.want(map[string]bool{"src": true, "src/main.rs": false})
}

func TestFreshnessFollowsLinks(t *testing.T) {
	s := newSources(t)
	s.write("cfg/a.rs", "A")
	s.write("cfg/b.rs", "B")
	if err := os.Symlink("a.rs", filepath.Join(s.dir, "cfg/current.rs")); err != nil {
		t.Fatal(err)
	}
	s.build(true)
	s.build(true)
	s.want(map[string]bool{"cfg/a.rs": false, "cfg/b.rs": false})
	os.Remove(filepath.Join(s.dir, "cfg/current.rs"))
	if err := os.Symlink("b.rs", filepath.Join(s.dir, "cfg/current.rs")); err != nil {
		t.Fatal(err)
	}
	s.build(true)
	// cargo reads the link's target: it must look changed.
	s.want(map[string]bool{"cfg/current.rs": true, "cfg/a.rs": false})
}

func TestFreshnessWithoutStateOrOddNames(t *testing.T) {
	s := newSources(t)
	s.write("a.rs", "A")
	s.build(true)
	s.build(true)
	s.want(map[string]bool{"a.rs": false})
	os.Remove(s.state)
	s.build(true)
	s.want(map[string]bool{"a.rs": true})
	s.build(true)
	s.write("odd\nname.rs", "x")
	s.build(true)
	s.want(map[string]bool{"a.rs": true})
}
