package e2e

import (
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/containerd/platforms"
	"github.com/strata-build/strata/e2e/testenv"
	"github.com/strata-build/strata/graph"
)

// TestPythonApp builds examples/python-app (bottle, numpy's wheels, and
// pyaudio, a C extension without a Linux wheel) for amd64 and arm64 in one
// build with emulation off: pyaudio's module is compiled for each machine
// against that architecture's PortAudio, within the image's glibc; the
// self-test passes natively and under qemu-aarch64-static; the amd64
// image answers HTTP; the image holds no compiler and no -dev package; a
// .py edit leaves the dependency step cached.
func TestPythonApp(t *testing.T) {
	t.Parallel()
	dir := testenv.CopyDir(t, "examples/python-app")
	roots, _ := buildBoth(t, dir, "python-app")
	machine := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}
	for arch, root := range roots {
		mod := filepath.Join(root, "opt/venv/lib/python3.11/site-packages/pyaudio/_portaudio.cpython-311-"+testenv.Multiarch[arch]+".so")
		testenv.CheckELF(t, mod, arch, "2.36")
		f, err := elf.Open(mod)
		if err != nil {
			t.Fatal(err)
		}
		needed, _ := f.ImportedLibraries()
		f.Close()
		if !strings.Contains(strings.Join(needed, " "), "libportaudio.so.2") {
			t.Errorf("%s: pyaudio's module needs %v, not libportaudio.so.2", arch, needed)
		}
		for _, p := range []string{"usr/include/portaudio.h", "usr/bin/gcc", "usr/bin/cc"} {
			if _, err := os.Lstat(filepath.Join(root, p)); err == nil {
				t.Errorf("%s: the image holds %s", arch, p)
			}
		}
		out, err := testenv.InChroot(t, root, arch, "/app", "/opt/venv/bin/python", "-m", "app", "--self-test").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "portaudio PortAudio V19") || !strings.Contains(string(out), "machine "+machine[arch]) ||
			!strings.Contains(string(out), `"mean": 2.5`) {
			t.Errorf("%s: --self-test: %v\n%s", arch, err, out)
		}
		t.Logf("%s: %s", arch, strings.ReplaceAll(strings.TrimSpace(string(out)), "\n", "; "))
	}
	// The amd64 image serves HTTP/JSON.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	srv := testenv.InChroot(t, roots["amd64"], "amd64", "/app", "/opt/venv/bin/python", "-m", "app", "--port", fmt.Sprint(port))
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Process.Kill()
	var body []byte
	for i := 0; i < 50; i++ {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/stats?x=1,2,3", port))
		if err == nil {
			body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	var got map[string]float64
	if err := json.Unmarshal(body, &got); err != nil || got["mean"] != 2 || got["n"] != 3 {
		t.Errorf("GET /stats answered %q (%v)", body, err)
	}
	// Without libportaudio2 the image check fails, naming the module and
	// the library it lacks.
	testenv.EditFile(t, filepath.Join(dir, "strata.yaml"), "    packages: [libportaudio2]\n", "")
	_, output := testenv.OCIOutput(t)
	out, err := testenv.Strata(t, append(append([]string{"build", "--platform", "linux/arm64"}, testenv.ZigContext...), "-o", output, dir)...)
	if err == nil || !strings.Contains(out, "libportaudio.so.2, needed by /opt/venv/lib/python3.11/site-packages/pyaudio/_portaudio.cpython-311-aarch64-linux-gnu.so") {
		t.Errorf("an image without the module's library: %v\n%s", err, testenv.Tail(out, 10))
	}
	testenv.AppendFile(t, filepath.Join(dir, "strata.yaml"), "    packages: [libportaudio2]\n")
	// A source edit: the dependency step stays cached.
	testenv.EditFile(t, filepath.Join(dir, "app/__main__.py"), `print("machine"`, `print("edited", "`+testenv.Unique()+`")`+"\n        print(\"machine\"")
	_, events := buildBoth(t, dir, "python-app")
	for _, p := range testenv.BothPlatforms {
		if events.Step(t, graph.PythonDependenciesStep("python-app", platforms.MustParse(p))).Ran() {
			t.Errorf("a .py edit re-ran the %s dependency step", p)
		}
		// The check reads the image without the app's files: cached too.
		if events.Step(t, graph.ImageCheckStep("python-app", platforms.MustParse(p))).Ran() {
			t.Errorf("a .py edit re-ran the %s image check", p)
		}
	}
	// A lock change re-runs it.
	testenv.AppendFile(t, filepath.Join(dir, "uv.lock"), "# "+testenv.Unique()+"\n")
	_, events = buildBoth(t, dir, "python-app")
	for _, p := range testenv.BothPlatforms {
		if !events.Step(t, graph.PythonDependenciesStep("python-app", platforms.MustParse(p))).Ran() {
			t.Errorf("a lock change left the %s dependency step cached", p)
		}
	}
}

// TestPythonErrors: what goes wrong in a Python app's build ends the
// build's error clearly, with the spec's place where it is the spec's
// fault, through the CLI and buildx, and nothing is exported.
func TestPythonErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		edit  func(t *testing.T, dir string)
		final string // the end of the final error line
	}{
		{"no lock", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "uv.lock")) },
			"apps.python-app.path: no uv.lock (nor requirements.txt) in .: lock the project's dependencies (uv lock) and commit the file"},
		{"stale lock", func(t *testing.T, dir string) {
			testenv.EditFile(t, filepath.Join(dir, "pyproject.toml"), `"pyaudio>=0.2.14",`, `"pyaudio>=0.2.14", "six>=1.16",`)
		}, "uv.lock: error: The lockfile at `uv.lock` needs to be updated, but `--locked` was provided."},
		{"unknown version", func(t *testing.T, dir string) {
			testenv.WriteFiles(t, dir, map[string]string{".python-version": "3.7\n"})
		}, `apps.python-app.path: .python-version: Python "3.7": expected one of 3.9, 3.10, 3.11, 3.12, 3.13 (or set python.version)`},
		{"missing header", func(t *testing.T, dir string) {
			testenv.EditFile(t, filepath.Join(dir, "strata.yaml"), "    build_packages: [portaudio19-dev]\n", "")
		}, "pyaudio 0.2.14 for aarch64: src/pyaudio/device_api.c:9:10: fatal error: 'portaudio.h' file not found"},
		{"no cross-compiling", func(t *testing.T, dir string) {
			testenv.EditFile(t, filepath.Join(dir, "strata.yaml"), "      module: app\n", "      module: app\n      cross_compile: false\n")
		}, "pyaudio 0.2.14 has no wheel for aarch64-manylinux_2_36 (Python 3.11) and python.cross_compile is off"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := testenv.CopyDir(t, "examples/python-app")
			tc.edit(t, dir)
			output := filepath.Join(t.TempDir(), "out")
			args := append([]string{"build", "--progress=plain", "--platform", "linux/arm64", "-o", "type=local,dest=" + output}, testenv.ZigContext...)
			out, err := testenv.Strata(t, append(args, dir)...)
			if last := testenv.FinalError(out, "strata: "); err == nil || !strings.HasSuffix(last, tc.final) {
				t.Errorf("the final error does not end with %q (%v):\n%s", tc.final, err, testenv.Tail(out, 15))
			}
			if _, err := os.Stat(output); err == nil {
				t.Error("a failed build exported")
			}
			args = append([]string{"build", "--progress=plain", "--platform", "linux/arm64", "-f", dir + "/strata.yaml", "-o", "type=local,dest=" + output}, testenv.ZigContext...)
			out, err = testenv.Buildx(t, append(args, dir)...)
			if last := testenv.FinalError(out, "ERROR: "); err == nil || !strings.HasSuffix(last, tc.final) {
				t.Errorf("buildx: the final error does not end with %q (%v):\n%s", tc.final, err, testenv.Tail(out, 15))
			}
		})
	}
}

// TestPythonRegistryCache: one `docker buildx build` of the example for
// both platforms exports its cache to the local registry; after `buildctl
// prune --all` a .py edit built with --cache-from keeps both dependency
// steps cached (their venvs come from the registry) and rebuilds only the
// sources' layer. Serial: the prune would take from parallel tests the
// cache they expect.
func TestPythonRegistryCache(t *testing.T) {
	testenv.EmulationOff(t)
	dir := testenv.CopyDir(t, "examples/python-app")
	ref := "localhost:5000/strata/cache:python-app-" + testenv.Unique()
	build := func(cache ...string) testenv.Events {
		args := append([]string{"build", "--progress=rawjson", "-f", dir + "/strata.yaml", "--platform", strings.Join(testenv.BothPlatforms, ",")}, testenv.ZigContext...)
		return testenv.ParseEvents(testenv.MustBuildx(t, append(append(args, cache...), dir)...))
	}
	build("--cache-to", "type=registry,ref="+ref+",mode=max")
	testenv.MustRun(t, "buildctl", "prune", "--all")
	testenv.EditFile(t, filepath.Join(dir, "app/__main__.py"), `print("machine"`, `print("edited", "`+testenv.Unique()+`")`+"\n        print(\"machine\"")
	events := build("--cache-from", "type=registry,ref="+ref)
	for _, p := range testenv.BothPlatforms {
		if events.Step(t, graph.PythonDependenciesStep("python-app", platforms.MustParse(p))).Ran() {
			t.Errorf("after prune --all, --cache-from: the %s dependency step ran", p)
		}
	}
	if !events.Step(t, graph.PythonSourcesStep("python-app")).Ran() {
		t.Error("the edited sources were not copied again")
	}
}

// TestPythonPackagedProject: a packaged uv project (a [build-system]) is
// installed into the venv as uv sync would, its console script is the
// image's entrypoint; the project is a layer of its own, so a source edit
// re-runs its step and not the dependency step.
func TestPythonPackagedProject(t *testing.T) {
	t.Parallel()
	dir := testenv.CopyDir(t, "e2e/testdata/python-packaged")
	roots, _ := buildBoth(t, dir, "greet")
	for arch, root := range roots {
		out, err := testenv.InChroot(t, root, arch, "/app", "/opt/venv/bin/python", "/opt/venv/bin/greet").CombinedOutput()
		want := "greet from /opt/venv/lib/python3.11/site-packages/greet/__init__.py with six 1.17.0 on " + map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[arch]
		if err != nil || !strings.Contains(string(out), want) {
			t.Errorf("%s: greet: %v\n%s", arch, err, out)
		}
		if _, err := os.Stat(filepath.Join(root, "opt/venv/lib/python3.11/site-packages/greet/__pycache__/__init__.cpython-311.pyc")); err != nil {
			t.Errorf("%s: the project's byte-code: %v", arch, err)
		}
	}
	testenv.EditFile(t, filepath.Join(dir, "greet/__init__.py"), `print("greet"`, `print("edited", "`+testenv.Unique()+`")`+"\n    print(\"greet\"")
	_, events := buildBoth(t, dir, "greet")
	for _, p := range testenv.BothPlatforms {
		if events.Step(t, graph.PythonDependenciesStep("greet", platforms.MustParse(p))).Ran() {
			t.Errorf("a source edit re-ran the %s dependency step", p)
		}
		if !events.Step(t, graph.PythonProjectStep("greet", platforms.MustParse(p))).Ran() {
			t.Errorf("a source edit left the %s project step cached", p)
		}
	}
}

// TestPythonRequirements: the example installed from a requirements file
// with hashes instead of uv.lock: uv resolves it for arm64 and builds
// pyaudio for it with zig; the self-test passes under qemu-aarch64-static.
func TestPythonRequirements(t *testing.T) {
	t.Parallel()
	dir := testenv.CopyDir(t, "examples/python-app")
	os.Remove(filepath.Join(dir, "uv.lock"))
	os.Remove(filepath.Join(dir, "pyproject.toml"))
	testenv.MustRun(t, "cp", "-a", testenv.CopyDir(t, "e2e/testdata/python-requirements")+"/requirements.txt", dir)
	testenv.EmulationOff(t)
	layout, output := testenv.OCIOutput(t)
	testenv.MustStrata(t, append(append([]string{"build", "--platform", "linux/arm64"}, testenv.ZigContext...), "-o", output, dir)...)
	root := testenv.ReadLayout(t, layout, "linux/arm64")["linux/arm64"].WriteRoot(t)
	testenv.CheckELF(t, filepath.Join(root, "opt/venv/lib/python3.11/site-packages/pyaudio/_portaudio.cpython-311-aarch64-linux-gnu.so"), "arm64", "2.36")
	out, err := testenv.InChroot(t, root, "arm64", "/app", "/opt/venv/bin/python", "-m", "app", "--self-test").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "portaudio PortAudio V19") || !strings.Contains(string(out), "machine aarch64") {
		t.Errorf("--self-test: %v\n%s", err, out)
	}
}
