package e2e

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

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
// with an error naming the file.
func TestRustSecretScrubbed(t *testing.T) {
	emulationOff(t)
	token := fmt.Sprintf("s3cret-%d", time.Now().UnixNano())
	t.Setenv("STRATA_E2E_TOKEN", token)
	dir := t.TempDir()
	writeFiles(t, dir, secretApp)
	lock := exec.Command("cargo", "generate-lockfile")
	lock.Dir = dir
	if out, err := lock.CombinedOutput(); err != nil {
		t.Fatalf("cargo generate-lockfile: %v\n%s", err, out)
	}
	state := os.Getenv("STRATA_STATE")
	if state == "" {
		state = "/var/lib/strata-dev"
	}
	since := time.Now()
	oci := filepath.Join(t.TempDir(), "oci")
	ref := fmt.Sprintf("localhost:5000/strata/cache:secret-%d", time.Now().UnixNano())
	args := append([]string{"build", "--progress=rawjson", "--platform", "linux/amd64,linux/arm64", "--secret", "id=token,env=STRATA_E2E_TOKEN",
		"--cache-to", "type=registry,ref=" + ref + ",mode=max"}, zigContext...)
	events := mustRun(t, strata, append(args, "-o", "type=oci,tar=false,dest="+oci, dir)...)

	secret := []byte(token)
	if bytes.Contains([]byte(events), secret) {
		t.Error("a status event holds the secret")
	}
	blobs, _ := filepath.Glob(filepath.Join(oci, "blobs/sha256/*"))
	for _, b := range blobs {
		if holds(t, readFile(t, b), secret) {
			t.Errorf("image blob %s holds the secret", filepath.Base(b))
		}
	}
	n := 0
	for _, b := range registryBlobs(t, ref) {
		n++
		if holds(t, b.data, secret) {
			t.Errorf("registry cache blob %s holds the secret", b.digest)
		}
	}
	if n < 3 {
		t.Fatalf("the registry cache has %d blobs: not exported?", n)
	}
	files := 0
	filepath.WalkDir(filepath.Join(state, "root"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		if fi, err := d.Info(); err == nil && fi.ModTime().After(since) {
			files++
			if holds(t, readFile(t, p), secret) {
				t.Errorf("the builder's %s holds the secret", strings.TrimPrefix(p, state))
			}
		}
		return nil
	})
	t.Logf("%d image blobs, %d cache blobs, %d builder files checked", len(blobs), n, files)

	// A crate that embeds the value: the build fails and says where.
	editFile(t, filepath.Join(dir, "src/main.rs"), "itoa::fmt(42)", "std::hint::black_box(option_env!(\"REGISTRY_TOKEN\").unwrap_or(\"\")).len()")
	args = append([]string{"build", "--progress=plain", "--platform", "linux/amd64", "--secret", "id=token,env=STRATA_E2E_TOKEN"}, zigContext...)
	out, err := run(t, strata, append(args, dir)...)
	if err == nil || !strings.Contains(out, "error: the value of secret variable REGISTRY_TOKEN is in /strata/target/x86_64-unknown-linux-gnu/release/") {
		t.Errorf("a binary embedding the secret did not fail the build clearly (%v):\n%s", err, tail(out, 10))
	}
	if strings.Contains(out, token) {
		t.Error("the failed build's output shows the secret")
	}
}

// holds says whether data, or its gunzipped content, holds s.
func holds(t *testing.T, data, s []byte) bool {
	if bytes.Contains(data, s) {
		return true
	}
	if zr, err := gzip.NewReader(bytes.NewReader(data)); err == nil {
		plain, err := io.ReadAll(zr)
		if err != nil {
			t.Errorf("gunzip: %v", err)
		}
		return bytes.Contains(plain, s)
	}
	return false
}

func readFile(t *testing.T, p string) []byte {
	dt, err := os.ReadFile(p)
	if err != nil {
		t.Errorf("%s: %v", p, err)
	}
	return dt
}

type registryBlob struct {
	digest string
	data   []byte
}

// registryBlobs are every blob a reference in the local registry reaches:
// its manifests, configs and layers.
func registryBlobs(t *testing.T, ref string) []registryBlob {
	t.Helper()
	repo, tag, _ := strings.Cut(strings.TrimPrefix(ref, "localhost:5000/"), ":")
	base := "http://127.0.0.1:5000/v2/" + repo
	get := func(url, accept string) []byte {
		req, _ := http.NewRequest("GET", url, nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		dt, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s", url, res.Status)
		}
		return dt
	}
	accept := strings.Join([]string{ocispecs.MediaTypeImageIndex, ocispecs.MediaTypeImageManifest,
		"application/vnd.docker.distribution.manifest.list.v2+json", "application/vnd.docker.distribution.manifest.v2+json"}, ", ")
	var out []registryBlob
	var walk func(dt []byte)
	walk = func(dt []byte) {
		var m struct {
			Manifests []ocispecs.Descriptor `json:"manifests"`
			Layers    []ocispecs.Descriptor `json:"layers"`
			Config    *ocispecs.Descriptor  `json:"config"`
		}
		if json.Unmarshal(dt, &m) != nil {
			return
		}
		for _, d := range m.Manifests {
			sub := get(base+"/manifests/"+d.Digest.String(), accept)
			out = append(out, registryBlob{d.Digest.String(), sub})
			walk(sub)
		}
		descs := m.Layers
		if m.Config != nil {
			descs = append(descs, *m.Config)
		}
		for _, d := range descs {
			out = append(out, registryBlob{d.Digest.String(), get(base+"/blobs/"+d.Digest.String(), "")})
		}
	}
	top := get(base+"/manifests/"+tag, accept)
	out = append(out, registryBlob{tag, top})
	walk(top)
	return out
}

// TestGoCredentials: credentials in a proxy build arg are refused without
// being echoed; a .netrc given as a secret (go.netrc) reaches go mod
// download and is in no image blob and not in the graph.
func TestGoCredentials(t *testing.T) {
	emulationOff(t)
	dir := copyDir(t, "examples/go-app")
	out, err := run(t, strata, "build", "--progress=plain", "--build-arg", "GOPROXY=https://user:s3cret-in-arg@goproxy.example.com", dir)
	if err == nil || !strings.Contains(out, "build arg GOPROXY holds credentials") || strings.Contains(out, "s3cret-in-arg") {
		t.Errorf("credentials in GOPROXY (%v):\n%s", err, tail(out, 10))
	}

	const password = "netrc-s3cret-42"
	netrc := filepath.Join(t.TempDir(), "netrc")
	if err := os.WriteFile(netrc, []byte("machine goproxy.example.com login me password "+password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	editFile(t, filepath.Join(dir, "strata.yaml"), "    go:\n", "    go:\n      netrc: gonetrc\n")
	oci := filepath.Join(t.TempDir(), "oci")
	out = mustRun(t, strata, "build", "--progress=rawjson", "--secret", "id=gonetrc,src="+netrc, "--platform", "linux/arm64",
		"-o", "type=oci,tar=false,dest="+oci, dir)
	graph := mustRun(t, strata, "llb", "--platform", "linux/arm64", dir)
	if !strings.Contains(graph, "/run/secrets/netrc") {
		t.Error("the graph mounts no netrc")
	}
	for what, s := range map[string]string{"status events": out, "graph": graph} {
		if strings.Contains(s, password) {
			t.Errorf("the %s hold the netrc's password", what)
		}
	}
	blobs, _ := filepath.Glob(filepath.Join(oci, "blobs/sha256/*"))
	for _, b := range blobs {
		if holds(t, readFile(t, b), []byte(password)) {
			t.Errorf("image blob %s holds the netrc's password", filepath.Base(b))
		}
	}
}
