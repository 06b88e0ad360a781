package layer

import (
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strata-build/strata/facts"
)

// bigLSRoot is a root holding ls and its libraries from this machine, one
// library with extra random (incompressible) bytes after its ELF content.
func bigLSRoot(t *testing.T, extra int64) (root string, total int64) {
	t.Helper()
	hostLS(t)
	root = t.TempDir()
	const lib = "/usr/lib/x86_64-linux-gnu/"
	for _, f := range []string{"/usr/bin/ls", lib + "libselinux.so.1", lib + "libpcre2-8.so.0.11.2"} {
		dt, err := os.ReadFile(f)
		if err != nil {
			t.Skip(err)
		}
		if strings.Contains(f, "pcre2") {
			tail := make([]byte, extra)
			rand.Read(tail)
			dt = append(dt, tail...)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, f), dt, 0o755); err != nil {
			t.Fatal(err)
		}
		total += int64(len(dt))
	}
	if err := os.Symlink("libpcre2-8.so.0.11.2", filepath.Join(root, lib+"libpcre2-8.so.0")); err != nil {
		t.Fatal(err)
	}
	return root, total
}

// countReads counts the bytes read from the files of the layers archived.
func countReads(t *testing.T) *atomic.Int64 {
	var n atomic.Int64
	testHookRead = func(k int) { n.Add(int64(k)) }
	t.Cleanup(func() { testHookRead = nil })
	return &n
}

// A layer over the unzipped limit fails before anything is compressed; one
// over the zipped limit as soon as its compressed bytes pass it. Neither
// leaves a file.
func TestBuildOverLimitStopsEarly(t *testing.T) {
	root, total := bigLSRoot(t, 32<<20)
	for _, tc := range []struct {
		name                string
		maxZipped, maxUnzip int64
		want                string
		maxRead             int64
	}{
		{"unzipped", 0, 4 << 20, "unpacked, over the limit of 4.0 MiB", 0},
		{"zipped", 1 << 20, 0, "compressed, over the limit of 1.0 MiB", total / 4},
	} {
		for _, format := range []string{facts.Zip, facts.TarGz} {
			t.Run(tc.name+"/"+format, func(t *testing.T) {
				read := countReads(t)
				out := t.TempDir()
				start := time.Now()
				_, report, err := Build(BuildOptions{Options: Options{Root: root, Binaries: []string{"ls"},
					Profile: Custom("2.36", nil, tc.maxZipped, tc.maxUnzip)}, Name: "ls", Format: format, Out: out})
				t.Logf("failed in %s after reading %d of %d bytes: %v", time.Since(start), read.Load(), total, err)
				if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "lib/libpcre2-8.so.0.11.2") {
					t.Fatalf("over the limit: %v", err)
				}
				if !strings.Contains(report, "largest files:") {
					t.Errorf("report:\n%s", report)
				}
				if n := read.Load(); n > tc.maxRead {
					t.Errorf("%d of %d bytes were read to be compressed, want at most %d", n, total, tc.maxRead)
				}
				if entries, _ := os.ReadDir(out); len(entries) != 0 {
					t.Errorf("files were written over the limit: %v", entries)
				}
			})
		}
	}
}

// Within the limits nothing changes: the same archive as without them.
func TestLimitsKeepTheArchive(t *testing.T) {
	root, _ := bigLSRoot(t, 1<<20)
	var sums []string
	for _, p := range []Profile{Custom("2.36", nil, 0, 0), Custom("2.36", nil, 8<<20, 8<<20)} {
		m, _, err := Build(BuildOptions{Options: Options{Root: root, Binaries: []string{"ls"}, Profile: p},
			Name: "ls", Format: facts.Zip, Out: t.TempDir(), MTime: time.Unix(1700000000, 0)})
		if err != nil {
			t.Fatal(err)
		}
		sums = append(sums, m.SHA256)
	}
	if sums[0] != sums[1] {
		t.Errorf("the limits changed the archive: %v", sums)
	}
}

// The writer stops within the limit: what it wrote is never past it.
func TestArchiveWriterStopsAtLimit(t *testing.T) {
	root, total := bigLSRoot(t, 16<<20)
	l, err := Assemble(Options{Root: root, Binaries: []string{"ls"}, Profile: Custom("2.36", nil, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{facts.Zip, facts.TarGz} {
		read := countReads(t)
		var written countingWriter
		err := l.writeArchive(&written, root, format, time.Unix(0, 0), &budget{max: 1 << 20})
		over, ok := err.(*overZipped)
		if !ok || over.atLeast <= 1<<20 {
			t.Fatalf("%s: %v", format, err)
		}
		if written > 1<<20 || read.Load() > total/4 {
			t.Errorf("%s: %d bytes written, %d of %d read", format, written, read.Load(), total)
		}
	}
}

type countingWriter int64

func (w *countingWriter) Write(p []byte) (int, error) {
	*w += countingWriter(len(p))
	return len(p), nil
}

var _ io.Writer = (*countingWriter)(nil)
