package zigcc

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A target with a sysroot compiles against the sysroot's headers and
// links its libraries (by soname, as Debian's are), through pkg-config as a -sys crate would; glibc's
// headers stay zig's (the sysroot's are read after them).
func TestSysrootHeadersLibrariesAndPkgConfig(t *testing.T) {
	if _, err := exec.LookPath("pkg-config"); err != nil {
		t.Skip("no pkg-config here")
	}
	zig, dir, src := realZig(t, "#include <stdio.h>\n#include <foo.h>\nint main(void) { printf(\"%d\\n\", foo()); return 0; }\n")
	tg, _ := For("aarch64-unknown-linux-gnu", "2.17")
	sys := filepath.Join(dir, "sysroot")
	tg.Sysroot = Sysroot{Dir: sys, Multiarch: "aarch64-linux-gnu"}
	libdir := filepath.Join(sys, "usr/lib/aarch64-linux-gnu")
	files := map[string]string{
		"usr/include/foo.h": "int foo(void);\n",
		// A glibc header of another release: zig's own must win.
		"usr/include/stdio.h":                        "#error the sysroot's stdio.h was read before zig's\n",
		"usr/lib/aarch64-linux-gnu/pkgconfig/foo.pc": "prefix=/usr\nlibdir=${prefix}/lib/aarch64-linux-gnu\nincludedir=${prefix}/include\nName: foo\nDescription: t\nVersion: 1\nLibs: -L${libdir} -lfoo\nCflags: -I${includedir}\n",
		"usr/lib/aarch64-linux-gnu/foo.c":            "int foo(void) { return 42; }\n",
	}
	for name, data := range files {
		p := filepath.Join(sys, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if b, err := exec.Command(zig, "cc", "-target", tg.Zig, "-shared", "-Wl,-soname,libfoo.so.1", "-o", filepath.Join(libdir, "libfoo.so"), filepath.Join(libdir, "foo.c")).CombinedOutput(); err != nil {
		t.Fatalf("libfoo: %v\n%s", err, b)
	}
	writeWrappers(t, dir, zig, tg)
	env := Env(dir, tg)
	pc := exec.Command(env["PKG_CONFIG_aarch64_unknown_linux_gnu"], "--cflags", "--libs", "foo")
	pc.Env = append(os.Environ(), "PKG_CONFIG_PATH=/nonexistent")
	flags, err := pc.Output()
	if err != nil {
		t.Fatalf("pkg-config wrapper: %v", err)
	}
	if !strings.Contains(string(flags), "-L"+libdir) {
		t.Errorf("pkg-config gave %q, not the sysroot's library directory", flags)
	}
	out := filepath.Join(dir, "uses-foo")
	args := append([]string{"-o", out, src}, strings.Fields(string(flags))...)
	if b, err := exec.Command(env["CC_aarch64_unknown_linux_gnu"], args...).CombinedOutput(); err != nil {
		t.Fatalf("compile: %v\n%s", err, b)
	}
	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if libs, _ := f.ImportedLibraries(); !slices.Contains(libs, "libfoo.so.1") {
		t.Errorf("needs %v, not libfoo.so.1", libs)
	}
}

// The wrapper without a sysroot passes no sysroot flags.
func TestNoSysrootNoFlags(t *testing.T) {
	tg, _ := For("aarch64-unknown-linux-gnu", "2.17")
	for name, dt := range Files("/w", "/zig/zig", tg) {
		if strings.Contains(string(dt), "idirafter") || strings.Contains(name, "pkg-config") {
			t.Errorf("%s: sysroot flags without a sysroot", name)
		}
	}
	if _, ok := Env("/w", tg)["PKG_CONFIG_aarch64_unknown_linux_gnu"]; ok {
		t.Error("a pkg-config wrapper without a sysroot")
	}
}
