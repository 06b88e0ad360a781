package e2e

import (
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

const goAppSpec = "examples/go-app/strata.yaml"

var bothPlatforms = []string{"linux/amd64", "linux/arm64"}

// TestGoAppBuildx is the main promise: one docker buildx build through
// # syntax gives a multi-arch image, built with emulation off.
func TestGoAppBuildx(t *testing.T) {
	emulationOff(t)
	dir := filepath.Join(t.TempDir(), "oci")
	mustRun(t, "docker", "buildx", "build", "--progress=plain", "-f", goAppSpec,
		"--platform", strings.Join(bothPlatforms, ","),
		"-o", "type=oci,tar=false,dest="+dir, "examples/go-app")
	checkGoApp(t, readLayout(t, dir, bothPlatforms...), true)
}

// TestGoAppBake builds the example through the frontend target of the same
// bake run (contexts = target:frontend), not a pushed image.
func TestGoAppBake(t *testing.T) {
	emulationOff(t)
	dir := filepath.Join(t.TempDir(), "oci")
	mustRun(t, "docker", "buildx", "bake", "--progress=plain", "--allow=fs.write="+filepath.Dir(dir), "-f", "docker-bake.hcl", "go-app",
		"--set", "go-app.output=type=oci,tar=false,dest="+dir)
	checkGoApp(t, readLayout(t, dir, bothPlatforms...), false)
}

// TestGoAppCLI builds with strata build, the frontend running in-process.
func TestGoAppCLI(t *testing.T) {
	emulationOff(t)
	dir := filepath.Join(t.TempDir(), "oci")
	mustRun(t, strata, "build", "--progress=plain", "-f", goAppSpec,
		"--platform", strings.Join(bothPlatforms, ","),
		"-o", "type=oci,tar=false,dest="+dir, "examples/go-app")
	checkGoApp(t, readLayout(t, dir, bothPlatforms...), false)
}

var elfMachine = map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}

// checkGoApp checks both images: config, files, the binary's architecture;
// with run set, it runs them (arm64 under qemu-aarch64-static, a check of
// the result only).
func checkGoApp(t *testing.T, imgs map[string]*image, runThem bool) {
	t.Helper()
	for p, img := range imgs {
		c := img.Config.Config
		if c.User != "65532:65532" {
			t.Errorf("%s: user %q, want non-root 65532:65532", p, c.User)
		}
		if strings.Join(c.Entrypoint, " ") != "/usr/local/bin/go-app" || strings.Join(c.Cmd, " ") != "-addr :8080" {
			t.Errorf("%s: entrypoint %q cmd %q", p, c.Entrypoint, c.Cmd)
		}
		if c.Labels["org.opencontainers.image.title"] != "go-app" || c.WorkingDir != "/home/app" {
			t.Errorf("%s: labels %v workdir %q", p, c.Labels, c.WorkingDir)
		}
		if _, ok := c.ExposedPorts["8080/tcp"]; !ok {
			t.Errorf("%s: ports %v", p, c.ExposedPorts)
		}
		bin := img.Files["usr/local/bin/go-app"]
		if bin == nil {
			t.Fatalf("%s: no /usr/local/bin/go-app", p)
		}
		if bin.Header.Mode&0o111 == 0 || bin.Header.Uid != 0 {
			t.Errorf("%s: binary mode %o uid %d", p, bin.Header.Mode, bin.Header.Uid)
		}
		if pw := img.Files["etc/passwd"]; pw == nil || !strings.Contains(string(pw.Data), "\napp:x:65532:65532::/home/app:") ||
			!strings.HasPrefix(string(pw.Data), "root:x:0:0:") {
			t.Errorf("%s: /etc/passwd does not keep the base's entries and add app", p)
		}
		if home := img.Files["home/app"]; home == nil || home.Header.Uid != 65532 {
			t.Errorf("%s: /home/app missing or not owned by the user", p)
		}
		if img.Files["usr/bin/bash"] == nil && img.Files["bin/bash"] == nil {
			t.Errorf("%s: the debian base's files are missing", p)
		}
		arch := img.Config.Architecture
		path := filepath.Join(t.TempDir(), "go-app-"+arch)
		if err := os.WriteFile(path, bin.Data, 0o755); err != nil {
			t.Fatal(err)
		}
		f, err := elf.Open(path)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if f.Machine != elfMachine[arch] {
			t.Errorf("%s: ELF machine %v, want %v", p, f.Machine, elfMachine[arch])
		}
		f.Close()
		if !runThem {
			continue
		}
		switch arch {
		case runtime.GOARCH:
			serve(t, path, arch)
		case "arm64":
			out, err := exec.Command("qemu-aarch64-static", path, "-version").CombinedOutput()
			if err != nil || strings.TrimSpace(string(out)) != "go-app linux/arm64" {
				t.Errorf("arm64 binary under qemu-aarch64-static: %v %q", err, out)
			}
		}
	}
}

// serve runs the native binary and asks it over HTTP.
func serve(t *testing.T, path, arch string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(path, "-addr", addr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	var body []byte
	for i := 0; i < 50; i++ {
		resp, err := http.Get("http://" + addr + "/")
		if err == nil {
			body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	var got map[string]string
	if err := json.Unmarshal(body, &got); err != nil || got["platform"] != "linux/"+arch || got["request_id"] == "" {
		t.Fatalf("GET / answered %q (%v)", body, err)
	}
}

// TestNoQEMUInTheGraph reads the graph the frontend makes for linux/arm64:
// every exec must run on the build platform.
func TestNoQEMUInTheGraph(t *testing.T) {
	for _, tc := range [][]string{
		{"-f", goAppSpec, "examples/go-app"},
		{"-f", ffmpegSpec, "--target", "ffmpeg-fc", "examples/ffmpeg-layer"},
		{"-f", ffmpegSpec, "--target", "probe", "examples/ffmpeg-layer"},
		{"-f", ffmpegSpec, "--target", "probe-lambda", "examples/ffmpeg-layer"},
		append(zigContext, "-f", rustAppSpec, "examples/rust-app"),
	} {
		t.Run(tc[len(tc)-2], func(t *testing.T) { checkGraphOnBuildPlatform(t, tc) })
	}
}

func checkGraphOnBuildPlatform(t *testing.T, args []string) {
	foreign := map[string]string{"amd64": "linux/arm64", "arm64": "linux/amd64"}[runtime.GOARCH]
	out := mustRun(t, strata, append([]string{"llb", "--platform", foreign}, args...)...)
	var g struct {
		Def map[string]struct {
			Exec *struct {
				Meta struct{ Args []string } `json:"meta"`
			} `json:"exec"`
			Platform *struct {
				OS           string `json:"OS"`
				Architecture string `json:"Architecture"`
			} `json:"platform"`
		} `json:"def"`
	}
	if err := json.Unmarshal([]byte(out[strings.Index(out, "{"):]), &g); err != nil {
		t.Fatalf("strata llb: %v\n%s", err, tail(out, 20))
	}
	execs := 0
	for d, op := range g.Def {
		if op.Exec == nil {
			continue
		}
		execs++
		if op.Platform == nil || op.Platform.Architecture != runtime.GOARCH {
			t.Errorf("exec %s %q runs on %+v, not the build platform linux/%s", d, op.Exec.Meta.Args, op.Platform, runtime.GOARCH)
		}
	}
	if execs == 0 {
		t.Fatal("the graph has no exec at all")
	}
}

// TestGoAppCaching reads BuildKit's status events: a repeat build is fully
// cached, and a .go edit re-runs the compile but not the module download.
func TestGoAppCaching(t *testing.T) {
	emulationOff(t)
	dir := copyDir(t, "examples/go-app")
	build := func() map[string]*vertex {
		out := mustRun(t, strata, "build", "--progress=rawjson", "--platform", "linux/arm64", dir)
		return vertices(t, out)
	}
	build()
	vs := build()
	steps := 0
	for name, v := range vs {
		// Strata's own steps; loading the context and resolving images are
		// no build steps and always report.
		if !strings.HasPrefix(name, "[go-app]") {
			continue
		}
		steps++
		if v.ran() {
			t.Errorf("repeat build ran %q", name)
		}
	}
	if steps < 4 {
		t.Errorf("the repeat build reported %d of Strata's steps, want every one of them, cached", steps)
	}
	main := filepath.Join(dir, "main.go")
	dt, _ := os.ReadFile(main)
	if err := os.WriteFile(main, append(dt, []byte(fmt.Sprintf("\n// edited %d\n", time.Now().UnixNano()))...), 0o644); err != nil {
		t.Fatal(err)
	}
	vs = build()
	if dl := step(t, vs, "go mod download"); dl.ran() {
		t.Error("a .go edit re-ran go mod download")
	}
	if gb := step(t, vs, "go build"); !gb.ran() {
		t.Error("a .go edit did not re-run go build")
	}
}

// TestGoAppReproducible: two builds without the cache give the same image
// layers, byte for byte (the binary with -trimpath, the app files with
// fixed times and one copy of a staged tree).
func TestGoAppReproducible(t *testing.T) {
	emulationOff(t)
	var layers [2]string
	for i := range layers {
		dir := filepath.Join(t.TempDir(), "oci")
		out := mustRun(t, strata, "build", "--no-cache", "--progress=rawjson", "-f", goAppSpec, "--platform", "linux/arm64",
			"-o", "type=oci,tar=false,dest="+dir, "examples/go-app")
		// --no-cache must really rebuild, or the comparison proves nothing.
		if !step(t, vertices(t, out), "go build").ran() {
			t.Fatal("--no-cache took go build from the cache")
		}
		layers[i] = manifestLayers(t, dir)
	}
	if layers[0] != layers[1] {
		t.Fatalf("two uncached builds gave different layers:\n%s\n%s", layers[0], layers[1])
	}
}

// manifestLayers lists the layer digests of an OCI layout's one image.
func manifestLayers(t *testing.T, dir string) string {
	t.Helper()
	var idx ocispecs.Index
	readJSON(t, filepath.Join(dir, "index.json"), &idx)
	d := idx.Manifests[0]
	for d.MediaType == ocispecs.MediaTypeImageIndex {
		var sub ocispecs.Index
		readJSON(t, blob(dir, d), &sub)
		d = sub.Manifests[0]
	}
	var m ocispecs.Manifest
	readJSON(t, blob(dir, d), &m)
	var out []string
	for _, l := range m.Layers {
		out = append(out, l.Digest.String())
	}
	return strings.Join(out, " ")
}

// TestNamedContexts: every external input can be replaced with a named
// context, through buildx and through the strata CLI alike.
func TestNamedContexts(t *testing.T) {
	emulationOff(t)
	// The runtime base, by its reference: debian:bookworm keeps the
	// documentation that the slim base drops.
	dir := filepath.Join(t.TempDir(), "oci")
	mustRun(t, "docker", "buildx", "build", "--progress=plain", "-f", goAppSpec, "--platform", "linux/amd64",
		"--build-context", "debian:bookworm-slim=docker-image://debian:bookworm",
		"-o", "type=oci,tar=false,dest="+dir, "examples/go-app")
	img := readLayout(t, dir, "linux/amd64")["linux/amd64"]
	if img.Files["usr/share/doc/bash/copyright"] == nil {
		t.Error("the base was not replaced: /usr/share/doc/bash is missing")
	}
	if img.Files["usr/local/bin/go-app"] == nil {
		t.Error("the app is missing")
	}
	// The Go toolchain, by its short name, through the CLI.
	out := mustRun(t, strata, "build", "--progress=rawjson", "-f", goAppSpec, "--platform", "linux/amd64",
		"--build-context", "golang=docker-image://localhost:5000/library/golang:1.26-bookworm", "examples/go-app")
	found := false
	for name := range vertices(t, out) {
		found = found || strings.Contains(name, "localhost:5000/library/golang:1.26-bookworm")
	}
	if !found {
		t.Error("the golang named context was not used")
	}
}
