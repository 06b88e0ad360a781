package testenv

import (
	"archive/tar"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// WriteRoot writes an image's files to a new directory: regular files,
// directories and symbolic links (as they are, absolute ones too), so that
// its programs can be run against its own libraries.
func (img *Image) WriteRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	for name, f := range img.Files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		switch f.Header.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
		case tar.TypeSymlink:
			if err := os.Symlink(f.Header.Linkname, p); err != nil && !os.IsExist(err) {
				t.Fatal(err)
			}
		case tar.TypeReg:
			if err := os.WriteFile(p, f.Data, os.FileMode(f.Header.Mode)&0o755|0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	return root
}

// InRoot runs a program of an image written by WriteRoot with the
// image's own loader and libraries: natively for the machine's
// architecture (the loader given the image's library directories, as its
// ld.so.cache would), under qemu-aarch64-static with the root as its
// prefix for arm64 (a check of the result, not a build step).
func InRoot(root, arch, prog string, args ...string) *exec.Cmd {
	bin := filepath.Join(root, prog)
	if arch == runtime.GOARCH {
		multiarch := Multiarch[arch]
		loader := map[string]string{"amd64": "ld-linux-x86-64.so.2", "arm64": "ld-linux-aarch64.so.1"}[arch]
		dirs := []string{filepath.Join(root, "usr/lib", multiarch), filepath.Join(root, "lib", multiarch)}
		return exec.Command(filepath.Join(root, "usr/lib", multiarch, loader),
			append([]string{"--library-path", strings.Join(dirs, ":"), bin}, args...)...)
	}
	return exec.Command("qemu-aarch64-static", append([]string{"-L", root, bin}, args...)...)
}

// InChroot runs a program of an image written by WriteRoot in a chroot of
// it, in dir: absolute links (a venv's python) resolve inside the image.
// arm64 programs run under qemu-aarch64-static, copied into the root and
// named outright (a check of the result; binfmt may be off).
func InChroot(t *testing.T, root, arch, dir, prog string, args ...string) *exec.Cmd {
	t.Helper()
	argv := append([]string{prog}, args...)
	if arch != runtime.GOARCH {
		qemu, err := exec.LookPath("qemu-aarch64-static")
		if err != nil {
			t.Fatal(err)
		}
		dt, err := os.ReadFile(qemu)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "qemu-aarch64-static"), dt, 0o755); err != nil {
			t.Fatal(err)
		}
		argv = append([]string{"/qemu-aarch64-static"}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: root}
	cmd.Dir = dir // after the chroot
	return cmd
}
