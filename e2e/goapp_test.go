package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/containerd/platforms"
	"github.com/strata-build/strata/e2e/testenv"
	"github.com/strata-build/strata/graph"
)

// TestGoAppBuildx is the main promise: one docker buildx build through
// # syntax gives a multi-arch image, built with emulation off.
func TestGoAppBuildx(t *testing.T) {
	t.Parallel()
	testenv.EmulationOff(t)
	dir, output := testenv.OCIOutput(t)
	testenv.MustBuildx(t, "build", "--progress=plain", "-f", goAppSpec,
		"--platform", strings.Join(testenv.BothPlatforms, ","), "-o", output, "examples/go-app")
	checkGoApp(t, testenv.ReadLayout(t, dir, testenv.BothPlatforms...), true)
}

// TestGoAppBake builds the example through the frontend target of the same
// bake run (contexts = target:frontend), not a pushed image.
func TestGoAppBake(t *testing.T) {
	t.Parallel()
	testenv.EmulationOff(t)
	dir, output := testenv.OCIOutput(t)
	testenv.MustBuildx(t, "bake", "--progress=plain", "--allow=fs.write="+filepath.Dir(dir), "-f", "docker-bake.hcl", "go-app",
		"--set", "go-app.output="+output)
	checkGoApp(t, testenv.ReadLayout(t, dir, testenv.BothPlatforms...), false)
}

// TestBakeCall: `docker buildx bake --call targets ffmpeg-fc` with the
// project's bake file lists the spec's targets. bake sets the call on the
// linked frontend target too, which then makes no image: the bake file's
// FRONTEND variable gives the pushed frontend instead (the README says so).
// Not parallel: t.Setenv.
func TestBakeCall(t *testing.T) {
	t.Setenv("FRONTEND", "docker-image://"+testenv.FrontendImage)
	out := testenv.MustBuildx(t, "bake", "--progress=plain", "-f", "docker-bake.hcl", "--call", "targets", "ffmpeg-fc")
	for _, want := range []string{"ffmpeg-fc (default)", "ffmpeg-lambda", "probe-fc"} {
		if !strings.Contains(out, want) {
			t.Errorf("bake --call targets does not list %q:\n%s", want, testenv.Tail(out, 20))
		}
	}
}

// TestGoAppCLI builds with strata build, the frontend running in-process.
func TestGoAppCLI(t *testing.T) {
	t.Parallel()
	testenv.EmulationOff(t)
	dir, output := testenv.OCIOutput(t)
	testenv.MustStrata(t, "build", "--progress=plain", "-f", goAppSpec,
		"--platform", strings.Join(testenv.BothPlatforms, ","), "-o", output, "examples/go-app")
	checkGoApp(t, testenv.ReadLayout(t, dir, testenv.BothPlatforms...), false)
}

// checkGoApp checks both images: config, files, the binary's architecture;
// with run set, it runs them (arm64 under qemu-aarch64-static, a check of
// the result only).
func checkGoApp(t *testing.T, imgs map[string]*testenv.Image, runThem bool) {
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
		path := testenv.WriteExecutable(t, "go-app", bin.Data)
		testenv.CheckELF(t, path, arch, "")
		if !runThem {
			continue
		}
		switch arch {
		case runtime.GOARCH:
			serveGoApp(t, path, arch)
		case "arm64":
			out, err := exec.Command("qemu-aarch64-static", path, "-version").CombinedOutput()
			if err != nil || strings.TrimSpace(string(out)) != "go-app linux/arm64" {
				t.Errorf("arm64 binary under qemu-aarch64-static: %v %q", err, out)
			}
		}
	}
}

// serveGoApp runs the native binary and asks it over HTTP.
func serveGoApp(t *testing.T, path, arch string) {
	t.Helper()
	body := testenv.Serve(t,
		func(addr string) *exec.Cmd { return exec.Command(path, "-addr", addr) },
		func(base string) (*http.Response, error) { return http.Get(base + "/") })
	var got map[string]string
	if err := json.Unmarshal(body, &got); err != nil || got["platform"] != "linux/"+arch || got["request_id"] == "" {
		t.Fatalf("GET / answered %q (%v)", body, err)
	}
}

// TestNoQEMUInTheGraph reads the graph the frontend makes for linux/arm64:
// every exec must run on the build platform.
func TestNoQEMUInTheGraph(t *testing.T) {
	t.Parallel()
	for _, tc := range [][]string{
		{"-f", goAppSpec, "examples/go-app"},
		{"-f", ffmpegSpec, "--target", "ffmpeg-fc", "examples/ffmpeg-layer"},
		{"-f", ffmpegSpec, "--target", "probe", "examples/ffmpeg-layer"},
		{"-f", ffmpegSpec, "--target", "probe-lambda", "examples/ffmpeg-layer"},
		append(testenv.ZigContext, "-f", rustAppSpec, "examples/rust-app"),
		// Debian packages for the target: sysroots and run-time packages.
		append(testenv.ZigContext, "-f", "examples/go-sqlite/strata.yaml", "--target", "go-sqlite", "examples/go-sqlite"),
		append(testenv.ZigContext, "-f", "examples/rust-tls/strata.yaml", "examples/rust-tls"),
		// A Python app whose C extension is compiled for the target.
		append(testenv.ZigContext, "-f", "examples/python-app/strata.yaml", "examples/python-app"),
		// A Python layer and a Python function's code package.
		{"-f", "examples/python-layer/strata.yaml", "--target", "numpy-lambda", "examples/python-layer"},
		{"-f", "examples/python-layer/strata.yaml", "--target", "stats-lambda", "examples/python-layer"},
	} {
		t.Run(tc[len(tc)-2], func(t *testing.T) {
			t.Parallel()
			checkGraphOnBuildPlatform(t, tc)
		})
	}
}

func checkGraphOnBuildPlatform(t *testing.T, args []string) {
	foreign := map[string]string{"amd64": "linux/arm64", "arm64": "linux/amd64"}[runtime.GOARCH]
	out := testenv.MustStrata(t, append([]string{"llb", "--platform", foreign}, args...)...)
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
		t.Fatalf("strata llb: %v\n%s", err, testenv.Tail(out, 20))
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

// goAppBuildStep is the compile step of the go-app example for a platform.
func goAppBuildStep(platform string) string {
	return graph.GoBuildStep("go-app", ".", platforms.MustParse(platform))
}

// TestGoAppCaching reads BuildKit's status events: a repeat build is fully
// cached, and a .go edit re-runs the compile but not the module download.
func TestGoAppCaching(t *testing.T) {
	t.Parallel()
	testenv.EmulationOff(t)
	dir := testenv.CopyDir(t, "examples/go-app")
	main := filepath.Join(dir, "main.go")
	edit := func() {
		dt, _ := os.ReadFile(main)
		if err := os.WriteFile(main, append(dt, []byte("\n// edited "+testenv.Unique()+"\n")...), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	build := func() testenv.Events {
		return testenv.ParseEvents(testenv.MustStrata(t, "build", "--progress=rawjson", "--platform", "linux/arm64", dir))
	}
	// An edit of its own: the first build compiles, whatever ran before.
	edit()
	if !build().Step(t, goAppBuildStep("linux/arm64")).Ran() {
		t.Fatal("the first build of new sources took go build from the cache")
	}
	steps := build().WithPrefix(graph.StepPrefix("go-app"))
	for _, s := range steps {
		if s.Ran() {
			t.Errorf("repeat build ran %q", s.Name)
		}
	}
	// Strata's own steps; loading the context and resolving images are no
	// build steps and always report.
	if len(steps) < 4 {
		t.Errorf("the repeat build reported %d of Strata's steps, want every one of them, cached", len(steps))
	}
	edit()
	vs := build()
	if vs.Step(t, graph.GoDownloadStep("go-app")).Ran() {
		t.Error("a .go edit re-ran go mod download")
	}
	if !vs.Step(t, goAppBuildStep("linux/arm64")).Ran() {
		t.Error("a .go edit did not re-run go build")
	}
}

// TestGoAppReproducible: two builds without the cache give the same image
// layers, byte for byte (the binary with -trimpath, the app files with
// fixed times and one copy of a staged tree). Serial: BuildKit runs a
// step that another build needs while a --no-cache build runs it again,
// for both, which parallel tests would see as steps that ran.
func TestGoAppReproducible(t *testing.T) {
	testenv.EmulationOff(t)
	var layers [2]string
	for i := range layers {
		dir, output := testenv.OCIOutput(t)
		out := testenv.MustStrata(t, "build", "--no-cache", "--progress=rawjson", "-f", goAppSpec, "--platform", "linux/arm64",
			"-o", output, "examples/go-app")
		// --no-cache must really rebuild, or the comparison proves nothing.
		if !testenv.ParseEvents(out).Step(t, goAppBuildStep("linux/arm64")).Ran() {
			t.Fatal("--no-cache took go build from the cache")
		}
		layers[i] = testenv.LayerDigests(t, dir)
	}
	if layers[0] != layers[1] {
		t.Fatalf("two uncached builds gave different layers:\n%s\n%s", layers[0], layers[1])
	}
}

// TestNamedContexts: every external input can be replaced with a named
// context, through buildx and through the strata CLI alike.
func TestNamedContexts(t *testing.T) {
	t.Parallel()
	testenv.EmulationOff(t)
	// The base image, by its reference: debian:bookworm keeps the
	// documentation that the slim base drops.
	dir, output := testenv.OCIOutput(t)
	testenv.MustBuildx(t, "build", "--progress=plain", "-f", goAppSpec, "--platform", "linux/amd64",
		"--build-context", "debian:bookworm-slim=docker-image://debian:bookworm", "-o", output, "examples/go-app")
	img := testenv.ReadLayout(t, dir, "linux/amd64")["linux/amd64"]
	if img.Files["usr/share/doc/bash/copyright"] == nil {
		t.Error("the base was not replaced: /usr/share/doc/bash is missing")
	}
	if img.Files["usr/local/bin/go-app"] == nil {
		t.Error("the app is missing")
	}
	// The Go toolchain, by its short name, through the CLI.
	const golang = "localhost:5000/library/golang:1.26-bookworm"
	out := testenv.MustStrata(t, "build", "--progress=rawjson", "-f", goAppSpec, "--platform", "linux/amd64",
		"--build-context", "golang=docker-image://"+golang, "examples/go-app")
	// dockerui, which resolves named contexts, names the step.
	if testenv.ParseEvents(out)["[context golang] "+golang] == nil {
		t.Error("the golang named context was not used")
	}
}
