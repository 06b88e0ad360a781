package e2e

import (
	"archive/zip"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/strata-build/strata/e2e/testenv"
)

// pythonRuntimeImage stands in for the runtime's Python: the root of the
// python:3.11-slim-bookworm stand-in of the architecture, holding Python
// 3.11, glibc and what the image has beside them.
const pythonRuntimeImage = "library/python:3.11-slim-bookworm"

// lambdaPythonPath is sys.path as AWS Lambda's python3.11 runtime makes it
// for a function's code at /var/task and its layers at /opt.
const lambdaPythonPath = "PYTHONPATH=/var/task:/opt/python:/opt/python/lib/python3.11/site-packages"

// buildPythonLayerExample builds a target of examples/python-layer for
// both platforms in one build with emulation off (the strata CLI; numpy
// comes from PyPI) and returns the output directory.
func buildPythonLayerExample(t *testing.T, target string) string {
	t.Helper()
	testenv.EmulationOff(t)
	out, output := testenv.LocalOutput(t)
	testenv.MustStrata(t, "build", "--progress=plain", "--target", target, "--platform", strings.Join(testenv.BothPlatforms, ","),
		"-o", output, "examples/python-layer")
	return out
}

// runPython runs the root's Python in a chroot with Lambda's sys.path
// (arm64 under qemu-aarch64-static, a check only).
func runPython(t *testing.T, root, arch, dir string, args ...string) string {
	t.Helper()
	cmd := testenv.InChroot(t, root, arch, dir, "/usr/local/bin/python3.11", args...)
	cmd.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", lambdaPythonPath}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: python %s: %v\n%s", arch, strings.Join(args, " "), err, testenv.Tail(string(out), 20))
	}
	return strings.TrimSpace(string(out))
}

// TestPythonLayer builds the numpy layer for Lambda's python3.11 (Amazon
// Linux 2, glibc 2.26) for amd64 and arm64: the archive holds numpy at
// python/lib/python3.11/site-packages, its native modules for the
// architecture within glibc 2.26, no console scripts; unpacked at /opt of
// a root holding only the runtime's Python, numpy imports from there and
// computes (arm64 under qemu-aarch64-static).
func TestPythonLayer(t *testing.T) {
	t.Parallel()
	out := buildPythonLayerExample(t, "numpy-lambda")
	for _, arch := range []string{"amd64", "arm64"} {
		t.Run(arch, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(out, "linux_"+arch)
			m := testenv.ReadManifest(t, filepath.Join(dir, "numpy-lambda.manifest.json"))
			zipPath := filepath.Join(dir, "numpy-lambda.zip")
			if sum := testenv.FileSHA256(t, zipPath); sum != m.SHA256 {
				t.Errorf("manifest sha256 %s, archive %s", m.SHA256, sum)
			}
			if minor, err := strconv.Atoi(strings.TrimPrefix(m.Glibc, "2.")); m.Machine != testenv.ElfMachine[arch].String() || err != nil || minor > 26 {
				t.Errorf("manifest: machine %s, glibc %s (al2 has 2.26)", m.Machine, m.Glibc)
			}
			const site = "python/lib/python3.11/site-packages/"
			modules := 0
			for _, f := range m.Files {
				switch {
				case !strings.HasPrefix(f.Path, site):
					t.Errorf("%s is not under %s", f.Path, site)
				case strings.HasPrefix(f.Path, site+"bin/"):
					t.Errorf("the layer holds a console script: %s", f.Path)
				case strings.HasSuffix(f.Path, ".so"):
					modules++
				}
			}
			mod := "numpy/_core/_multiarray_umath.cpython-311-" + testenv.Multiarch[arch] + ".so"
			root := testenv.RegistryImage(t, pythonRuntimeImage, arch).WriteRoot(t)
			testenv.Unzip(t, zipPath, filepath.Join(root, "opt"))
			testenv.CheckELF(t, filepath.Join(root, "opt", site, mod), arch, "2.26")
			if _, err := os.Stat(filepath.Join(root, "opt", site, "numpy/__pycache__/__init__.cpython-311.pyc")); err != nil {
				t.Errorf("no byte-code: %v", err)
			}
			got := runPython(t, root, arch, "/", "-c",
				"import numpy, platform; print(numpy.__version__); print(numpy.__file__); print(platform.machine()); print(numpy.linalg.det(numpy.eye(3) * 2))")
			lines := strings.Split(got, "\n")
			if len(lines) != 4 || lines[0] != "2.2.6" || lines[1] != "/opt/"+site+"numpy/__init__.py" ||
				lines[2] != map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[arch] || !strings.HasPrefix(lines[3], "7.99999") {
				t.Errorf("python printed %q", got)
			}
			t.Logf("%s (%s): %d entries, %d native modules, %.1f MiB unpacked, %.1f MiB zip, glibc %s; python printed %q", arch,
				map[bool]string{true: "native", false: "qemu-aarch64-static"}[arch == runtime.GOARCH], len(m.Files), modules,
				float64(m.UncompressedSize)/(1<<20), float64(m.CompressedSize)/(1<<20), m.Glibc, got)
		})
	}
}

// TestPythonCodePackage builds the stats function's Lambda code package
// for amd64 and arm64: handler.py and numpy at the zip's root, nothing of
// the spec; extracted at /var/task of the runtime's root, the handler
// runs (arm64 under qemu-aarch64-static).
func TestPythonCodePackage(t *testing.T) {
	t.Parallel()
	out := buildPythonLayerExample(t, "stats-lambda")
	for _, arch := range []string{"amd64", "arm64"} {
		t.Run(arch, func(t *testing.T) {
			t.Parallel()
			zipPath := filepath.Join(out, "linux_"+arch, "stats-lambda.zip")
			zr, err := zip.OpenReader(zipPath)
			if err != nil {
				t.Fatal(err)
			}
			names := map[string]bool{}
			for _, f := range zr.File {
				names[f.Name] = true
			}
			zr.Close()
			for _, want := range []string{"handler.py", "numpy/__init__.py", "numpy/__pycache__/__init__.cpython-311.pyc"} {
				if !names[want] {
					t.Errorf("the package lacks %s", want)
				}
			}
			for _, not := range []string{"strata.yaml", "bin/f2py", "python/"} {
				if names[not] {
					t.Errorf("the package holds %s", not)
				}
			}
			root := testenv.RegistryImage(t, pythonRuntimeImage, arch).WriteRoot(t)
			testenv.Unzip(t, zipPath, filepath.Join(root, "var/task"))
			got := runPython(t, root, arch, "/var/task", "-c", "import handler, json; print(json.dumps(handler.handler({'x': [1, 2, 3, 4]}, None)))")
			var res map[string]any
			if err := json.Unmarshal([]byte(got), &res); err != nil || res["n"] != 4.0 || res["mean"] != 2.5 || res["numpy"] != "2.2.6" {
				t.Errorf("the handler returned %q (%v)", got, err)
			}
			m := testenv.ReadManifest(t, filepath.Join(out, "linux_"+arch, "stats-lambda.manifest.json"))
			t.Logf("%s: %d entries, %.1f MiB zip; handler.handler returned %s", arch, len(m.Files), float64(m.CompressedSize)/(1<<20), got)
		})
	}
}
