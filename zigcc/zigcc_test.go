package zigcc

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestFor(t *testing.T) {
	for rust, want := range map[string]string{
		"aarch64-unknown-linux-gnu":  "aarch64-linux-gnu.2.17",
		"x86_64-unknown-linux-gnu":   "x86_64-linux-gnu.2.17",
		"aarch64-unknown-linux-musl": "aarch64-linux-musl",
	} {
		if got, err := For(rust, "2.17"); err != nil || got.Zig != want {
			t.Errorf("%s: %v %v", rust, got, err)
		}
	}
	for _, bad := range []string{"riscv64gc-unknown-linux-gnu", "aarch64-apple-darwin", "x86_64"} {
		if _, err := For(bad, "2.17"); err == nil || !strings.Contains(err.Error(), "not") {
			t.Errorf("%s: %v", bad, err)
		}
	}
	if _, err := For("x86_64-unknown-linux-gnu", "latest"); err == nil {
		t.Error("a bad glibc floor passed")
	}
}

func TestEnv(t *testing.T) {
	tg, _ := For("aarch64-unknown-linux-gnu", "2.17")
	env := Env("/strata/zig", tg)
	if env["CC_aarch64_unknown_linux_gnu"] != "/strata/zig/cc-aarch64-unknown-linux-gnu" ||
		env["CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER"] != "/strata/zig/cc-aarch64-unknown-linux-gnu" ||
		env["AR_aarch64_unknown_linux_gnu"] != "/strata/zig/ar-aarch64-unknown-linux-gnu" {
		t.Errorf("env = %v", env)
	}
}

// TestWrappersCompileForTheTarget runs the wrappers with a real zig (the
// npm package hack/dev-env installs, STRATA_ZIG): a C program for aarch64
// with glibc 2.17, given cc-rs's --target and Rust's -lgcc_s.
func TestWrappersCompileForTheTarget(t *testing.T) {
	zig, dir, src := realZig(t, "#include <stdio.h>\n#include <math.h>\nint main(int c, char **v) { printf(\"%f\\n\", sqrt((double)c)); return 0; }\n")
	for rust, machine := range map[string]elf.Machine{"aarch64-unknown-linux-gnu": elf.EM_AARCH64, "x86_64-unknown-linux-gnu": elf.EM_X86_64} {
		tg, _ := For(rust, "2.17")
		writeWrappers(t, dir, zig, tg)
		out := filepath.Join(dir, "hello-"+rust)
		cmd := exec.Command(Env(dir, tg)["CC_"+strings.ReplaceAll(rust, "-", "_")], "--target="+rust, "-O2", "-o", out, src, "-lm", "-lgcc_s", "-Wl,--no-undefined-version")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", rust, err, b)
		}
		f, err := elf.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		if f.Machine != machine {
			t.Errorf("%s: built for %v", rust, f.Machine)
		}
		syms, _ := f.ImportedSymbols()
		for _, s := range syms {
			if v, ok := strings.CutPrefix(s.Version, "GLIBC_2."); ok {
				minor, _ := strconv.Atoi(strings.SplitN(v, ".", 2)[0])
				if minor > 17 {
					t.Errorf("%s: %s needs %s, above the 2.17 floor", rust, s.Name, s.Version)
				}
			}
		}
		f.Close()
	}
}

// TestMuslWrapperLinksStatically: rustc hands musl links its own start
// files (self-contained/crt1.o ...); the wrapper leaves them out for zig's
// and the program comes out static, running here without a loader.
func TestMuslWrapperLinksStatically(t *testing.T) {
	zig, dir, src := realZig(t, "#include <stdio.h>\nint main(void) { puts(\"static hello\"); return 0; }\n")
	tg, _ := For("x86_64-unknown-linux-musl", "")
	writeWrappers(t, dir, zig, tg)
	crt := "/usr/local/rustup/toolchains/x/lib/rustlib/x86_64-unknown-linux-musl/lib/self-contained/"
	out := filepath.Join(dir, "hello")
	cmd := exec.Command(Env(dir, tg)["CC_x86_64_unknown_linux_musl"], crt+"crt1.o", crt+"crti.o", crt+"crtbegin.o",
		"-o", out, src, "-lgcc_s", crt+"crtend.o", crt+"crtn.o")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the musl program has an interpreter: not static")
		}
	}
	if b, err := exec.Command(out).CombinedOutput(); err != nil || string(b) != "static hello\n" {
		t.Errorf("run: %v %q", err, b)
	}
}

// realZig is the zig hack/dev-env installs (STRATA_ZIG), a directory for
// the test, and a C source with the text given in it. zig's cache is
// STRATA_ZIG_CACHE, kept between runs by hack/dev-env (zig builds a
// target's libc once, and musl's takes minutes), or a fresh directory.
func realZig(t *testing.T, csrc string) (zig, dir, src string) {
	zig = os.Getenv("STRATA_ZIG")
	if zig == "" {
		t.Skip("STRATA_ZIG is not set (hack/dev-env env sets it)")
	}
	dir = t.TempDir()
	src = filepath.Join(dir, "hello.c")
	if err := os.WriteFile(src, []byte(csrc), 0o644); err != nil {
		t.Fatal(err)
	}
	cache := os.Getenv("STRATA_ZIG_CACHE")
	if cache == "" {
		cache = filepath.Join(dir, "cache")
	}
	t.Setenv("ZIG_GLOBAL_CACHE_DIR", cache)
	t.Setenv("ZIG_LOCAL_CACHE_DIR", cache)
	return zig, dir, src
}

func TestWarmArgs(t *testing.T) {
	musl, _ := For("aarch64-unknown-linux-musl", "")
	got := strings.Join(WarmArgs(musl, Link{Strip: true}, "w.c", "w"), " ")
	if got != "cc -target aarch64-linux-musl -nodefaultlibs -o w w.c -static-pie -Wl,--strip-debug -lc" {
		t.Errorf("musl: %s", got)
	}
	gnu, _ := For("x86_64-unknown-linux-gnu", "2.28")
	got = strings.Join(WarmArgs(gnu, Link{Shared: true}, "w.c", "w"), " ")
	if got != "cc -target x86_64-linux-gnu.2.28 -nodefaultlibs -o w w.c -shared -lunwind -lc" {
		t.Errorf("gnu shared: %s", got)
	}
}

// TestWarmUpServesRustcsLink: after a warm-up link, a link through the
// wrapper with the flags rustc gives a release build script builds no
// library again. zig's key for them is easy to miss: -pie and stripping
// both change it. A fresh cache: a few seconds.
func TestWarmUpServesRustcsLink(t *testing.T) {
	zig, dir, src := realZig(t, WarmSource)
	cache := filepath.Join(dir, "fresh-cache")
	t.Setenv("ZIG_GLOBAL_CACHE_DIR", cache)
	t.Setenv("ZIG_LOCAL_CACHE_DIR", cache)
	work := filepath.Join(dir, "src")
	if err := os.Mkdir(work, 0o755); err != nil {
		t.Fatal(err)
	}
	tg, _ := For("x86_64-unknown-linux-gnu", "2.17")
	warm := exec.Command(zig, WarmArgs(tg, Link{Strip: true}, src, filepath.Join(dir, "warm"))...)
	warm.Dir = work
	if b, err := warm.CombinedOutput(); err != nil {
		t.Fatalf("warm-up: %v\n%s", err, b)
	}
	before := libraries(t, cache)
	if len(before) < 4 {
		t.Fatalf("the warm-up left %d libraries: %v", len(before), before)
	}
	writeWrappers(t, dir, zig, tg)
	link := exec.Command(Env(dir, tg)["CC_x86_64_unknown_linux_gnu"], "-m64", src, "-Wl,--as-needed", "-Wl,-Bstatic", "-Wl,-Bdynamic",
		"-lgcc_s", "-lutil", "-lrt", "-lpthread", "-lm", "-ldl", "-lc", "-Wl,--eh-frame-hdr", "-Wl,-z,noexecstack",
		"-o", filepath.Join(dir, "build_script_build"), "-Wl,--gc-sections", "-pie", "-Wl,-z,relro,-z,now", "-Wl,--strip-debug", "-nodefaultlibs")
	link.Dir = work
	if b, err := link.CombinedOutput(); err != nil {
		t.Fatalf("link: %v\n%s", err, b)
	}
	for lib := range libraries(t, cache) {
		if !before[lib] {
			t.Errorf("rustc's link built %s again", lib)
		}
	}
}

// writeWrappers writes a target's wrapper scripts into dir.
func writeWrappers(t *testing.T, dir, zig string, tg Target) {
	t.Helper()
	for name, dt := range Files(dir, zig, tg) {
		if err := os.WriteFile(name, dt, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// libraries are the libraries, libc stubs and start files in a zig cache,
// by path.
func libraries(t *testing.T, cache string) map[string]bool {
	t.Helper()
	libs := map[string]bool{}
	filepath.WalkDir(filepath.Join(cache, "o"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".a") || strings.Contains(d.Name(), ".so") || strings.HasPrefix(d.Name(), "crt") || d.Name() == "Scrt1.o") {
			libs[p] = true
		}
		return nil
	})
	return libs
}
