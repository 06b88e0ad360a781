package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/strata-build/strata/e2e/testenv"
	"github.com/strata-build/strata/graph"
)

// The Rust app of TestRustRealWorld: a workspace below the context's root
// that does what real ones do and plain cargo allows. Its crates come from
// crates.io at their real versions, vendored with `cargo vendor` (the
// workspace holds rust-version, so the host's cargo picks versions the
// toolchain image's 1.85 builds).
var worldFiles = map[string]string{
	"strata.yaml": "version: 1\napps:\n  world:\n    lang: rust\n    path: app\n    rust: {target_cache: true}\n",
	// cargo reads the configuration of every directory above the workspace.
	".cargo/config.toml": "[env]\nSTRATA_PARENT_CONFIG = \"read from the context's root\"\n",
	// build.rs reads a file beyond the workspace root.
	"proto/greeting.txt": "hello from beyond the workspace",
	"app/Cargo.toml": `[package]
name = "world"
version = "0.1.0"
edition = "2021"
rust-version = "1.85"
description = "before"

[dependencies]
memchr = { path = "memchr" }
aho-corasick = "1"
flate2 = { version = "1", default-features = false, features = ["zlib"] }
libz-sys = "1"
sha2 = { version = "0.10", features = ["asm"] }
`,
	"app/build.rs": `fn main() {
    let g = std::fs::read_to_string("../proto/greeting.txt").expect("../proto/greeting.txt");
    println!("cargo:rustc-env=GREETING={g}");
    println!("cargo:rerun-if-changed=../proto/greeting.txt");
}
`,
	"app/src/main.rs": `use sha2::Digest;
use std::io::{Read, Write};

fn main() {
    println!("greeting: {}", env!("GREETING"));
    println!("parent config: {}", env!("STRATA_PARENT_CONFIG"));
    println!("memchr: {}", memchr::local());
    let ac = aho_corasick::AhoCorasick::new(["needle"]).unwrap();
    println!("aho-corasick: {:?}", ac.find("a haystack with a needle").map(|m| m.start()));
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(b"round trip").unwrap();
    let z = e.finish().unwrap();
    let mut s = String::new();
    flate2::read::ZlibDecoder::new(&z[..]).read_to_string(&mut s).unwrap();
    println!("zlib: {s} (patched libz-sys: {})", libz_sys::STRATA_PATCHED);
    println!("sha256: {:x}", sha2::Sha256::digest(b"strata"));
    println!("checkout: one");
}
`,
	// A local crate with a registry crate's name (aho-corasick uses memchr).
	"app/memchr/Cargo.toml": "[package]\nname = \"memchr\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
	"app/memchr/src/lib.rs": "pub fn local() -> &'static str {\n    \"the local memchr\"\n}\n",
}

// worldWant is what the program prints, but for the checkout line.
var worldWant = []string{
	"greeting: hello from beyond the workspace",
	"parent config: read from the context's root",
	"memchr: the local memchr",
	"aho-corasick: Some(18)",
	"zlib: round trip (patched libz-sys: true)",
	"sha256: 82ba7e1f6f4171d3648bb4f785ca31992efe32df6e024acb5bccd297feb2f263",
}

// worldContext writes the app, patches libz-sys with a path copy of the real
// crate (marked, so that the program proves which one it linked), vendors
// every crate, and gives every file one time, as two checkouts of a branch
// made at the same moment would have.
func worldContext(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	testenv.WriteFiles(t, dir, worldFiles)
	app := filepath.Join(dir, "app")
	cargo := func(args ...string) {
		t.Helper()
		cmd := exec.Command("cargo", args...)
		cmd.Dir = app
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("cargo %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	cargo("vendor", "-q", "--versioned-dirs", "vendor")
	zs, _ := filepath.Glob(filepath.Join(app, "vendor", "libz-sys-*"))
	if len(zs) != 1 {
		t.Fatalf("vendored libz-sys: %v", zs)
	}
	os.MkdirAll(filepath.Join(app, "patched"), 0o755)
	testenv.MustRun(t, "cp", "-a", zs[0], filepath.Join(app, "patched/libz-sys"))
	os.Remove(filepath.Join(app, "patched/libz-sys/.cargo-checksum.json"))
	testenv.AppendFile(t, filepath.Join(app, "patched/libz-sys/src/lib.rs"), "\npub const STRATA_PATCHED: bool = true;\n")
	testenv.EditFile(t, filepath.Join(app, "Cargo.toml"), "[dependencies]", "[patch.crates-io]\nlibz-sys = { path = \"patched/libz-sys\" }\n\n[dependencies]")
	os.RemoveAll(filepath.Join(app, "vendor"))
	cargo("vendor", "-q", "--versioned-dirs", "vendor")
	testenv.WriteFiles(t, app, map[string]string{".cargo/config.toml": "[source.crates-io]\nreplace-with = \"vendored-sources\"\n\n[source.vendored-sources]\ndirectory = \"vendor\"\n"})
	testenv.SameTimes(t, dir)
	return dir
}

// worldBuild builds the app for both platforms and checks what each binary
// prints, natively and under qemu-aarch64-static; it returns the status
// events.
func worldBuild(t *testing.T, dir, checkout string) testenv.Events {
	t.Helper()
	out, output := testenv.LocalOutput(t)
	args := append([]string{"build", "--progress=rawjson", "--platform", strings.Join(testenv.BothPlatforms, ",")}, testenv.ZigContext...)
	events := testenv.ParseEvents(testenv.MustStrata(t, append(args, "-o", output, dir)...))
	want := strings.Join(append(append([]string{}, worldWant...), "checkout: "+checkout), "\n")
	for _, arch := range []string{"amd64", "arm64"} {
		bin := filepath.Join(out, "linux_"+arch, "usr/local/bin/world")
		testenv.CheckELF(t, bin, arch, "2.17")
		got, err := nativeOrQEMU(bin, arch).CombinedOutput()
		if err != nil || strings.TrimSpace(string(got)) != want {
			t.Errorf("%s printed (%v):\n%s\nwant:\n%s", arch, err, got, want)
		}
	}
	return events
}

// TestRustRealWorld is issue 9 on one workspace: files beyond the workspace
// and every parent's cargo configuration reach the build; vendored crates
// and a [patch] to a path crate build (libz-sys compiling its C code with
// zig for both targets, sha2's aarch64 assembly with -march); a local crate
// named like a registry crate leaves that crate built; metadata edits keep
// the dependency step; and with target_cache, two checkouts built in turn
// each get their own code.
func TestRustRealWorld(t *testing.T) {
	t.Parallel()
	testenv.EmulationOff(t)
	one := worldContext(t)
	// A dependency step of its own: it runs, so the target cache is seeded
	// from it and the build compiles every local crate, whatever an
	// earlier run left on this builder.
	ownDependencies(t, filepath.Join(one, "app"))
	two := t.TempDir()
	testenv.MustRun(t, "cp", "-a", one+"/.", two)
	testenv.EditFile(t, filepath.Join(two, "app/src/main.rs"), "checkout: one", "checkout: two")
	testenv.SameTimes(t, two)

	events := worldBuild(t, one, "one")
	if !events.Step(t, graph.CargoDependenciesStep("world")).Ran() {
		t.Fatal("the first build took a dependency step of its own from the cache")
	}
	// The build compiles the local crates only: cargo clean -p memchr used
	// to clean the registry memchr too, and aho-corasick with it.
	build := events.Step(t, cargoBuildStep(t, "world", testenv.BothPlatforms...))
	if got := testenv.Compiled(build.Logs); strings.Join(slices.Compact(got), " ") != "memchr world" {
		t.Errorf("the build step compiled %q, want the local memchr and world", got)
	}

	// The other checkout: same file times, other code.
	worldBuild(t, two, "two")
	worldBuild(t, one, "one")

	testenv.EditFile(t, filepath.Join(one, "app/Cargo.toml"), `description = "before"`, "description = \"after\"\nauthors = [\"someone\"]\nrepository = \"https://example.com/world\"")
	events = worldBuild(t, one, "one")
	if events.Step(t, graph.CargoDependenciesStep("world")).Ran() {
		t.Error("editing the package's metadata re-ran the dependency step")
	}
}
