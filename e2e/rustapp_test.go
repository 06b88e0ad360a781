package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/containerd/platforms"
	"github.com/strata-build/strata/e2e/testenv"
	"github.com/strata-build/strata/graph"
)

// TestRustAppBuildx: one docker buildx build of the example gives a
// multi-arch image, with emulation off; the binaries have the right machine
// and glibc floor, and both print what the C code (built by cc in build.rs
// with zig) says.
func TestRustAppBuildx(t *testing.T) {
	t.Parallel()
	testenv.EmulationOff(t)
	dir, output := testenv.OCIOutput(t)
	testenv.MustBuildx(t, append(append([]string{"build", "--progress=plain", "-f", rustAppSpec,
		"--platform", strings.Join(testenv.BothPlatforms, ",")}, testenv.ZigContext...),
		"-o", output, "examples/rust-app")...)
	for p, img := range testenv.ReadLayout(t, dir, testenv.BothPlatforms...) {
		arch := strings.TrimPrefix(p, "linux/")
		c := img.Config.Config
		if c.User != "65532:65532" || strings.Join(c.Entrypoint, " ") != "/usr/local/bin/rust-app" {
			t.Errorf("%s: user %q entrypoint %q", p, c.User, c.Entrypoint)
		}
		f := img.Files["usr/local/bin/rust-app"]
		if f == nil {
			t.Fatalf("%s: no /usr/local/bin/rust-app", p)
		}
		bin := testenv.WriteExecutable(t, "rust-app", f.Data)
		testenv.CheckELF(t, bin, arch, "2.17")
		want := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[arch]
		got := selfTest(t, bin, arch)
		if got != "probe: mp4 (C code compiled for "+want+")" {
			t.Errorf("%s: --self-test printed %q", p, got)
		}
		t.Logf("%s: %d bytes, %s", p, len(f.Data), got)
		if arch == runtime.GOARCH {
			serveRustApp(t, bin)
		}
	}
}

// nativeOrQEMU runs a program of arch: natively for the machine's own
// architecture, under qemu-aarch64-static otherwise (a check of the
// result, not a build step).
func nativeOrQEMU(bin, arch string, args ...string) *exec.Cmd {
	if arch == runtime.GOARCH {
		return exec.Command(bin, args...)
	}
	return exec.Command("qemu-aarch64-static", append([]string{"-L", testenv.DebianRoot(arch), bin}, args...)...)
}

// selfTest runs the binary's --self-test.
func selfTest(t *testing.T, bin, arch string) string {
	t.Helper()
	out, err := nativeOrQEMU(bin, arch, "--self-test").CombinedOutput()
	if err != nil {
		t.Fatalf("%s --self-test: %v\n%s", arch, err, out)
	}
	return strings.TrimSpace(string(out))
}

// serveRustApp runs the native binary and asks it over HTTP.
func serveRustApp(t *testing.T, bin string) {
	t.Helper()
	body := testenv.Serve(t,
		func(addr string) *exec.Cmd {
			cmd := exec.Command(bin)
			cmd.Env = append(os.Environ(), "ADDR="+addr)
			return cmd
		},
		func(base string) (*http.Response, error) {
			return http.Post(base+"/probe", "application/octet-stream", strings.NewReader("\x1a\x45\xdf\xa3webm"))
		})
	var got struct {
		Container string `json:"container"`
		Bytes     int    `json:"bytes"`
	}
	if err := json.Unmarshal(body, &got); err != nil || got.Container != "matroska" || got.Bytes != 8 {
		t.Fatalf("POST /probe answered %q (%v)", body, err)
	}
}

// cargoBuildStep is the name of an app's cargo build for the platforms.
func cargoBuildStep(t *testing.T, app string, platformNames ...string) string {
	t.Helper()
	var triples []string
	for _, p := range platformNames {
		triple, err := graph.RustTriple(platforms.MustParse(p), "gnu")
		if err != nil {
			t.Fatal(err)
		}
		triples = append(triples, triple)
	}
	return graph.CargoBuildStep(app, triples...)
}

// rustBuild builds a Rust app with the strata CLI for linux/arm64 and
// returns BuildKit's status events.
func rustBuild(t *testing.T, dir string, extra ...string) testenv.Events {
	t.Helper()
	args := append([]string{"build", "--progress=rawjson", "--platform", "linux/arm64"}, testenv.ZigContext...)
	return testenv.ParseEvents(testenv.MustStrata(t, append(append(args, extra...), dir)...))
}

// checkRebuild: the dependency step stayed cached and cargo compiled only
// the local crates named.
func checkRebuild(t *testing.T, what string, events testenv.Events, app string, local ...string) {
	t.Helper()
	if events.Step(t, graph.CargoDependenciesStep(app)).Ran() {
		t.Errorf("%s re-ran the dependency step", what)
	}
	build := events.Step(t, cargoBuildStep(t, app, "linux/arm64"))
	if !build.Ran() {
		t.Fatalf("%s did not re-run the build", what)
	}
	got := testenv.Compiled(build.Logs)
	if !slices.Equal(got, slices.Sorted(slices.Values(local))) {
		t.Errorf("%s: cargo compiled %q, want only %q", what, got, local)
	}
}

// ownDependencies gives the app's manifest a feature of its own, which
// the dependency step's key holds: that step runs in this test, whatever
// an earlier run or a parallel test left in the cache.
func ownDependencies(t *testing.T, dir string) {
	t.Helper()
	testenv.AppendFile(t, filepath.Join(dir, "Cargo.toml"), "\n[features]\ne2e-"+testenv.Unique()+" = []\n")
}

// TestRustAppCaching is the dependency caching of the issue: (a) a source
// edit and (b) a version bump leave the dependency step cached and compile
// only the app crate; (c) a new dependency re-runs it.
func TestRustAppCaching(t *testing.T) {
	t.Parallel()
	testenv.EmulationOff(t)
	dir := testenv.CopyDir(t, "examples/rust-app")
	ownDependencies(t, dir)
	if !rustBuild(t, dir).Step(t, graph.CargoDependenciesStep("rust-app")).Ran() {
		t.Fatal("the first build took a dependency step of its own from the cache")
	}

	testenv.EditFile(t, filepath.Join(dir, "src/main.rs"), "listening on", "listening ("+testenv.Unique()+") on")
	checkRebuild(t, "(a) editing src/main.rs", rustBuild(t, dir), "rust-app", "rust-app")

	testenv.EditFile(t, filepath.Join(dir, "Cargo.toml"), `version = "0.1.0"`, `version = "0.2.0"`)
	testenv.EditFile(t, filepath.Join(dir, "Cargo.lock"), "name = \"rust-app\"\nversion = \"0.1.0\"", "name = \"rust-app\"\nversion = \"0.2.0\"")
	checkRebuild(t, "(b) bumping the version", rustBuild(t, dir), "rust-app", "rust-app")

	testenv.EditFile(t, filepath.Join(dir, "Cargo.toml"), "tiny_http = ", "itoa = \"1\"\ntiny_http = ")
	testenv.EditFile(t, filepath.Join(dir, "Cargo.lock"), "dependencies = [\n \"cc\",\n \"serde\",", "dependencies = [\n \"cc\",\n \"itoa\",\n \"serde\",")
	if !rustBuild(t, dir).Step(t, graph.CargoDependenciesStep("rust-app")).Ran() {
		t.Error("(c) adding a dependency did not re-run the dependency step")
	}
}

// TestRustWorkspaceCaching is (d): a workspace of two members, one a path
// dependency of the other, keeps (a) and (b).
func TestRustWorkspaceCaching(t *testing.T) {
	t.Parallel()
	testenv.EmulationOff(t)
	dir := testenv.CopyDir(t, "e2e/testdata/rust-workspace")
	rustBuild(t, dir)

	testenv.EditFile(t, filepath.Join(dir, "util/src/lib.rs"), "Hello", "Hello "+testenv.Unique())
	checkRebuild(t, "(a) editing the path dependency", rustBuild(t, dir), "server", "server", "util")

	testenv.EditFile(t, filepath.Join(dir, "server/src/main.rs"), "greeting", "greeting "+testenv.Unique())
	checkRebuild(t, "(a) editing the app", rustBuild(t, dir), "server", "server", "util")

	testenv.EditFile(t, filepath.Join(dir, "util/Cargo.toml"), `version = "0.1.0"`, `version = "0.1.1"`)
	testenv.EditFile(t, filepath.Join(dir, "Cargo.lock"), "name = \"util\"\nversion = \"0.1.0\"", "name = \"util\"\nversion = \"0.1.1\"")
	checkRebuild(t, "(b) bumping a member's version", rustBuild(t, dir), "server", "server", "util")
}

// TestRustTargetCache: with target_cache, cargo's target directory lives
// in a cache mount, so an edit of one member recompiles only that member,
// not every local crate.
func TestRustTargetCache(t *testing.T) {
	t.Parallel()
	testenv.EmulationOff(t)
	dir := testenv.CopyDir(t, "e2e/testdata/rust-workspace")
	testenv.EditFile(t, filepath.Join(dir, "strata.yaml"), "package: server", "package: server\n      target_cache: true")
	rustBuild(t, dir)
	testenv.EditFile(t, filepath.Join(dir, "server/src/main.rs"), "greeting", "greeting "+testenv.Unique())
	checkRebuild(t, "editing the app with a target cache", rustBuild(t, dir), "server", "server")
}

// TestRustFunctionPackage: a Rust app's Function Compute code package holds
// the arm64 program as main.
func TestRustFunctionPackage(t *testing.T) {
	t.Parallel()
	testenv.EmulationOff(t)
	out, output := testenv.LocalOutput(t)
	testenv.MustBuildx(t, append(append([]string{"build", "--progress=plain", "-f", rustAppSpec, "--target", "rust-app-fc",
		"--platform", "linux/arm64"}, testenv.ZigContext...), "-o", output, "examples/rust-app")...)
	main := testenv.UnzipOne(t, filepath.Join(out, "rust-app-fc.zip"), "main")
	testenv.CheckELF(t, main, "arm64", "2.17")
}

// TestRustRegistryCache is (e): the dependency step exported to the local
// registry survives `buildctl prune --all`. A source edit after the prune
// makes the build run on the imported layer, so the test sees that the
// target directory travelled with it: only the app crate compiles.
// Serial: the prune would take from parallel tests the cache they expect.
func TestRustRegistryCache(t *testing.T) {
	testenv.EmulationOff(t)
	dir := testenv.CopyDir(t, "examples/rust-app")
	ref := "localhost:5000/strata/cache:rust-app-" + testenv.Unique()
	build := func(cache ...string) testenv.Events {
		args := append([]string{"build", "--progress=rawjson", "-f", dir + "/strata.yaml", "--platform", "linux/arm64"}, testenv.ZigContext...)
		return testenv.ParseEvents(testenv.MustBuildx(t, append(append(args, cache...), dir)...))
	}
	build("--cache-to", "type=registry,ref="+ref+",mode=max")
	testenv.MustRun(t, "buildctl", "prune", "--all")
	testenv.EditFile(t, filepath.Join(dir, "src/main.rs"), "listening on", "listening ("+testenv.Unique()+") on")
	checkRebuild(t, "after prune --all, --cache-from", build("--cache-from", "type=registry,ref="+ref), "rust-app", "rust-app")
}

// The one-crate app "web" of the tests below.
const (
	webManifest = "[package]\nname = \"web\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"
	webLock     = "version = 3\n\n[[package]]\nname = \"web\"\nversion = \"0.1.0\"\n"
)

// webCrate writes the app "web" with the rust options given (one line of
// YAML flow) and a build script, and returns its directory.
func webCrate(t *testing.T, rust, buildRS string) string {
	t.Helper()
	dir := t.TempDir()
	testenv.WriteFiles(t, dir, map[string]string{
		"strata.yaml": "version: 1\napps:\n  web:\n    lang: rust\n    rust: {" + rust + "}\n",
		"Cargo.toml":  webManifest,
		"Cargo.lock":  webLock,
		"build.rs":    buildRS,
		"src/main.rs": "fn main() {}\n",
	})
	return dir
}

// newBuildScript edits the crate's build script with a unique comment, so
// that the build step runs it rather than coming from the cache: secrets
// and SSH agents are no part of a step's cache key. (--no-cache would
// also rerun it, but BuildKit then reruns the steps that other,
// parallel, builds share with it, for them too.)
func newBuildScript(t *testing.T, dir string) {
	t.Helper()
	testenv.AppendFile(t, filepath.Join(dir, "build.rs"), "// "+testenv.Unique()+"\n")
}

// TestRustErrors: a missing Cargo.lock, a crate that does not compile, a
// manifest cargo rejects and a platform Rust apps do not support each fail
// with a clear message. When cargo fails, its first error line ends the
// final error the CLI prints, not only the step's log.
func TestRustErrors(t *testing.T) {
	t.Parallel()
	const spec = "version: 1\napps:\n  web:\n    lang: rust\n"
	manifest, lock := webManifest, webLock
	for _, tc := range []struct {
		name     string
		files    map[string]string
		platform string
		want     []string
		final    string // the end of the final error line, of the CLI and of buildx
	}{
		{"no lock", map[string]string{"Cargo.toml": manifest, "src/main.rs": "fn main() {}\n"}, "linux/amd64",
			[]string{"strata.yaml:3:3: apps.web.path: Cargo.lock is missing: commit it (cargo generate-lockfile)"}, ""},
		{"does not compile", map[string]string{"Cargo.toml": manifest, "Cargo.lock": lock, "src/main.rs": "fn main() { let x: u32 = \"no\"; }\n"},
			"linux/amd64", []string{"error[E0308]: mismatched types", cargoBuildStep(t, "web", "linux/amd64")},
			": error[E0308]: mismatched types"},
		{"dependency step", map[string]string{"Cargo.toml": strings.Replace(manifest, "2021", "2030", 1), "Cargo.lock": lock, "src/main.rs": "fn main() {}\n"},
			"linux/amd64", []string{graph.CargoDependenciesStep("web")}, ": error: failed to parse manifest at `/src/Cargo.toml`"},
		{"platform", map[string]string{"Cargo.toml": manifest, "Cargo.lock": lock, "src/main.rs": "fn main() {}\n"},
			"linux/riscv64", []string{"platform linux/riscv64 is not supported for Rust apps"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			tc.files["strata.yaml"] = spec
			testenv.WriteFiles(t, dir, tc.files)
			args := append([]string{"build", "--progress=plain", "--platform", tc.platform}, testenv.ZigContext...)
			out, err := testenv.Strata(t, append(args, dir)...)
			if err == nil {
				t.Fatalf("the build succeeded:\n%s", testenv.Tail(out, 20))
			}
			wantOutput(t, out, tc.want...)
			if tc.final == "" {
				return
			}
			if last := testenv.FinalError(out, "strata: "); !strings.HasSuffix(last, tc.final) {
				t.Errorf("the final error does not end with %q:\n%s", tc.final, last)
			}
			// The same through the frontend image, in buildx's last line.
			testenv.WriteFiles(t, dir, map[string]string{"strata.yaml": testenv.SyntaxLine + spec})
			args = append([]string{"build", "--progress=plain", "--platform", tc.platform, "-f", dir + "/strata.yaml"}, testenv.ZigContext...)
			out, err = testenv.Buildx(t, append(args, dir)...)
			if last := testenv.FinalError(out, "ERROR: "); err == nil || !strings.HasSuffix(last, tc.final) {
				t.Errorf("buildx: the final error does not end with %q (%v):\n%s", tc.final, err, testenv.Tail(out, 20))
			}
		})
	}
}

// TestRustLargeSource: a generated lib.rs over BuildKit's 16 MiB read limit
// builds: the frontend only lists the crate's targets, it reads manifests.
func TestRustLargeSource(t *testing.T) {
	t.Parallel()
	testenv.EmulationOff(t)
	dir := webCrate(t, "", "fn main() {}\n")
	lib := bytes.Repeat([]byte("// generated: "+strings.Repeat("x", 105)+"\n"), 17<<20/120)
	testenv.WriteFiles(t, dir, map[string]string{
		"src/lib.rs":  string(lib) + "pub fn answer() -> u32 {\n    42\n}\n",
		"src/main.rs": "fn main() {\n    println!(\"{}\", web::answer());\n}\n",
	})
	out, output := testenv.LocalOutput(t)
	args := append([]string{"build", "--progress=plain", "--platform", "linux/amd64"}, testenv.ZigContext...)
	testenv.MustStrata(t, append(args, "-o", output, dir)...)
	if got, err := exec.Command(filepath.Join(out, "usr/local/bin/web")).CombinedOutput(); err != nil || strings.TrimSpace(string(got)) != "42" {
		t.Errorf("web printed %q (%v)", got, err)
	}
}

// TestNoForeignNames: two apps built one after the other on one builder
// share zig's wrappers and libraries (the same targets and floor); the
// second build's log shows those steps under their own names, never the
// first app's.
func TestNoForeignNames(t *testing.T) {
	t.Parallel()
	testenv.EmulationOff(t)
	first := testenv.CopyDir(t, "examples/rust-app")
	second := testenv.CopyDir(t, "examples/rust-tls")
	build := func(dir string) string {
		_, output := testenv.OCIOutput(t)
		return testenv.MustStrata(t, append(append([]string{"build", "--progress=plain", "--platform", "linux/arm64"}, testenv.ZigContext...), "-o", output, dir)...)
	}
	build(first)
	out := build(second)
	if strings.Contains(out, "[rust-app]") {
		for _, l := range strings.Split(out, "\n") {
			if strings.Contains(l, "[rust-app]") {
				t.Errorf("the second app's log names the first: %s", l)
			}
		}
	}
	if !strings.Contains(out, graph.ZigLibrariesStep("aarch64-linux-gnu.2.17", "executables")) {
		t.Errorf("no step %q in the second build's log:\n%s", graph.ZigLibrariesStep("aarch64-linux-gnu.2.17", "executables"), testenv.Tail(out, 30))
	}
}
