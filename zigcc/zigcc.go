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
	"regexp"
	"strings"
)

// Target is one Rust target triple and the zig target it maps to.
type Target struct {
	Rust string // x86_64-unknown-linux-gnu
	Zig  string // x86_64-linux-gnu.2.17
}

var glibcFloor = regexp.MustCompile(`^2\.[0-9]+$`)

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
		if !glibcFloor.MatchString(glibc) {
			return Target{}, fmt.Errorf("glibc floor %q: expected such as 2.17", glibc)
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
// Rust's std links and zig provides as libunwind.
const wrapper = `#!/bin/sh
# strata: zig %[1]s for %[2]s
n=$#
while [ "$n" -gt 0 ]; do
	a=$1
	shift
	n=$((n - 1))
	case $a in
	--target=* | -target=*) continue ;;
	-Wl,--no-undefined-version | -Wl,-znostart-stop-gc | -Wl,-z,nostart-stop-gc) continue ;;
	*/self-contained/crt*.o) continue ;;
	-lgcc_s) a=-lunwind ;;
	esac
	set -- "$@" "$a"
done
exec %[3]s %[1]s -target %[2]s "$@"
`

// Files are the wrapper scripts for a target, by path under dir.
func Files(dir, zig string, t Target) map[string][]byte {
	out := map[string][]byte{}
	for _, tool := range []string{"cc", "c++"} {
		out[path.Join(dir, tool+"-"+t.Rust)] = []byte(fmt.Sprintf(wrapper, tool, t.Zig, zig))
	}
	out[path.Join(dir, "ar-"+t.Rust)] = []byte(fmt.Sprintf("#!/bin/sh\n# strata: zig ar for %s\nexec %s ar \"$@\"\n", t.Rust, zig))
	return out
}

// Env is what cargo and cc-rs read to use the wrappers of a target.
func Env(dir string, t Target) map[string]string {
	under := strings.ReplaceAll(t.Rust, "-", "_")
	cc := path.Join(dir, "cc-"+t.Rust)
	return map[string]string{
		"CC_" + under:  cc,
		"CXX_" + under: path.Join(dir, "c++-"+t.Rust),
		"AR_" + under:  path.Join(dir, "ar-"+t.Rust),
		"CARGO_TARGET_" + strings.ToUpper(under) + "_LINKER": cc,
	}
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
	Shared bool // a proc-macro; otherwise a (static-)pie executable
	Strip  bool // rustc strips debug info or symbols: -Wl,--strip-debug, -Wl,--strip-all
}

// WarmArgs are zig's arguments (after the zig executable) for a warm-up
// link of WarmSource to out, with the flags of rustc's link of that kind
// that change zig's key.
func WarmArgs(t Target, l Link, src, out string) []string {
	args := []string{"cc", "-target", t.Zig, "-nodefaultlibs", "-o", out, src}
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
	if strings.Contains(t.Zig, "-gnu") {
		args = append(args, "-lunwind") // the wrappers' -lgcc_s
	}
	return append(args, "-lc")
}
