// Package zigcc makes zig the C compiler, C++ compiler, archiver and
// linker of a Rust target, on the build platform: small wrapper scripts,
// written as files, and the environment cargo and cc-rs read them from.
// A glibc floor (aarch64-linux-gnu.2.17) makes the binaries run on old
// distributions; zig brings the target's libc headers and stubs itself, so
// no sysroot and no emulator is needed.
package zigcc

import (
	"fmt"
	"path"
	"strings"

	"github.com/strata-build/strata/facts"
	"github.com/strata-build/strata/shell"
)

// Target is one Rust target triple and the zig target it maps to.
type Target struct {
	Rust    string // x86_64-unknown-linux-gnu
	Zig     string // x86_64-linux-gnu.2.17
	Sysroot Sysroot
}

// Sysroot is the headers and libraries of the target's Debian packages
// (libssl-dev), unpacked on the build platform and mounted at Dir. zig
// still brings the C library: its headers come first, the sysroot's after
// them, so that the floor's glibc is what the program is compiled against.
type Sysroot struct {
	Dir       string // "" when the target has none
	Multiarch string // aarch64-linux-gnu: Debian's directory of the target's files
}

// LibcPackages are the Debian packages of the C library, which zig brings
// for the target itself: a sysroot leaves them out, so that neither their
// headers nor their linker scripts (libc.so names /lib/... paths) are seen.
var LibcPackages = []string{"libc6", "libc6-dev", "libc-dev-bin", "linux-libc-dev"}

// flags are the compiler and linker flags of the sysroot: header
// directories after zig's own, and library directories (zig 0.11 takes no
// -rpath-link; its linker finds the libraries' own needs without it).
func (s Sysroot) flags() []string {
	if s.Dir == "" {
		return nil
	}
	var out []string
	for _, inc := range []string{"usr/include/" + s.Multiarch, "usr/include"} {
		out = append(out, "-idirafter", path.Join(s.Dir, inc))
	}
	libs := []string{path.Join(s.Dir, "usr/lib", s.Multiarch), path.Join(s.Dir, "lib", s.Multiarch), path.Join(s.Dir, "usr/lib")}
	for _, l := range libs {
		out = append(out, "-L"+l)
	}
	return out
}

// pkgConfigDirs are where the sysroot's .pc files are.
func (s Sysroot) pkgConfigDirs() string {
	return path.Join(s.Dir, "usr/lib", s.Multiarch, "pkgconfig") + ":" + path.Join(s.Dir, "usr/share/pkgconfig")
}

// For maps a Rust target triple to zig's, with the glibc floor for gnu
// targets (ignored for musl, which is static).
func For(rust, glibc string) (Target, error) {
	arch, rest, ok := strings.Cut(rust, "-")
	if !ok {
		return Target{}, fmt.Errorf("target %q: not a target triple", rust)
	}
	switch arch {
	case "x86_64", "aarch64":
	default:
		return Target{}, fmt.Errorf("target %q is not supported (expected x86_64 or aarch64, linux gnu or musl)", rust)
	}
	switch rest {
	case "unknown-linux-gnu":
		if _, err := facts.ParseGlibcRelease(glibc); err != nil {
			return Target{}, fmt.Errorf("glibc floor: %w", err)
		}
		return Target{Rust: rust, Zig: arch + "-linux-gnu." + glibc}, nil
	case "unknown-linux-musl":
		return Target{Rust: rust, Zig: arch + "-linux-musl"}, nil
	}
	return Target{}, fmt.Errorf("target %q is not supported (expected x86_64 or aarch64, linux gnu or musl)", rust)
}

// wrapper runs zig with the target, dropping what zig does not accept:
// cc-rs's --target=<rust triple> (zig has its own -target), rustc's
// -Wl,--no-undefined-version and -z nostart-stop-gc (unknown to zig's
// linker), the start files rustc ships for musl targets (self-contained
// crt*.o, which would clash with zig's own musl), and -lgcc_s, which
// Rust's std links and zig provides as libunwind, and the build machine's
// /usr/include and /usr/lib; GCC's -s, which zig ignores, is the linker's
// --strip-all. GCC's and clang's
// -march, -mcpu and -mtune are translated by cpuFlags. The operand of an
// -X option (-Xassembler -march=...) is another tool's and goes through
// as it is.
const wrapper = `#!/bin/sh
# strata: zig %[1]s for %[2]s
arch=%[4]s
%[5]s
n=$#
raw=
strip=
link=1
while [ "$n" -gt 0 ]; do
	a=$1
	shift
	n=$((n - 1))
	# The operand of -Xassembler and the like is another tool's, as it is
	# (-Xassembler -march=armv8-a+crypto is no -march of zig's).
	if [ -n "$raw" ]; then
		raw=
		set -- "$@" "$a"
		continue
	fi
	case $a in
	--target=* | -target=*) continue ;;
	-Wl,--no-undefined-version | -Wl,-znostart-stop-gc | -Wl,-z,nostart-stop-gc) continue ;;
	*/self-contained/crt*.o) continue ;;
	-lgcc_s) a=-lunwind ;;
	# The build machine's own headers and libraries, which some build
	# scripts name outright (pyaudio's setup.py): never the target's, whose
	# come from zig and the sysroot.
	-I/usr/include | -I/usr/local/include | -L/usr/lib | -L/usr/local/lib | -L/lib | -L/usr/lib64 | -L/lib64) continue ;;
	# GCC's -s strips the linked output; zig 0.11 ignores it (Go's -ldflags
	# -s passes it for cgo), so it becomes the linker's own flag.
	-s)
		strip=1
		continue
		;;
	-c | -S | -E) link= ;;
	-Xassembler | -Xlinker | -Xpreprocessor | -Xclang) raw=1 ;;
	-march=* | -mcpu=* | -mtune=*)
		cpuflag "$a"
		if [ -n "$zcpu" ]; then set -- "$@" "-mcpu=$zcpu"; fi
		if [ -n "$asarch" ]; then set -- "$@" -Xassembler "-march=$asarch"; fi
		continue
		;;
	esac
	set -- "$@" "$a"
done
if [ -n "$strip" ] && [ -n "$link" ]; then set -- "$@" -Wl,--strip-all; fi
%[7]sexec %[3]s %[1]s -target %[2]s%[6]s "$@"
`

// cpuFlags are the wrapper's shell functions that translate GCC's and
// clang's -march, -mcpu and -mtune into zig's -mcpu (zig 0.11 reads all
// three as its -mcpu=cpu+feature-feature: CPU and feature names spelled
// with _, a - meaning "without"), and for aarch64 into an -march the
// assembler gets too: zig gives .S and .s files no CPU features at all.
// Not a format string: its % are the shell's.
const cpuFlags = `# cpuflag FLAG sets zcpu, zig's -mcpu (empty: leave zig's default, the
# target's baseline), and asarch, the assembler's -march (empty: none).
cpuflag() {
	zcpu=
	asarch=
	case $arch:$1 in
	# Tuning never changes which instructions are used; zig would take the
	# tuned-for CPU as the target's (-mtune=haswell turns AVX2 on). GCC reads
	# -mcpu on x86 as -mtune, clang ignores it.
	*:-mtune=* | x86_64:-mcpu=*) ;;
	# native is the build machine's CPU, never the cross target's: zig would
	# put this machine's features (AVX-512...) into the x86_64 objects.
	x86_64:-march=native) ;;
	x86_64:-march=*)
		zigname "${1#-march=}"
		zcpu=$zn
		;;
	# armv8.2-a+crypto: the architecture version is a zig feature of the
	# generic CPU (v8_2a), the extensions are zig features too.
	aarch64:-march=armv*)
		v=${1#-march=}
		base=${v%%+*}
		ver=${base#armv}
		minor=${ver%-a}
		minor=${minor#*.}
		case $ver in
		8-a) zcpu=generic ;;
		9-a) zcpu=generic+v9a ;;
		[89].[1-9]-a) zcpu=generic+v${ver%%.*}_${minor}a ;;
		8-r) zcpu=generic+v8r ;;
		*) # not an architecture zig knows: it will say so
			zcpu=$v
			return
			;;
		esac
		case $ver in
		8.[4-9]-a | 9*) a84=1 ;;
		*) a84= ;;
		esac
		aarch64ext "${v#"$base"}"
		zcpu=$zcpu$zext
		asarch=$base$asext
		;;
	# -mcpu=cortex-a72+crc: zig spells the CPU cortex_a72. A big.LITTLE
	# pair (cortex-a72.cortex-a53) is the little core, whose features are
	# the pair's; native is the build machine, so the generic CPU.
	aarch64:-march=native* | aarch64:-mcpu=*)
		v=${1#-m*=}
		c=${v%%+*}
		case $c in
		native) zigname generic ;;
		*) zigname "${c##*.}" ;;
		esac
		zcpu=$zn
		a84=
		aarch64ext "${v#"$c"}"
		zcpu=$zcpu$zext
		# The assembler learns the extensions named, not the CPU's own
		# (clang 16 ignores -Wa,-mcpu on aarch64).
		if [ -n "$asext" ]; then asarch=armv8-a$asext; fi
		;;
	# Any other -march: zig reports what it does not know.
	*) zcpu=${1#-m*=} ;;
	esac
}

# aarch64ext +EXT+noEXT... sets zext, the zig features of GCC's and
# clang's aarch64 extensions, and asext, the extensions as clang 16's
# assembler takes them; a84 is set from armv8.4-a on.
aarch64ext() {
	zext=
	asext=
	rest=$1
	while [ -n "$rest" ]; do
		rest=${rest#+}
		e=${rest%%+*}
		rest=${rest#"$e"}
		s=+
		case $e in
		'') continue ;;
		no*)
			s=-
			e=${e#no}
			;;
		esac
		# GCC's rdma is clang 16's (and LLVM's) rdm.
		if [ "$e" = rdma ]; then e=rdm; fi
		if [ "$s" = + ]; then asext=$asext+$e; else asext=$asext+no$e; fi
		case $e in
		# crypto is aes and sha2, and from armv8.4-a also sha3 and sm4 (GCC,
		# clang). Without crypto is without all four: zig would keep aes
		# and sha2 of a CPU that has them.
		crypto)
			if [ "$s" = - ]; then
				zfeat - crypto aes sha2 sha3 sm4
			elif [ -n "$a84" ]; then
				zfeat + crypto sha3 sm4
			else
				zfeat + crypto
			fi
			;;
		# fp16 is LLVM's fullfp16, and from armv8.4-a brings fp16fml.
		fp16)
			if [ "$s" = - ]; then
				zfeat - fullfp16 fp16fml
			elif [ -n "$a84" ]; then
				zfeat + fullfp16 fp16fml
			else
				zfeat + fullfp16
			fi
			;;
		# GCC's and clang's names that LLVM spells otherwise.
		fp) zfeat $s fp_armv8 ;;
		simd) zfeat $s neon ;;
		profile) zfeat $s spe ;;
		rng) zfeat $s rand ;;
		memtag) zfeat $s mte ;;
		pmuv3) zfeat $s perfmon ;;
		predres2) zfeat $s specres2 ;;
		*)
			zigname "$e"
			zfeat $s "$zn"
			;;
		esac
	done
}

# zfeat +|- FEATURE... adds the features to zext with the sign, dropping
# their earlier mentions: in GCC and clang the last one wins
# (+nocrypto+aes has aes), zig would take any - over any +.
zfeat() {
	sign=$1
	shift
	for f in "$@"; do
		k=
		r=$zext
		while [ -n "$r" ]; do
			t=${r%"${r#?}"}
			r=${r#?}
			g=${r%%[+-]*}
			r=${r#"$g"}
			if [ "$g" != "$f" ]; then k=$k$t$g; fi
		done
		zext=$k$sign$f
	done
}

# zigname NAME sets zn, NAME with _ for - (cortex-a72, x86-64-v2,
# sve2-aes): zig spells its CPUs and features so, and reads a - as
# "without" (skylake-avx512 would be skylake without a feature avx512).
zigname() {
	zn=
	r=$1
	while :; do
		case $r in
		*-*)
			zn=$zn${r%%-*}_
			r=${r#*-}
			;;
		*)
			zn=$zn$r
			return
			;;
		esac
	done
}`

// Files are the wrapper scripts for a target, by path under dir.
func Files(dir, zig string, t Target) map[string][]byte {
	out := map[string][]byte{}
	arch, _, _ := strings.Cut(t.Zig, "-")
	sysroot := ""
	if f := t.Sysroot.flags(); len(f) > 0 {
		sysroot = " " + shell.Join(f)
	}
	fix := ""
	if needsStatFix(t.Zig) {
		fix = statFixLink
		out[path.Join(dir, statFixFile)] = statFix
	}
	for _, tool := range []string{"cc", "c++"} {
		out[path.Join(dir, tool+"-"+t.Rust)] = []byte(fmt.Sprintf(wrapper, tool, t.Zig, zig, arch, cpuFlags, sysroot, fix))
	}
	out[path.Join(dir, "ar-"+t.Rust)] = []byte(fmt.Sprintf("#!/bin/sh\n# strata: zig ar for %s\nexec %s ar \"$@\"\n", t.Rust, zig))
	if t.Sysroot.Dir != "" {
		out[path.Join(dir, "pkg-config-"+t.Rust)] = []byte(fmt.Sprintf(pkgConfig, t.Rust,
			shell.Quote(t.Sysroot.Dir), shell.Quote(t.Sysroot.pkgConfigDirs())))
	}
	return out
}

// pkgConfig runs the toolchain image's pkg-config on a target's sysroot:
// its .pc files only, their paths under the sysroot. The pkg-config crate
// runs it for the target (PKG_CONFIG_<triple>), and so can any build
// script that reads PKG_CONFIG.
const pkgConfig = `#!/bin/sh
# strata: pkg-config for %[1]s, in its sysroot
command -v pkg-config >/dev/null 2>&1 || {
	echo "strata: build_packages need pkg-config in the Rust toolchain image (the official rust images have it)" >&2
	exit 127
}
PKG_CONFIG_SYSROOT_DIR=%[2]s
PKG_CONFIG_LIBDIR=%[3]s
export PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR
unset PKG_CONFIG_PATH
exec pkg-config "$@"
`

// Env is what cargo and cc-rs read to use the wrappers of a target.
func Env(dir string, t Target) map[string]string {
	under := strings.ReplaceAll(t.Rust, "-", "_")
	cc := path.Join(dir, "cc-"+t.Rust)
	env := map[string]string{
		"CC_" + under:  cc,
		"CXX_" + under: path.Join(dir, "c++-"+t.Rust),
		"AR_" + under:  path.Join(dir, "ar-"+t.Rust),
		"CARGO_TARGET_" + strings.ToUpper(under) + "_LINKER": cc,
	}
	if t.Sysroot.Dir != "" {
		// The pkg-config crate takes the per-target variables for cross
		// builds; PKG_CONFIG_<triple> is the wrapper above.
		env["PKG_CONFIG_"+under] = path.Join(dir, "pkg-config-"+t.Rust)
		env["PKG_CONFIG_SYSROOT_DIR_"+under] = t.Sysroot.Dir
		env["PKG_CONFIG_LIBDIR_"+under] = t.Sysroot.pkgConfigDirs()
	}
	return env
}

// ToolEnv is what tools that take one C compiler read (Go's cgo, make,
// configure scripts): CC, CXX, AR and, with a sysroot, PKG_CONFIG, all
// the target's wrappers.
func ToolEnv(dir string, t Target) map[string]string {
	env := map[string]string{
		"CC":  path.Join(dir, "cc-"+t.Rust),
		"CXX": path.Join(dir, "c++-"+t.Rust),
		"AR":  path.Join(dir, "ar-"+t.Rust),
	}
	if t.Sysroot.Dir != "" {
		env["PKG_CONFIG"] = path.Join(dir, "pkg-config-"+t.Rust)
	}
	return env
}

// WarmSource is the C program a warm-up link compiles.
const WarmSource = "int main(void) { return 0; }\n"

// A Link is a kind of link rustc asks of a wrapper. zig builds the libraries
// a link needs (the libc's stubs and start files, or musl from source,
// compiler_rt, libunwind) once per target, output kind and debug-info
// stripping, and keeps them in its cache under that key: a warm-up link of
// the same kind leaves them there for rustc's. The key also holds where
// zig's own files are (its lib directory is in the C flags of libunwind and
// the start files) and whether the working directory is above them (zig
// then records them relative to it): a warm-up runs the same zig path as
// the wrappers, from a directory that is not above it.
type Link struct {
	Shared bool // a shared library (a proc-macro, a Python extension module); otherwise a (static-)pie executable
	Strip  bool // rustc strips debug info or symbols: -Wl,--strip-debug, -Wl,--strip-all
	// Driver is a link a C compiler driver makes with zig's own default
	// libraries (libc, compiler_rt), not rustc's: a Python extension
	// module's. It needs no libunwind, whose build a warm-up then skips.
	Driver bool
}

// WarmArgs are zig's arguments (after the zig executable) for a warm-up
// link of WarmSource to out, with the flags of rustc's link of that kind
// that change zig's key.
func WarmArgs(t Target, l Link, src, out string) []string {
	args := []string{"cc", "-target", t.Zig}
	if !l.Driver {
		args = append(args, "-nodefaultlibs")
	}
	args = append(args, "-o", out, src)
	switch {
	case l.Shared:
		args = append(args, "-shared")
	case strings.Contains(t.Zig, "-musl"):
		args = append(args, "-static-pie")
	default:
		args = append(args, "-pie")
	}
	if l.Strip {
		args = append(args, "-Wl,--strip-debug")
	}
	if l.Driver {
		return args
	}
	if strings.Contains(t.Zig, "-gnu") {
		args = append(args, "-lunwind") // the wrappers' -lgcc_s
	}
	return append(args, "-lc")
}
