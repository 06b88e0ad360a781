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
// with glibc 2.17, given cc-rs's --target, Rust's -lgcc_s and the build
// machine's -I/usr/include (pyaudio's setup.py names it).
func TestWrappersCompileForTheTarget(t *testing.T) {
	zig, dir, src := realZig(t, "#include <stdio.h>\n#include <math.h>\nint main(int c, char **v) { printf(\"%f\\n\", sqrt((double)c)); return 0; }\n")
	for rust, machine := range map[string]elf.Machine{"aarch64-unknown-linux-gnu": elf.EM_AARCH64, "x86_64-unknown-linux-gnu": elf.EM_X86_64} {
		tg, _ := For(rust, "2.17")
		writeWrappers(t, dir, zig, tg)
		out := filepath.Join(dir, "hello-"+rust)
		cmd := exec.Command(Env(dir, tg)["CC_"+strings.ReplaceAll(rust, "-", "_")], "--target="+rust, "-O2", "-I/usr/include", "-L/usr/lib", "-o", out, src, "-lm", "-lgcc_s", "-Wl,--no-undefined-version")
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

// GCC's -s strips a link (Go's -ldflags -s gives it to cgo's linker,
// with cgo's default -g), and zig drops it when -g is there too: the
// wrapper makes it --strip-all, and leaves a compile (-c) as it is.
func TestWrapperStripsOnDashS(t *testing.T) {
	zig, dir, src := realZig(t, "int main(void) { return 0; }\n")
	tg, _ := For("aarch64-unknown-linux-gnu", "2.17")
	writeWrappers(t, dir, zig, tg)
	cc := Env(dir, tg)["CC_aarch64_unknown_linux_gnu"]
	for _, c := range []struct {
		args  []string
		strip bool
	}{{[]string{"-g"}, false}, {[]string{"-s", "-g", "-O2"}, true}} {
		out := filepath.Join(dir, "prog")
		args := append([]string{"-o", out, src}, c.args...)
		if b, err := exec.Command(cc, args...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, b)
		}
		f, err := elf.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.Section(".symtab") == nil; got != c.strip {
			t.Errorf("%v: stripped %v", args, got)
		}
		f.Close()
	}
	obj := filepath.Join(dir, "o.o")
	if b, err := exec.Command(cc, "-c", "-s", "-o", obj, src).CombinedOutput(); err != nil || strings.Contains(string(b), "strip-all") {
		t.Errorf("a compile with -s: %v\n%s", err, b)
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
	got = strings.Join(WarmArgs(gnu, Link{Shared: true, Driver: true}, "w.c", "w"), " ")
	if got != "cc -target x86_64-linux-gnu.2.28 -o w w.c -shared" {
		t.Errorf("gnu shared, a C driver's link: %s", got)
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

// TestWarmUpServesExtensionLink: after a C driver's warm-up link, the link
// setuptools makes of a Python extension module through the wrapper
// (LDSHARED="$CC -shared", objects compiled with -g -O2 -fPIC) builds no
// library again.
func TestWarmUpServesExtensionLink(t *testing.T) {
	zig, dir, src := realZig(t, WarmSource)
	cache := filepath.Join(dir, "fresh-cache")
	t.Setenv("ZIG_GLOBAL_CACHE_DIR", cache)
	t.Setenv("ZIG_LOCAL_CACHE_DIR", cache)
	tg, _ := For("aarch64-unknown-linux-gnu", "2.36")
	warm := exec.Command(zig, WarmArgs(tg, Link{Shared: true, Driver: true}, src, filepath.Join(dir, "warm.so"))...)
	warm.Dir = dir
	if b, err := warm.CombinedOutput(); err != nil {
		t.Fatalf("warm-up: %v\n%s", err, b)
	}
	before := libraries(t, cache)
	writeWrappers(t, dir, zig, tg)
	cc := Env(dir, tg)["CC_aarch64_unknown_linux_gnu"]
	obj, ext := filepath.Join(dir, "ext.o"), filepath.Join(dir, "_ext.cpython-311-aarch64-linux-gnu.so")
	for _, args := range [][]string{
		{"-DNDEBUG", "-g", "-fwrapv", "-O2", "-Wall", "-fPIC", "-I/usr/include", "-c", src, "-o", obj},
		{"-shared", obj, "-L/usr/local/lib", "-L/usr/lib", "-lm", "-o", ext},
	} {
		c := exec.Command(cc, args...)
		c.Dir = dir
		if b, err := c.CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, b)
		}
	}
	for lib := range libraries(t, cache) {
		if !before[lib] {
			t.Errorf("the extension's link built %s again", lib)
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

// A cpuCase is one compile (-c) through a target's cc wrapper: the
// -march/-mcpu flags a crate passes, and a source whose #error lines or
// instructions only pass with what the flags mean to GCC and clang.
type cpuCase struct {
	name  string
	flags []string
	file  string // a file name: its extension says C or assembler
	src   string
}

// runCPUCases compiles each case with the target's wrapper and checks the
// object is there and built for the machine.
func runCPUCases(t *testing.T, rust string, machine elf.Machine, cases []cpuCase) {
	t.Helper()
	zig, dir, _ := realZig(t, "")
	tg, err := For(rust, "2.17")
	if err != nil {
		t.Fatal(err)
	}
	writeWrappers(t, dir, zig, tg)
	cc := Env(dir, tg)["CC_"+strings.ReplaceAll(rust, "-", "_")]
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sub := filepath.Join(dir, strconv.Itoa(i))
			if err := os.Mkdir(sub, 0o755); err != nil {
				t.Fatal(err)
			}
			src, obj := filepath.Join(sub, c.file), filepath.Join(sub, "out.o")
			if err := os.WriteFile(src, []byte(c.src), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(cc, append(append([]string{"-c", "-O2"}, c.flags...), "-o", obj, src)...)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s %s: %v\n%s", strings.Join(c.flags, " "), c.file, err, b)
			}
			f, err := elf.Open(obj)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if f.Type != elf.ET_REL || f.Machine != machine {
				t.Errorf("%s: %v for %v, want an object for %v", c.file, f.Type, f.Machine, machine)
			}
		})
	}
}

// macros is a C source that compiles only if each macro in want is defined
// and each in not is not.
func macros(want, not []string) string {
	var b strings.Builder
	for _, m := range want {
		b.WriteString("#ifndef " + m + "\n#error \"" + m + " is not defined\"\n#endif\n")
	}
	for _, m := range not {
		b.WriteString("#ifdef " + m + "\n#error \"" + m + " is defined\"\n#endif\n")
	}
	return b.String() + "int f(int x) { return x + 1; }\n"
}

// TestWrapperTranslatesAarch64CPUFlags: zig 0.11 takes -march=armv8-a+crypto
// for a CPU named armv8 ("unknown CPU"); sha2's asm feature passes it to
// its .S files, libz-ng-sys passes -march=armv8-a+crc. The wrapper gives
// zig the CPU and features in its own spelling, and the assembler (zig
// gives it no CPU features) the extensions.
func TestWrapperTranslatesAarch64CPUFlags(t *testing.T) {
	const (
		shaS = "\t.text\n\t.globl f\nf:\n\tsha256h q0, q1, v2.4s\n\taese v0.16b, v1.16b\n\tret\n"
		crcS = "\t.text\n\t.globl f\nf:\n\tcrc32cx w0, w0, x1\n\tret\n"
		lseS = "\t.text\n\t.globl f\nf:\n\tldadd x0, x1, [x2]\n\tret\n"
		rdmS = "\t.text\n\t.globl f\nf:\n\tsqrdmlah v0.4s, v1.4s, v2.4s\n\tret\n"
		sh3S = "\t.text\n\t.globl f\nf:\n\teor3 v0.16b, v1.16b, v2.16b, v3.16b\n\tsm4e v0.4s, v1.4s\n\tret\n"
	)
	cryptoC := "#include <arm_neon.h>\n" + macros([]string{"__ARM_FEATURE_AES", "__ARM_FEATURE_SHA2"}, nil) +
		"uint32x4_t h(uint32x4_t a, uint32x4_t b, uint32x4_t c) { return vsha256hq_u32(a, b, c); }\n" +
		"uint8x16_t e(uint8x16_t d, uint8x16_t k) { return vaeseq_u8(d, k); }\n"
	crcC := "#include <arm_acle.h>\n" + macros([]string{"__ARM_FEATURE_CRC32"}, []string{"__ARM_FEATURE_AES"}) +
		"uint32_t c(uint32_t a, uint64_t b) { return __crc32cd(a, b); }\n"
	baseline := macros([]string{"__ARM_NEON"}, []string{"__ARM_FEATURE_CRC32", "__ARM_FEATURE_AES", "__ARM_FEATURE_ATOMICS"})
	runCPUCases(t, "aarch64-unknown-linux-gnu", elf.EM_AARCH64, []cpuCase{
		{"sha2-asm", []string{"-march=armv8-a+crypto"}, "sha256_aarch64.S", shaS},
		{"crypto intrinsics", []string{"-march=armv8-a+crypto"}, "crypto.c", cryptoC},
		{"libz-ng crc asm", []string{"-march=armv8-a+crc"}, "crc.S", crcS},
		{"libz-ng crc intrinsics", []string{"-march=armv8-a+crc"}, "crc.c", crcC},
		{"crypto and crc asm", []string{"-march=armv8-a+crypto+crc"}, "crc.S", crcS},
		{"armv8.1-a is lse asm", []string{"-march=armv8.1-a"}, "lse.S", lseS},
		{"armv8.2-a+crypto", []string{"-march=armv8.2-a+crypto"}, "v82.c",
			macros([]string{"__ARM_FEATURE_ATOMICS", "__ARM_FEATURE_QRDMX", "__ARM_FEATURE_CRC32", "__ARM_FEATURE_AES", "__ARM_FEATURE_SHA2"},
				[]string{"__ARM_FEATURE_SHA3", "__ARM_FEATURE_DOTPROD"})},
		{"armv8.2-a+dotprod+fp16", []string{"-march=armv8.2-a+dotprod+fp16"}, "v82.c",
			macros([]string{"__ARM_FEATURE_DOTPROD", "__ARM_FEATURE_FP16_SCALAR_ARITHMETIC"}, []string{"__ARM_FEATURE_AES"})},
		{"crypto from armv8.4-a has sha3 and sm4", []string{"-march=armv8.4-a+crypto"}, "v84.c",
			macros([]string{"__ARM_FEATURE_SHA3", "__ARM_FEATURE_SM4", "__ARM_FEATURE_SHA2"}, nil)},
		{"crypto from armv8.4-a has sha3 and sm4 asm", []string{"-march=armv8.4-a+crypto"}, "sha3.S", sh3S},
		{"armv9-a", []string{"-march=armv9-a"}, "v9.c", macros([]string{"__ARM_FEATURE_SVE2"}, nil)},
		{"GCC's rdma asm", []string{"-march=armv8-a+rdma"}, "rdm.S", rdmS},
		// clang 16 defines __ARM_FEATURE_QRDMX from armv8.1-a only: this is
		// zig knowing GCC's name.
		{"GCC's rdma", []string{"-march=armv8-a+rdma"}, "rdm.c", macros([]string{"__ARM_NEON"}, nil)},
		{"mcpu cpu", []string{"-mcpu=cortex-a72"}, "a72.c", macros([]string{"__ARM_FEATURE_CRC32", "__ARM_FEATURE_AES"}, nil)},
		{"mcpu cpu without crypto", []string{"-mcpu=cortex-a72+nocrypto"}, "a72.c",
			macros([]string{"__ARM_FEATURE_CRC32"}, []string{"__ARM_FEATURE_AES", "__ARM_FEATURE_SHA2", "__ARM_FEATURE_CRYPTO"})},
		{"the last extension wins", []string{"-mcpu=cortex-a72+nocrypto+aes"}, "a72.c",
			macros([]string{"__ARM_FEATURE_AES"}, []string{"__ARM_FEATURE_SHA2"})},
		{"mcpu features asm", []string{"-mcpu=generic+crypto"}, "sha256_aarch64.S", shaS},
		{"mcpu cpu and features asm", []string{"-mcpu=neoverse-n1+crc"}, "crc.S", crcS},
		{"native, mtune are not the target's", []string{"-march=native", "-mcpu=native", "-mtune=native", "-mtune=cortex-a72"}, "native.c", baseline},
		{"-Xassembler's -march is the assembler's", []string{"-Xassembler", "-march=armv8-a+crypto"}, "sha256_aarch64.S", shaS},
	})
}

// TestWrapperTranslatesX86CPUFlags: zig 0.11 reads -march, -mcpu and -mtune
// alike as its -mcpu, with _ in names and a - meaning "without a feature":
// -march=x86-64-v2 is refused, -mtune=haswell turns AVX2 on, and native is
// the build machine's CPU.
func TestWrapperTranslatesX86CPUFlags(t *testing.T) {
	baseline := macros([]string{"__SSE2__"}, []string{"__SSE3__", "__SSE4_2__", "__AVX__", "__AVX2__"})
	runCPUCases(t, "x86_64-unknown-linux-gnu", elf.EM_X86_64, []cpuCase{
		{"x86-64", []string{"-march=x86-64"}, "v1.c", baseline},
		{"x86-64-v2", []string{"-march=x86-64-v2"}, "v2.c", macros([]string{"__SSE4_2__", "__POPCNT__"}, []string{"__AVX__"})},
		{"x86-64-v3", []string{"-march=x86-64-v3"}, "v3.c", macros([]string{"__AVX2__", "__FMA__", "__BMI2__"}, []string{"__AVX512F__"})},
		{"x86-64-v4", []string{"-march=x86-64-v4"}, "v4.c", macros([]string{"__AVX512F__", "__AVX512BW__"}, nil)},
		{"haswell", []string{"-march=haswell"}, "hsw.c", macros([]string{"__AVX2__"}, []string{"__AVX512F__"})},
		{"skylake-avx512 is a CPU", []string{"-march=skylake-avx512"}, "skx.c", macros([]string{"__AVX512F__"}, nil)},
		{"core-avx2", []string{"-march=core-avx2"}, "hsw.c", macros([]string{"__AVX2__"}, nil)},
		{"native is not the build machine's", []string{"-march=native"}, "native.c", baseline},
		{"tuning is not codegen", []string{"-mtune=haswell", "-mtune=generic", "-mtune=native", "-mcpu=haswell"}, "tune.c", baseline},
		{"asm", []string{"-march=x86-64-v3"}, "avx2.S", "\t.text\n\t.globl f\nf:\n\tvpaddd %ymm0, %ymm1, %ymm2\n\tsha256rnds2 %xmm0, %xmm1, %xmm2\n\tret\n"},
	})
}
