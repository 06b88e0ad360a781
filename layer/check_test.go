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

// Every ELF file the packages add is checked against the image too: a
// package library whose own library is missing names both; files for
// another machine and files that are not ELF are left alone.
func TestCheckImageAddedFiles(t *testing.T) {
	hostLS(t)
	lib := "/usr/lib/x86_64-linux-gnu/"
	if _, err := os.Stat(lib + "libssl.so.3"); err != nil {
		t.Skip("needs libssl3 on the host")
	}
	root, added := t.TempDir(), t.TempDir()
	put := func(dir, to, from string) {
		t.Helper()
		dt, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Join(dir, filepath.Dir(to)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, to), dt, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	put(root, "usr/local/bin/ls", "/usr/bin/ls")
	for _, l := range []string{"libselinux.so.1", "libc.so.6", "libpcre2-8.so.0"} {
		put(root, "usr/lib/x86_64-linux-gnu/"+l, lib+l)
	}
	// The packages: libssl (in the image and in the added tree), a README,
	// and a file for another machine.
	for _, dir := range []string{root, added} {
		put(dir, "usr/lib/x86_64-linux-gnu/libssl.so.3", lib+"libssl.so.3")
		os.WriteFile(filepath.Join(dir, "usr/lib/README"), []byte("text"), 0o644)
		arm := []byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00\xb7\x00")
		os.WriteFile(filepath.Join(dir, "usr/lib/arm.so"), arm, 0o644)
	}
	c := CheckRequest{Root: root, Programs: []string{"/usr/local/bin/ls"}, Image: "base b and packages libssl3", Added: []Added{{Dir: added, At: "/"}}}
	_, err := CheckImage(c)
	if err == nil || !strings.Contains(err.Error(), "libcrypto.so.3, needed by /usr/lib/x86_64-linux-gnu/libssl.so.3") {
		t.Fatalf("a package library whose library the image lacks: %v", err)
	}
	put(root, "usr/lib/x86_64-linux-gnu/libcrypto.so.3", lib+"libcrypto.so.3")
	report, err := CheckImage(c)
	if err != nil || !strings.Contains(report, "checked /usr/local/bin/ls and the 1 ELF files it adds") {
		t.Fatalf("report %q, error %v", report, err)
	}
	// A venv's module, at its place in the image, in an image with no
	// programs of its own: the image's architecture says the machine.
	venv := t.TempDir()
	put(venv, "lib/python3.11/site-packages/ssl/_ssl.so", lib+"libssl.so.3")
	put(root, "opt/venv/lib/python3.11/site-packages/ssl/_ssl.so", lib+"libssl.so.3")
	py := CheckRequest{Root: root, Image: "base python", Arch: "amd64", Added: []Added{{Dir: venv, At: "/opt/venv"}}}
	if report, err := CheckImage(py); err != nil || !strings.Contains(report, "checked the 1 ELF files it adds") {
		t.Errorf("a venv's module: report %q, error %v", report, err)
	}
	os.Remove(filepath.Join(root, "usr/lib/x86_64-linux-gnu/libcrypto.so.3"))
	if _, err := CheckImage(py); err == nil || !strings.Contains(err.Error(), "libcrypto.so.3, needed by /opt/venv/lib/python3.11/site-packages/ssl/_ssl.so") {
		t.Errorf("a venv's module whose library the image lacks: %v", err)
	}
	if report, err := CheckImage(CheckRequest{Root: root, Image: "base python", Arch: "amd64"}); err != nil || !strings.Contains(report, "adds no ELF files") {
		t.Errorf("nothing to check: %q %v", report, err)
	}
}
