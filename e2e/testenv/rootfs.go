package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// DebianRoot is the Debian root filesystem hack/dev-env debootstrapped for
// arch; tests read it and never write to it.
func DebianRoot(arch string) string {
	cache := os.Getenv("STRATA_CACHE")
	if cache == "" {
		cache = filepath.Join(os.Getenv("HOME"), ".cache/strata")
	}
	return filepath.Join(cache, "rootfs", "bookworm-"+arch)
}

// RuntimeRoot is a stand-in for a function runtime, in a directory of the
// test: only the files of libc6 from DebianRoot, so that every other
// library must come from a layer.
func RuntimeRoot(t *testing.T, arch string) string {
	t.Helper()
	src := DebianRoot(arch)
	lists, _ := filepath.Glob(filepath.Join(src, "var/lib/dpkg/info/libc6*.list"))
	if len(lists) != 1 {
		t.Fatalf("no libc6 file list in the %s rootfs from hack/dev-env: %v", arch, lists)
	}
	dt, err := os.ReadFile(lists[0])
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "root")
	for _, d := range []string{"tmp", "opt", "usr/lib", "usr/bin"} {
		os.MkdirAll(filepath.Join(dst, d), 0o755)
	}
	// The merged-/usr links of Debian, then libc6's files.
	for _, l := range []string{"lib", "lib64", "bin", "sbin"} {
		if target, err := os.Readlink(filepath.Join(src, l)); err == nil {
			os.MkdirAll(filepath.Join(dst, target), 0o755)
			os.Symlink(target, filepath.Join(dst, l))
		}
	}
	for _, p := range strings.Split(strings.TrimSpace(string(dt)), "\n") {
		fi, err := os.Lstat(filepath.Join(src, p))
		if err != nil || fi.IsDir() {
			continue
		}
		os.MkdirAll(filepath.Dir(filepath.Join(dst, p)), 0o755)
		if out, err := exec.Command("cp", "-a", filepath.Join(src, p), filepath.Join(dst, p)).CombinedOutput(); err != nil {
			t.Fatalf("copying %s: %v %s", p, err, out)
		}
	}
	return dst
}

// ShellRoot is RuntimeRoot with /bin/sh (dash): function runtimes have
// one, which the layers' wrappers need.
func ShellRoot(t *testing.T, arch string) string {
	t.Helper()
	root := RuntimeRoot(t, arch)
	MustRun(t, "cp", "-a", filepath.Join(DebianRoot(arch), "usr/bin/dash"), filepath.Join(root, "usr/bin/dash"))
	if err := os.Symlink("dash", filepath.Join(root, "usr/bin/sh")); err != nil {
		t.Fatal(err)
	}
	return root
}

// A Manifest is the report a layer build writes beside its archive.
type Manifest struct {
	SHA256           string            `json:"sha256"`
	Machine          string            `json:"machine"`
	Glibc            string            `json:"glibc"`
	CompressedSize   int64             `json:"compressed_size"`
	UncompressedSize int64             `json:"uncompressed_size"`
	Env              map[string]string `json:"env"`
	Files            []struct {
		Path string `json:"path"`
		Link string `json:"link"`
		Size int64  `json:"size"`
	} `json:"files"`
}

// ReadManifest reads a layer's manifest.
func ReadManifest(t *testing.T, path string) *Manifest {
	t.Helper()
	var m Manifest
	ReadJSON(t, path, &m)
	return &m
}

// A Layer is a function layer unzipped at /opt of a root filesystem that
// stands in for its runtime.
type Layer struct {
	Root, Arch string
	Manifest   *Manifest
}

// UnpackLayer unzips a layer's archive at /opt of root.
func UnpackLayer(t *testing.T, zipPath, root, arch string, m *Manifest) *Layer {
	t.Helper()
	Unzip(t, zipPath, filepath.Join(root, "opt"))
	return &Layer{Root: root, Arch: arch, Manifest: m}
}

// Command runs a program of the layer with only PATH and LD_LIBRARY_PATH
// set, as a function runtime would: on the machine's own architecture its
// bin/ entry in a chroot; otherwise (under qemu-aarch64-static, a check of
// the result only) the program itself (libexec/ when bin/ holds a wrapper,
// which qemu-user cannot start) with the manifest's environment, paths
// below /opt/ and arguments below /tmp/ read as the root's, since qemu's
// -L does not redirect every path a program opens.
func (l *Layer) Command(prog string, args ...string) *exec.Cmd {
	if l.Arch == runtime.GOARCH {
		c := exec.Command("chroot", append([]string{l.Root, "/opt/bin/" + prog}, args...)...)
		c.Env = []string{"PATH=/opt/bin", "LD_LIBRARY_PATH=/opt/lib"}
		return c
	}
	qargs := []string{"-L", l.Root, "-E", "LD_LIBRARY_PATH=/opt/lib"}
	for k, v := range l.Manifest.Env {
		qargs = append(qargs, "-E", k+"="+strings.ReplaceAll(v, "/opt/", filepath.Join(l.Root, "opt")+"/"))
	}
	path := filepath.Join(l.Root, "opt/libexec", prog)
	if _, err := os.Stat(path); err != nil {
		path = filepath.Join(l.Root, "opt/bin", prog)
	}
	qargs = append(qargs, path)
	for _, a := range args {
		if strings.HasPrefix(a, "/tmp/") {
			a = filepath.Join(l.Root, a)
		}
		qargs = append(qargs, a)
	}
	return exec.Command("qemu-aarch64-static", qargs...)
}

// Run runs Command and returns its output; the test fails when it fails.
func (l *Layer) Run(t *testing.T, prog string, args ...string) string {
	t.Helper()
	c := l.Command(prog, args...)
	out, err := c.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", l.Arch, strings.Join(c.Args, " "), err, Tail(string(out), 20))
	}
	return string(out)
}
