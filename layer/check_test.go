package layer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An image's programs are checked as a layer's are: their libraries are
// found in the image and reported; a library the image lacks, or one that
// needs a newer glibc than the spec's floor, is an error naming it.
func TestCheckImage(t *testing.T) {
	hostLS(t)
	c := CheckRequest{Root: "/", Programs: []string{"/usr/bin/ls"}, Glibc: "2.99", Image: "base test"}
	report, err := CheckImage(c)
	if err != nil || !strings.Contains(report, "libselinux.so.1 from /usr/lib/x86_64-linux-gnu/libselinux.so.1, needed by /usr/bin/ls") {
		t.Fatalf("report %q, error %v", report, err)
	}
	c.Floor, c.FloorKey = "2.17", "apps.web.rust.glibc"
	_, err = CheckImage(c)
	if err == nil || !strings.Contains(err.Error(), "apps.web.rust.glibc, the glibc floor") || !strings.Contains(err.Error(), "libselinux.so.1: ") {
		t.Errorf("a library above the floor: %v", err)
	}
	root := t.TempDir()
	dt, err := os.ReadFile("/usr/bin/ls")
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(root, "usr/local/bin"), 0o755)
	os.WriteFile(filepath.Join(root, "usr/local/bin/ls"), dt, 0o755)
	_, err = CheckImage(CheckRequest{Root: root, Programs: []string{"/usr/local/bin/ls"}, Image: "base scratch"})
	if err == nil || !strings.Contains(err.Error(), "missing libraries (not in the image: base scratch)") ||
		!strings.Contains(err.Error(), "libselinux.so.1, needed by /usr/local/bin/ls") {
		t.Errorf("a library the image lacks: %v", err)
	}
}
