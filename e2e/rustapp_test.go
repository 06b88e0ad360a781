package e2e

import (
	"bytes"
	"debug/elf"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

const rustAppSpec = "examples/rust-app/strata.yaml"

// zigContext replaces the download of zig from ziglang.org, which this
// machine cannot reach, with the same release pushed by hack/dev-env.
var zigContext = []string{"--build-context", "zig=docker-image://localhost:5000/strata/zig:0.11.0"}

// TestRustAppBuildx: one docker buildx build of the example gives a
// multi-arch image, with emulation off; the binaries have the right machine
// and glibc floor, and both print what the C code (built by cc in build.rs
// with zig) says.
func TestRustAppBuildx(t *testing.T) {
	emulationOff(t)
	dir := filepath.Join(t.TempDir(), "oci")
	mustRun(t, "docker", append(append([]string{"buildx", "build", "--progress=plain", "-f", rustAppSpec,
		"--platform", strings.Join(bothPlatforms, ",")}, zigContext...),
		"-o", "type=oci,tar=false,dest="+dir, "examples/rust-app")...)
	imgs := readLayout(t, dir, bothPlatforms...)
	for p, img := range imgs {
		arch := strings.TrimPrefix(p, "linux/")
		c := img.Config.Config
		if c.User != "65532:65532" || strings.Join(c.Entrypoint, " ") != "/usr/local/bin/rust-app" {
			t.Errorf("%s: user %q entrypoint %q", p, c.User, c.Entrypoint)
		}
		f := img.Files["usr/local/bin/rust-app"]
		if f == nil {
			t.Fatalf("%s: no /usr/local/bin/rust-app", p)
		}
		bin := filepath.Join(t.TempDir(), "rust-app")
		if err := os.WriteFile(bin, f.Data, 0o755); err != nil {
			t.Fatal(err)
		}
		checkELF(t, bin, arch, "2.17")
		want := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[arch]
		got := selfTest(t, bin, arch)
		if got != "probe: mp4 (C code compiled for "+want+")" {
			t.Errorf("%s: --self-test printed %q", p, got)
		}
		t.Logf("%s: %d bytes, %s", p, len(f.Data), got)
		if arch == runtime.GOARCH {
			serveRust(t, bin)
		}
	}
}

// checkELF checks a binary's machine and that no symbol it imports needs a
// glibc newer than the floor.
func checkELF(t *testing.T, bin, arch, floor string) {
	t.Helper()
	ef, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer ef.Close()
	if ef.Machine != elfMachine[arch] {
		t.Errorf("%s: machine %s", arch, ef.Machine)
	}
	syms, err := ef.ImportedSymbols()
	if err != nil {
		t.Fatal(err)
	}
	max := "GLIBC_2.0"
	for _, s := range syms {
		if strings.HasPrefix(s.Version, "GLIBC_2.") && glibcLess(max, s.Version) {
			max = s.Version
		}
	}
	if glibcLess("GLIBC_"+floor, max) {
		t.Errorf("%s: needs %s, above the floor %s", arch, max, floor)
	}
	t.Logf("%s: highest glibc symbol %s", arch, max)
}

func glibcLess(a, b string) bool {
	minor := func(v string) int {
		parts := strings.Split(strings.TrimPrefix(v, "GLIBC_"), ".")
		n, _ := strconv.Atoi(parts[1])
		return n
	}
	return minor(a) < minor(b)
}

// selfTest runs the binary's --self-test: natively for the machine's own
// architecture, under qemu-aarch64-static otherwise (a check of the result,
// not a build step).
func selfTest(t *testing.T, bin, arch string) string {
	t.Helper()
	cmd := exec.Command(bin, "--self-test")
	if arch != runtime.GOARCH {
		cmd = exec.Command("qemu-aarch64-static", "-L", debianRoot(t, arch), bin, "--self-test")
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s --self-test: %v\n%s", arch, err, out)
	}
	return strings.TrimSpace(string(out))
}

// debianRoot is the Debian root filesystem hack/dev-env made for arch.
func debianRoot(t *testing.T, arch string) string {
	cache := os.Getenv("STRATA_CACHE")
	if cache == "" {
		cache = filepath.Join(os.Getenv("HOME"), ".cache/strata")
	}
	return filepath.Join(cache, "rootfs", "bookworm-"+arch)
}

// serveRust runs the native binary and asks it over HTTP.
func serveRust(t *testing.T, bin string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "ADDR="+addr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	var body []byte
	for i := 0; i < 50; i++ {
		resp, err := http.Post("http://"+addr+"/probe", "application/octet-stream", strings.NewReader("\x1a\x45\xdf\xa3webm"))
		if err == nil {
			body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	var got struct {
		Container string `json:"container"`
		Bytes     int    `json:"bytes"`
	}
	if err := json.Unmarshal(body, &got); err != nil || got.Container != "matroska" || got.Bytes != 8 {
		t.Fatalf("POST /probe answered %q (%v)", body, err)
	}
}

// stepLogs is the output of the one step whose name contains all parts,
// from BuildKit's rawjson status events.
func stepLogs(t *testing.T, out string, parts ...string) string {
	t.Helper()
	names := map[string]string{}
	logs := map[string]*bytes.Buffer{}
	for _, line := range strings.Split(out, "\n") {
		var st struct {
			Vertexes []struct {
				Digest string `json:"digest"`
				Name   string `json:"name"`
			} `json:"vertexes"`
			Logs []struct {
				Vertex string `json:"vertex"`
				Data   string `json:"data"`
			} `json:"logs"`
		}
		if json.Unmarshal([]byte(line), &st) != nil {
			continue
		}
		for _, v := range st.Vertexes {
			names[v.Digest] = v.Name
		}
		for _, l := range st.Logs {
			dt, _ := base64.StdEncoding.DecodeString(l.Data)
			if logs[l.Vertex] == nil {
				logs[l.Vertex] = &bytes.Buffer{}
			}
			logs[l.Vertex].Write(dt)
		}
	}
	var found []string
	for d, name := range names {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(name, p)
		}
		if ok && logs[d] != nil {
			found = append(found, logs[d].String())
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d steps with logs match %q", len(found), parts)
	}
	return found[0]
}

var compiling = regexp.MustCompile(`(?m)^\s*Compiling (\S+) v`)

// compiled are the crates cargo's output says it compiled.
func compiled(logs string) []string {
	var out []string
	for _, m := range compiling.FindAllStringSubmatch(logs, -1) {
		out = append(out, m[1])
	}
	sort.Strings(out)
	return out
}

// rustBuild builds a Rust app with the strata CLI for linux/arm64 and
// returns BuildKit's status events.
func rustBuild(t *testing.T, dir string, extra ...string) string {
	t.Helper()
	args := append([]string{"build", "--progress=rawjson", "--platform", "linux/arm64"}, zigContext...)
	return mustRun(t, strata, append(append(args, extra...), dir)...)
}

func editFile(t *testing.T, path, old, new string) {
	t.Helper()
	dt, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(dt, []byte(old)) {
		t.Fatalf("%s does not contain %q", path, old)
	}
	if err := os.WriteFile(path, bytes.Replace(dt, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkRebuild: the dependency step stayed cached and cargo compiled only
// the local crates named.
func checkRebuild(t *testing.T, what, out, app string, local ...string) {
	t.Helper()
	vs := vertices(t, out)
	if step(t, vs, "["+app+"] cargo build dependencies").ran() {
		t.Errorf("%s re-ran the dependency step", what)
	}
	build := step(t, vs, "["+app+"] cargo build aarch64")
	if !build.ran() {
		t.Fatalf("%s did not re-run the build", what)
	}
	got := compiled(stepLogs(t, out, "["+app+"] cargo build aarch64"))
	sort.Strings(local)
	if strings.Join(got, " ") != strings.Join(local, " ") {
		t.Errorf("%s: cargo compiled %q, want only %q", what, got, local)
	}
}

// TestRustAppCaching is the dependency caching of the issue: (a) a source
// edit and (b) a version bump leave the dependency step cached and compile
// only the app crate; (c) a new dependency re-runs it.
func TestRustAppCaching(t *testing.T) {
	emulationOff(t)
	dir := copyDir(t, "examples/rust-app")
	out := rustBuild(t, dir)
	if deps := compiled(stepLogs(t, out, "[rust-app] cargo build dependencies")); len(deps) < 5 {
		t.Logf("the first build's dependency step compiled %q (cached from an earlier run?)", deps)
	}

	editFile(t, filepath.Join(dir, "src/main.rs"), "listening on", "now listening on")
	checkRebuild(t, "(a) editing src/main.rs", rustBuild(t, dir), "rust-app", "rust-app")

	editFile(t, filepath.Join(dir, "Cargo.toml"), `version = "0.1.0"`, `version = "0.2.0"`)
	editFile(t, filepath.Join(dir, "Cargo.lock"), "name = \"rust-app\"\nversion = \"0.1.0\"", "name = \"rust-app\"\nversion = \"0.2.0\"")
	checkRebuild(t, "(b) bumping the version", rustBuild(t, dir), "rust-app", "rust-app")

	editFile(t, filepath.Join(dir, "Cargo.toml"), "tiny_http = ", "itoa = \"1\"\ntiny_http = ")
	editFile(t, filepath.Join(dir, "Cargo.lock"), "dependencies = [\n \"cc\",\n \"serde\",", "dependencies = [\n \"cc\",\n \"itoa\",\n \"serde\",")
	out = rustBuild(t, dir)
	if !step(t, vertices(t, out), "[rust-app] cargo build dependencies").ran() {
		t.Error("(c) adding a dependency did not re-run the dependency step")
	}
}

// TestRustWorkspaceCaching is (d): a workspace of two members, one a path
// dependency of the other, keeps (a) and (b).
func TestRustWorkspaceCaching(t *testing.T) {
	emulationOff(t)
	dir := copyDir(t, "e2e/testdata/rust-workspace")
	rustBuild(t, dir)

	editFile(t, filepath.Join(dir, "util/src/lib.rs"), "Hello", "Hello again")
	checkRebuild(t, "(a) editing the path dependency", rustBuild(t, dir), "server", "server", "util")

	editFile(t, filepath.Join(dir, "server/src/main.rs"), "greeting", "the greeting")
	checkRebuild(t, "(a) editing the app", rustBuild(t, dir), "server", "server", "util")

	editFile(t, filepath.Join(dir, "util/Cargo.toml"), `version = "0.1.0"`, `version = "0.1.1"`)
	editFile(t, filepath.Join(dir, "Cargo.lock"), "name = \"util\"\nversion = \"0.1.0\"", "name = \"util\"\nversion = \"0.1.1\"")
	checkRebuild(t, "(b) bumping a member's version", rustBuild(t, dir), "server", "server", "util")
}

// TestRustTargetCache: with target_cache, cargo's target directory lives
// in a cache mount, so an edit of one member recompiles only that member,
// not every local crate.
func TestRustTargetCache(t *testing.T) {
	emulationOff(t)
	dir := copyDir(t, "e2e/testdata/rust-workspace")
	editFile(t, filepath.Join(dir, "strata.yaml"), "package: server", "package: server\n      target_cache: true")
	rustBuild(t, dir)
	editFile(t, filepath.Join(dir, "server/src/main.rs"), "greeting", "the greeting")
	checkRebuild(t, "editing the app with a target cache", rustBuild(t, dir), "server", "server")
}

// TestRustFunctionPackage: a Rust app's Function Compute code package holds
// the arm64 program as main.
func TestRustFunctionPackage(t *testing.T) {
	emulationOff(t)
	out := t.TempDir()
	mustRun(t, "docker", append(append([]string{"buildx", "build", "--progress=plain", "-f", rustAppSpec, "--target", "rust-app-fc",
		"--platform", "linux/arm64"}, zigContext...), "-o", "type=local,dest="+out, "examples/rust-app")...)
	dst := t.TempDir()
	unzip(t, filepath.Join(out, "rust-app-fc.zip"), dst)
	entries, _ := os.ReadDir(dst)
	if len(entries) != 1 || entries[0].Name() != "main" {
		t.Fatalf("the package holds %v, want only main", entries)
	}
	checkELF(t, filepath.Join(dst, "main"), "arm64", "2.17")
}

// TestRustRegistryCache is (e): the dependency step exported to the local
// registry survives `buildctl prune --all`. A source edit after the prune
// makes the build run on the imported layer, so the test sees that the
// target directory travelled with it: only the app crate compiles.
func TestRustRegistryCache(t *testing.T) {
	emulationOff(t)
	dir := copyDir(t, "examples/rust-app")
	ref := fmt.Sprintf("localhost:5000/strata/cache:rust-app-%d", time.Now().UnixNano())
	build := func(cache ...string) string {
		args := append([]string{"buildx", "build", "--progress=rawjson", "-f", dir + "/strata.yaml", "--platform", "linux/arm64"}, zigContext...)
		args = append(append(args, cache...), dir)
		return mustRun(t, "docker", args...)
	}
	build("--cache-to", "type=registry,ref="+ref+",mode=max")
	mustRun(t, "buildctl", "prune", "--all")
	editFile(t, filepath.Join(dir, "src/main.rs"), "listening on", "now listening on")
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
	writeFiles(t, dir, map[string]string{
		"strata.yaml": "version: 1\napps:\n  web:\n    lang: rust\n    rust: {" + rust + "}\n",
		"Cargo.toml":  webManifest,
		"Cargo.lock":  webLock,
		"build.rs":    buildRS,
		"src/main.rs": "fn main() {}\n",
	})
	return dir
}

// TestRustSecret: a BuildKit secret reaches cargo (build.rs checks it) as
// an environment variable, and no layer of the image holds it.
func TestRustSecret(t *testing.T) {
	emulationOff(t)
	const token = "s3cret-e2e-token"
	t.Setenv("STRATA_E2E_TOKEN", token)
	dir := webCrate(t, "secrets: [{id: token, env: REGISTRY_TOKEN}]",
		"fn main() {\n    let t = std::env::var(\"REGISTRY_TOKEN\").expect(\"the secret reaches cargo\");\n    assert_eq!(t.len(), 16);\n}\n")
	oci := filepath.Join(t.TempDir(), "oci")
	args := append([]string{"build", "--progress=plain", "--platform", "linux/arm64", "--secret", "id=token,env=STRATA_E2E_TOKEN"}, zigContext...)
	mustRun(t, strata, append(args, "-o", "type=oci,tar=false,dest="+oci, dir)...)
	for _, img := range readLayout(t, oci, "linux/arm64") {
		for name, f := range img.Files {
			if bytes.Contains(f.Data, []byte(token)) {
				t.Errorf("%s holds the secret", name)
			}
		}
	}
	args = append([]string{"build", "--progress=plain", "--platform", "linux/arm64", "--no-cache"}, zigContext...)
	if out, err := run(t, strata, append(args, dir)...); err == nil || !strings.Contains(out, "token") {
		t.Errorf("without the secret the build did not fail on it: %v\n%s", err, tail(out, 20))
	}
}

// TestRustSSH: with `ssh: true` and --ssh default, cargo's build script
// reaches the client's SSH agent and lists the key loaded into it (what
// cargo's git fetch over SSH does); without --ssh the build fails.
func TestRustSSH(t *testing.T) {
	emulationOff(t)
	sock := sshAgent(t, "strata-e2e-key")
	t.Setenv("SSH_AUTH_SOCK", sock)
	dir := webCrate(t, "ssh: true", agentProbe)
	args := append([]string{"build", "--progress=plain", "--platform", "linux/arm64", "--ssh", "default"}, zigContext...)
	out := mustRun(t, strata, append(args, "-o", "type=cacheonly", dir)...)
	if !strings.Contains(out, "agent holds 1 key(s): strata-e2e-key") {
		t.Errorf("the build script did not reach the agent:\n%s", tail(out, 30))
	}
	args = append([]string{"build", "--progress=plain", "--platform", "linux/arm64", "--no-cache"}, zigContext...)
	if out, err := run(t, strata, append(args, dir)...); err == nil || !strings.Contains(out, `no SSH key "default" forwarded`) {
		t.Errorf("without --ssh the build did not fail on it: %v\n%s", err, tail(out, 20))
	}
}

// agentProbe is a build script that asks the SSH agent at SSH_AUTH_SOCK for
// its identities (SSH_AGENTC_REQUEST_IDENTITIES) and prints their comments.
const agentProbe = `use std::io::{Read, Write};
use std::os::unix::net::UnixStream;

fn u32_at(b: &[u8], i: usize) -> usize {
    u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]) as usize
}

fn main() {
    let sock = std::env::var("SSH_AUTH_SOCK").expect("SSH_AUTH_SOCK is set");
    let mut s = UnixStream::connect(&sock).expect("the agent socket answers");
    s.write_all(&[0, 0, 0, 1, 11]).unwrap();
    let mut len = [0u8; 4];
    s.read_exact(&mut len).unwrap();
    let mut msg = vec![0u8; u32::from_be_bytes(len) as usize];
    s.read_exact(&mut msg).unwrap();
    assert_eq!(msg[0], 12, "an identities answer");
    let n = u32_at(&msg, 1);
    let (mut i, mut comments) = (5, Vec::new());
    for _ in 0..n {
        i += 4 + u32_at(&msg, i);
        let c = u32_at(&msg, i);
        comments.push(String::from_utf8_lossy(&msg[i + 4..i + 4 + c]).into_owned());
        i += 4 + c;
    }
    assert!(n > 0, "the agent holds a key");
    println!("cargo:warning=agent holds {} key(s): {}", n, comments.join(", "));
}
`

// sshAgent starts an ssh-agent holding a fresh key with the comment given
// and returns its socket.
func sshAgent(t *testing.T, comment string) string {
	t.Helper()
	dir := t.TempDir()
	sock := filepath.Join(dir, "agent.sock")
	agent := exec.Command("ssh-agent", "-D", "-a", sock)
	if err := agent.Start(); err != nil {
		t.Fatalf("ssh-agent: %v", err)
	}
	t.Cleanup(func() { agent.Process.Kill(); agent.Wait() })
	for i := 0; i < 50; i++ {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	key := filepath.Join(dir, "id")
	mustRun(t, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", key)
	add := exec.Command("ssh-add", key)
	add.Env = append(os.Environ(), "SSH_AUTH_SOCK="+sock)
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("ssh-add: %v\n%s", err, out)
	}
	return sock
}

// TestRustErrors: a missing Cargo.lock, a crate that does not compile, a
// manifest cargo rejects and a platform Rust apps do not support each fail
// with a clear message. When cargo fails, its first error line ends the
// final error the CLI prints, not only the step's log.
func TestRustErrors(t *testing.T) {
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
			"linux/amd64", []string{"error[E0308]: mismatched types", "[web] cargo build x86_64-unknown-linux-gnu"},
			": error[E0308]: mismatched types"},
		{"dependency step", map[string]string{"Cargo.toml": strings.Replace(manifest, "2021", "2030", 1), "Cargo.lock": lock, "src/main.rs": "fn main() {}\n"},
			"linux/amd64", []string{"[web] cargo build dependencies"}, ": error: failed to parse manifest at `/src/Cargo.toml`"},
		{"platform", map[string]string{"Cargo.toml": manifest, "Cargo.lock": lock, "src/main.rs": "fn main() {}\n"},
			"linux/riscv64", []string{"platform linux/riscv64 is not supported for Rust apps"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.files["strata.yaml"] = spec
			writeFiles(t, dir, tc.files)
			args := append([]string{"build", "--progress=plain", "--platform", tc.platform}, zigContext...)
			out, err := run(t, strata, append(args, dir)...)
			if err == nil {
				t.Fatalf("the build succeeded:\n%s", tail(out, 20))
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, tail(out, 40))
				}
			}
			if strings.Contains(out, "panic") {
				t.Errorf("panic:\n%s", out)
			}
			if tc.final == "" {
				return
			}
			if last := finalError(out, "strata: "); !strings.HasSuffix(last, tc.final) {
				t.Errorf("the final error does not end with %q:\n%s", tc.final, last)
			}
			// The same through the frontend image, in buildx's last line.
			writeFiles(t, dir, map[string]string{"strata.yaml": syntaxLine + spec})
			args = append([]string{"buildx", "build", "--progress=plain", "--platform", tc.platform, "-f", dir + "/strata.yaml"}, zigContext...)
			out, err = run(t, "docker", append(args, dir)...)
			if last := finalError(out, "ERROR: "); err == nil || !strings.HasSuffix(last, tc.final) {
				t.Errorf("buildx: the final error does not end with %q (%v):\n%s", tc.final, err, tail(out, 20))
			}
		})
	}
}

// finalError is the last line of a build's output that starts with
// prefix: the error the strata CLI ("strata: ") or buildx ("ERROR: ") ends with.
func finalError(out, prefix string) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(lines[i], prefix) {
			return lines[i]
		}
	}
	return ""
}

// TestRustLargeSource: a generated lib.rs over BuildKit's 16 MiB read limit
// builds: the frontend only lists the crate's targets, it reads manifests.
func TestRustLargeSource(t *testing.T) {
	emulationOff(t)
	dir := webCrate(t, "", "fn main() {}\n")
	lib := bytes.Repeat([]byte("// generated: "+strings.Repeat("x", 105)+"\n"), 17<<20/120)
	writeFiles(t, dir, map[string]string{
		"src/lib.rs":  string(lib) + "pub fn answer() -> u32 {\n    42\n}\n",
		"src/main.rs": "fn main() {\n    println!(\"{}\", web::answer());\n}\n",
	})
	out := t.TempDir()
	args := append([]string{"build", "--progress=plain", "--platform", "linux/amd64"}, zigContext...)
	mustRun(t, strata, append(args, "-o", "type=local,dest="+out, dir)...)
	if got, err := exec.Command(filepath.Join(out, "usr/local/bin/web")).CombinedOutput(); err != nil || strings.TrimSpace(string(got)) != "42" {
		t.Errorf("web printed %q (%v)", got, err)
	}
}
