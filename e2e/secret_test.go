package e2e

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strata-build/strata/e2e/testenv"
)

// TestRustSecret: a BuildKit secret reaches cargo (build.rs checks it) as
// an environment variable, and no layer of the image holds it.
func TestRustSecret(t *testing.T) {
	t.Parallel()
	testenv.EmulationOff(t)
	const token = "s3cret-e2e-token"
	env := []string{"STRATA_E2E_TOKEN=" + token}
	dir := webCrate(t, "secrets: [{id: token, env: REGISTRY_TOKEN}]",
		"fn main() {\n    let t = std::env::var(\"REGISTRY_TOKEN\").expect(\"the secret reaches cargo\");\n    assert_eq!(t.len(), 16);\n}\n")
	newBuildScript(t, dir)
	oci, output := testenv.OCIOutput(t)
	args := append([]string{"build", "--progress=plain", "--platform", "linux/arm64", "--secret", "id=token,env=STRATA_E2E_TOKEN"}, testenv.ZigContext...)
	testenv.MustRunEnv(t, env, testenv.StrataCLI(), append(args, "-o", output, dir)...)
	for _, img := range testenv.ReadLayout(t, oci, "linux/arm64") {
		for name, f := range img.Files {
			if bytes.Contains(f.Data, []byte(token)) {
				t.Errorf("%s holds the secret", name)
			}
		}
	}
	newBuildScript(t, dir)
	args = append([]string{"build", "--progress=plain", "--platform", "linux/arm64"}, testenv.ZigContext...)
	if out, err := testenv.Strata(t, append(args, dir)...); err == nil || !strings.Contains(out, "token") {
		t.Errorf("without the secret the build did not fail on it: %v\n%s", err, testenv.Tail(out, 20))
	}
}

// secretApp is a Rust app whose secret (REGISTRY_TOKEN) is watched by the
// build scripts of a dependency (a [patch]ed itoa, compiled in the
// dependency step) and of the app itself: cargo records the value of both
// in its fingerprints.
var secretApp = map[string]string{
	"strata.yaml":     "version: 1\napps:\n  sec:\n    lang: rust\n    rust:\n      target_cache: true\n      secrets: [{id: token, env: REGISTRY_TOKEN}]\n",
	"Cargo.toml":      "[package]\nname = \"sec\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nitoa = \"1\"\n\n[patch.crates-io]\nitoa = { path = \"itoa\" }\n",
	"build.rs":        "fn main() {\n    println!(\"cargo:rerun-if-env-changed=REGISTRY_TOKEN\");\n    assert!(std::env::var(\"REGISTRY_TOKEN\").is_ok());\n}\n",
	"src/main.rs":     "fn main() {\n    println!(\"{}\", itoa::fmt(42));\n}\n",
	"itoa/Cargo.toml": "[package]\nname = \"itoa\"\nversion = \"1.0.99\"\nedition = \"2021\"\n",
	"itoa/build.rs":   "fn main() {\n    println!(\"cargo:rerun-if-env-changed=REGISTRY_TOKEN\");\n}\n",
	"itoa/src/lib.rs": "pub fn fmt(n: u32) -> String {\n    n.to_string()\n}\n",
}

// TestRustSecretScrubbed: after a build with target_cache and a registry
// cache export, the secret's value is in no image layer, no blob of the
// registry cache, no file the builder wrote (snapshots, the target cache
// mount) and no status event; a crate that embeds the value fails the build
// with an error naming the file. A secret is no part of a cache key, so
// the app has a feature of its own: both cargo steps run with this value.
func TestRustSecretScrubbed(t *testing.T) {
	t.Parallel()
	testenv.EmulationOff(t)
	token := "s3cret-" + testenv.Unique()
	env := []string{"STRATA_E2E_TOKEN=" + token}
	dir := t.TempDir()
	testenv.WriteFiles(t, dir, secretApp)
	ownDependencies(t, dir)
	lock := exec.Command("cargo", "generate-lockfile")
	lock.Dir = dir
	if out, err := lock.CombinedOutput(); err != nil {
		t.Fatalf("cargo generate-lockfile: %v\n%s", err, out)
	}
	since := time.Now()
	oci, output := testenv.OCIOutput(t)
	ref := "localhost:5000/strata/cache:secret-" + testenv.Unique()
	args := append([]string{"build", "--progress=rawjson", "--platform", "linux/amd64,linux/arm64", "--secret", "id=token,env=STRATA_E2E_TOKEN",
		"--cache-to", "type=registry,ref=" + ref + ",mode=max"}, testenv.ZigContext...)
	events := testenv.MustRunEnv(t, env, testenv.StrataCLI(), append(args, "-o", output, dir)...)

	secret := []byte(token)
	if bytes.Contains([]byte(events), secret) {
		t.Error("a status event holds the secret")
	}
	blobs := testenv.Blobs(oci)
	for _, b := range blobs {
		if testenv.Holds(t, readFile(t, b), secret) {
			t.Errorf("image blob %s holds the secret", filepath.Base(b))
		}
	}
	n := 0
	for _, b := range testenv.RegistryBlobs(t, ref) {
		n++
		if testenv.Holds(t, b.Data, secret) {
			t.Errorf("registry cache blob %s holds the secret", b.Digest)
		}
	}
	if n < 3 {
		t.Fatalf("the registry cache has %d blobs: not exported?", n)
	}
	// Parallel tests write and remove the builder's files meanwhile: a file
	// removed before it is read is not one the builder keeps.
	files := 0
	state := testenv.StateDir()
	filepath.WalkDir(filepath.Join(state, "root"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		if fi, err := d.Info(); err == nil && fi.ModTime().After(since) {
			dt, err := os.ReadFile(p)
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			files++
			if err != nil {
				t.Errorf("%s: %v", p, err)
			} else if testenv.Holds(t, dt, secret) {
				t.Errorf("the builder's %s holds the secret", strings.TrimPrefix(p, state))
			}
		}
		return nil
	})
	t.Logf("%d image blobs, %d cache blobs, %d builder files checked", len(blobs), n, files)

	// A crate that embeds the value: the build fails and says where.
	testenv.EditFile(t, filepath.Join(dir, "src/main.rs"), "itoa::fmt(42)", "std::hint::black_box(option_env!(\"REGISTRY_TOKEN\").unwrap_or(\"\")).len()")
	args = append([]string{"build", "--progress=plain", "--platform", "linux/amd64", "--secret", "id=token,env=STRATA_E2E_TOKEN"}, testenv.ZigContext...)
	out, err := testenv.RunEnv(t, env, testenv.StrataCLI(), append(args, dir)...)
	if err == nil || !strings.Contains(out, "error: the value of secret variable REGISTRY_TOKEN is in /strata/target/x86_64-unknown-linux-gnu/release/") {
		t.Errorf("a binary embedding the secret did not fail the build clearly (%v):\n%s", err, testenv.Tail(out, 10))
	}
	if strings.Contains(out, token) {
		t.Error("the failed build's output shows the secret")
	}
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	dt, err := os.ReadFile(p)
	if err != nil {
		t.Errorf("%s: %v", p, err)
	}
	return dt
}

// TestGoCredentials: credentials in a proxy build arg are refused without
// being echoed; a .netrc given as a secret (go.netrc) reaches go mod
// download and is in no image blob and not in the graph.
func TestGoCredentials(t *testing.T) {
	t.Parallel()
	testenv.EmulationOff(t)
	dir := testenv.CopyDir(t, "examples/go-app")
	out, err := testenv.Strata(t, "build", "--progress=plain", "--build-arg", "GOPROXY=https://user:s3cret-in-arg@goproxy.example.com", dir)
	if err == nil || !strings.Contains(out, "build arg GOPROXY holds credentials") || strings.Contains(out, "s3cret-in-arg") {
		t.Errorf("credentials in GOPROXY (%v):\n%s", err, testenv.Tail(out, 10))
	}

	const password = "netrc-s3cret-42"
	netrc := filepath.Join(t.TempDir(), "netrc")
	if err := os.WriteFile(netrc, []byte("machine goproxy.example.com login me password "+password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	testenv.EditFile(t, filepath.Join(dir, "strata.yaml"), "    go:\n", "    go:\n      netrc: gonetrc\n")
	oci, output := testenv.OCIOutput(t)
	out = testenv.MustStrata(t, "build", "--progress=rawjson", "--secret", "id=gonetrc,src="+netrc, "--platform", "linux/arm64",
		"-o", output, dir)
	graph := testenv.MustStrata(t, "llb", "--platform", "linux/arm64", dir)
	if !strings.Contains(graph, "/run/secrets/netrc") {
		t.Error("the graph mounts no netrc")
	}
	for what, s := range map[string]string{"status events": out, "graph": graph} {
		if strings.Contains(s, password) {
			t.Errorf("the %s hold the netrc's password", what)
		}
	}
	for _, b := range testenv.Blobs(oci) {
		if testenv.Holds(t, readFile(t, b), []byte(password)) {
			t.Errorf("image blob %s holds the netrc's password", filepath.Base(b))
		}
	}
}
