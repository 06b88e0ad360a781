package e2e

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const ffmpegSpec = "examples/ffmpeg-layer/strata.yaml"

// TestFFmpegLayer builds the FC layer for amd64 and arm64 with emulation
// off, unpacks each at /opt of a root holding only glibc (a stand-in for the
// function runtime: every other library must be in the layer) and uses it:
// ffmpeg -version, a test video made by ffmpeg itself, its audio track
// extracted.
func TestFFmpegLayer(t *testing.T) {
	emulationOff(t)
	out := t.TempDir()
	mustRun(t, "docker", "buildx", "build", "--progress=plain", "-f", ffmpegSpec, "--target", "ffmpeg-fc",
		"--platform", strings.Join(bothPlatforms, ","), "-o", "type=local,dest="+out, "examples/ffmpeg-layer")
	for _, arch := range []string{"amd64", "arm64"} {
		t.Run(arch, func(t *testing.T) {
			dir := filepath.Join(out, "linux_"+arch)
			m := readManifest(t, filepath.Join(dir, "ffmpeg-fc.manifest.json"))
			zipPath := filepath.Join(dir, "ffmpeg-fc.zip")
			if sum := fileSHA256(t, zipPath); sum != m.SHA256 {
				t.Errorf("manifest sha256 %s, archive %s", m.SHA256, sum)
			}
			want := map[string]string{"amd64": "EM_X86_64", "arm64": "EM_AARCH64"}[arch]
			if m.Machine != want || m.Glibc == "" || m.UncompressedSize < 50<<20 {
				t.Errorf("manifest: machine %s glibc %s size %d", m.Machine, m.Glibc, m.UncompressedSize)
			}
			t.Logf("%s: %d entries, %.1f MiB unpacked, %.1f MiB zip, glibc %s", arch, len(m.Files),
				float64(m.UncompressedSize)/(1<<20), float64(m.CompressedSize)/(1<<20), m.Glibc)
			root := runtimeRoot(t, arch)
			unzip(t, zipPath, filepath.Join(root, "opt"))
			useFFmpeg(t, root, arch)
		})
	}
}

// TestFFmpegLambdaLayer: the Lambda layer, from bullseye, needs no newer
// glibc than Amazon Linux 2023's 2.34, fits its 250 MB, and runs.
func TestFFmpegLambdaLayer(t *testing.T) {
	emulationOff(t)
	out := t.TempDir()
	mustRun(t, "docker", "buildx", "build", "--progress=plain", "-f", ffmpegSpec, "--target", "ffmpeg-lambda",
		"--platform", "linux/amd64", "-o", "type=local,dest="+out, "examples/ffmpeg-layer")
	m := readManifest(t, filepath.Join(out, "ffmpeg-lambda.manifest.json"))
	if minor, err := strconv.Atoi(strings.TrimPrefix(m.Glibc, "2.")); err != nil || minor > 34 {
		t.Errorf("the Lambda layer needs glibc %s, more than al2023's 2.34", m.Glibc)
	}
	if m.UncompressedSize > 262144000 {
		t.Errorf("the Lambda layer is %d bytes unzipped", m.UncompressedSize)
	}
	t.Logf("ffmpeg-lambda: %d entries, %.1f MiB unpacked, %.1f MiB zip, glibc %s", len(m.Files),
		float64(m.UncompressedSize)/(1<<20), float64(m.CompressedSize)/(1<<20), m.Glibc)
	root := runtimeRoot(t, "amd64")
	unzip(t, filepath.Join(out, "ffmpeg-lambda.zip"), filepath.Join(root, "opt"))
	useFFmpeg(t, root, "amd64")
}

type manifest struct {
	SHA256           string            `json:"sha256"`
	Machine          string            `json:"machine"`
	Glibc            string            `json:"glibc"`
	CompressedSize   int64             `json:"compressed_size"`
	UncompressedSize int64             `json:"uncompressed_size"`
	Env              map[string]string `json:"env"`
	Files            []struct {
		Path string `json:"path"`
		Link string `json:"link"`
		Size int64  `json:"size"`
	} `json:"files"`
}

func readManifest(t *testing.T, path string) *manifest {
	t.Helper()
	var m manifest
	readJSON(t, path, &m)
	return &m
}

func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	io.Copy(h, f)
	return hex.EncodeToString(h.Sum(nil))
}

// runtimeRoot is a stand-in for a function runtime: only the files of
// libc6, taken from the minimal Debian that hack/dev-env debootstrapped for
// the architecture, so that every other library must come from the layer.
func runtimeRoot(t *testing.T, arch string) string {
	t.Helper()
	src := debianRoot(t, arch)
	lists, _ := filepath.Glob(filepath.Join(src, "var/lib/dpkg/info/libc6*.list"))
	if len(lists) != 1 {
		t.Fatalf("no libc6 file list in the %s rootfs from hack/dev-env: %v", arch, lists)
	}
	dt, err := os.ReadFile(lists[0])
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "root")
	for _, d := range []string{"tmp", "opt", "usr/lib", "usr/bin"} {
		os.MkdirAll(filepath.Join(dst, d), 0o755)
	}
	// The merged-/usr links of Debian, then libc6's files.
	for _, l := range []string{"lib", "lib64", "bin", "sbin"} {
		if target, err := os.Readlink(filepath.Join(src, l)); err == nil {
			os.MkdirAll(filepath.Join(dst, target), 0o755)
			os.Symlink(target, filepath.Join(dst, l))
		}
	}
	for _, p := range strings.Split(strings.TrimSpace(string(dt)), "\n") {
		fi, err := os.Lstat(filepath.Join(src, p))
		if err != nil || fi.IsDir() {
			continue
		}
		os.MkdirAll(filepath.Dir(filepath.Join(dst, p)), 0o755)
		if out, err := exec.Command("cp", "-a", filepath.Join(src, p), filepath.Join(dst, p)).CombinedOutput(); err != nil {
			t.Fatalf("copying %s: %v %s", p, err, out)
		}
	}
	return dst
}

// unzip extracts an archive as the function runtime does, symlinks kept.
func unzip(t *testing.T, zipPath, dest string) {
	t.Helper()
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		p := filepath.Join(dest, f.Name)
		if !strings.HasPrefix(p, dest+"/") {
			t.Fatalf("entry %q escapes the layer", f.Name)
		}
		switch {
		case f.FileInfo().IsDir():
			os.MkdirAll(p, 0o755)
		case f.Mode()&os.ModeSymlink != 0:
			r, _ := f.Open()
			target, _ := io.ReadAll(r)
			r.Close()
			if err := os.Symlink(string(target), p); err != nil {
				t.Fatal(err)
			}
		default:
			r, _ := f.Open()
			w, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, f.Mode().Perm())
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(w, r)
			r.Close()
			w.Close()
		}
	}
}

// useFFmpeg runs the layer's programs in the runtime stand-in: natively in
// a chroot for amd64, under qemu-aarch64-static for arm64 (a check of the
// result, not part of the build).
func useFFmpeg(t *testing.T, root, arch string) {
	t.Helper()
	work := filepath.Join(root, "tmp")
	cmd := func(prog string, args ...string) *exec.Cmd {
		if arch == "arm64" {
			return exec.Command("qemu-aarch64-static", append([]string{"-L", root, "-E", "LD_LIBRARY_PATH=/opt/lib",
				filepath.Join(root, "opt/bin", prog)}, args...)...)
		}
		c := exec.Command("chroot", append([]string{root, "/opt/bin/" + prog}, args...)...)
		c.Env = []string{"PATH=/opt/bin", "LD_LIBRARY_PATH=/opt/lib"}
		return c
	}
	// Paths as the program sees them: inside the chroot, or on the host
	// under qemu (whose -L only redirects paths that exist in the root).
	path := func(name string) string {
		if arch == "arm64" {
			return filepath.Join(work, name)
		}
		return "/tmp/" + name
	}
	run := func(c *exec.Cmd) string {
		out, err := c.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(c.Args, " "), err, tail(string(out), 20))
		}
		return string(out)
	}
	if v := run(cmd("ffmpeg", "-hide_banner", "-version")); !strings.Contains(v, "ffmpeg version") {
		t.Fatalf("ffmpeg -version: %s", v)
	}
	run(cmd("ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=duration=2:size=160x120:rate=10",
		"-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-shortest", "-c:v", "mpeg4", "-c:a", "aac", "-y", path("in.mp4")))
	run(cmd("ffmpeg", "-hide_banner", "-loglevel", "error", "-i", path("in.mp4"), "-vn", "-c:a", "copy", "-y", path("audio.m4a")))
	probe := run(cmd("ffprobe", "-hide_banner", "-loglevel", "error", "-show_entries", "stream=codec_type,codec_name", "-of", "json", path("audio.m4a")))
	var p struct {
		Streams []struct {
			CodecType string `json:"codec_type"`
			CodecName string `json:"codec_name"`
		} `json:"streams"`
	}
	if err := json.Unmarshal([]byte(probe[strings.Index(probe, "{"):]), &p); err != nil || len(p.Streams) != 1 ||
		p.Streams[0].CodecType != "audio" || p.Streams[0].CodecName != "aac" {
		t.Fatalf("the extracted track is not one AAC audio stream: %s", probe)
	}
}

// TestLayerChecks: a bookworm layer fails a runtime with glibc 2.28 and
// names the symbols; a layer over its size limit fails and writes nothing.
func TestLayerChecks(t *testing.T) {
	emulationOff(t)
	for _, tc := range []struct{ name, extra, want string }{
		{"glibc", "    runtime: custom\n    glibc: \"2.28\"\n", "need a newer glibc than 2.28 of the custom runtime"},
		{"size", "    runtime: fc-debian12\n    max_zipped: 1000000\n", "over the limit of 1.0 MiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			spec := syntaxLine + "version: 1\nlayers:\n  ffmpeg:\n" + tc.extra +
				"    sources:\n      debian:\n        packages: [ffmpeg]\n    binaries: [ffmpeg, ffprobe]\n"
			writeFiles(t, dir, map[string]string{"strata.yaml": spec})
			dest := filepath.Join(dir, "out")
			out, err := run(t, "docker", "buildx", "build", "--progress=plain", "-f", filepath.Join(dir, "strata.yaml"),
				"--platform", "linux/amd64", "-o", "type=local,dest="+dest, dir)
			if err == nil {
				t.Fatalf("the build passed:\n%s", tail(out, 20))
			}
			if !strings.Contains(out, tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, tail(out, 40))
			}
			if tc.name == "glibc" && !strings.Contains(out, "@GLIBC_2.") {
				t.Errorf("the glibc error names no symbol:\n%s", tail(out, 40))
			}
			if entries, _ := os.ReadDir(dest); len(entries) != 0 {
				t.Errorf("a failed build wrote %d files", len(entries))
			}
		})
	}
}

// TestLayerReproducible: two builds with BuildKit's cache pruned between
// give archives with the same sha256.
func TestLayerReproducible(t *testing.T) {
	emulationOff(t)
	var sums []string
	for i := 0; i < 2; i++ {
		if i == 1 {
			mustRun(t, "buildctl", "prune", "--all")
		}
		out := t.TempDir()
		mustRun(t, "docker", "buildx", "build", "--progress=plain", "-f", ffmpegSpec, "--target", "ffmpeg-fc",
			"--platform", "linux/arm64", "-o", "type=local,dest="+out, "examples/ffmpeg-layer")
		sums = append(sums, fileSHA256(t, filepath.Join(out, "ffmpeg-fc.zip")))
	}
	if sums[0] != sums[1] {
		t.Fatalf("two builds gave different archives: %s and %s", sums[0], sums[1])
	}
	t.Logf("both builds: sha256 %s", sums[0])
}

// TestLayerSources builds a layer from an image (with a wildcard path), the
// build context and an app of the same spec, and checks the closure.
func TestLayerSources(t *testing.T) {
	emulationOff(t)
	dir := t.TempDir()
	files := map[string]string{
		"strata.yaml": syntaxLine + `version: 1
apps:
  hello:
    lang: go
    path: hello
layers:
  tools:
    runtime: fc-debian12
    sources:
      images:
        - ref: debian:bookworm-slim
          paths: [/usr/bin/ls, /usr/lib/x86_64-linux-gnu/libselinux.so.1, "/usr/lib/x86_64-linux-gnu/libpcre2-8.so*"]
      context: [tools/true]
      apps: [hello]
    binaries: [ls, tools/true, hello]
`,
		"hello/go.mod":  "module example.com/hello\n\ngo 1.26\n",
		"hello/main.go": "package main\n\nfunc main() { println(\"hello\") }\n",
	}
	writeFiles(t, dir, files)
	os.MkdirAll(filepath.Join(dir, "tools"), 0o755)
	mustRun(t, "cp", "/usr/bin/true", filepath.Join(dir, "tools/true"))
	out := filepath.Join(dir, "out")
	mustRun(t, "docker", "buildx", "build", "--progress=plain", "-f", filepath.Join(dir, "strata.yaml"), "--target", "tools",
		"--platform", "linux/amd64", "-o", "type=local,dest="+out, dir)
	m := readManifest(t, filepath.Join(out, "tools.manifest.json"))
	var got []string
	for _, f := range m.Files {
		got = append(got, f.Path)
	}
	for _, want := range []string{"bin/hello", "bin/ls", "bin/true", "lib/libpcre2-8.so.0", "lib/libselinux.so.1"} {
		if !strings.Contains(" "+strings.Join(got, " ")+" ", " "+want+" ") {
			t.Errorf("the layer lacks %s: %v", want, got)
		}
	}
}

// TestLayerStrip strips an arm64 program on the build platform: the
// stripped layer's file is smaller than the same layer's without strip.
func TestLayerStrip(t *testing.T) {
	emulationOff(t)
	dir := t.TempDir()
	files := map[string]string{
		"strata.yaml": syntaxLine + `version: 1
apps:
  hello:
    lang: go
    go:
      ldflags: "-X main.version=1"
layers:
  plain:
    runtime: al2023
    sources: {apps: [hello]}
    binaries: [hello]
  stripped:
    runtime: al2023
    sources: {apps: [hello]}
    binaries: [hello]
    strip: true
`,
		"go.mod":  "module example.com/hello\n\ngo 1.26\n",
		"main.go": "package main\n\nvar version string\n\nfunc main() { println(\"hello\", version) }\n",
	}
	writeFiles(t, dir, files)
	size := map[string]int64{}
	for _, target := range []string{"plain", "stripped"} {
		out := filepath.Join(dir, "out-"+target)
		mustRun(t, "docker", "buildx", "build", "--progress=plain", "-f", filepath.Join(dir, "strata.yaml"), "--target", target,
			"--platform", "linux/arm64", "-o", "type=local,dest="+out, dir)
		m := readManifest(t, filepath.Join(out, target+".manifest.json"))
		for _, f := range m.Files {
			if f.Path == "bin/hello" {
				size[target] = f.Size
			}
		}
	}
	if size["plain"] == 0 || size["stripped"] == 0 || size["stripped"] >= size["plain"] {
		t.Fatalf("bin/hello: %d bytes plain, %d stripped", size["plain"], size["stripped"])
	}
	t.Logf("bin/hello: %d bytes plain, %d stripped", size["plain"], size["stripped"])
}

// TestLayerOverLimitFast: Debian's Chromium (over 250 MiB of files) fails
// the unzipped limit before anything is compressed: the layer step takes
// well under 5 s (it took 41 s when the archive was written first).
func TestLayerOverLimitFast(t *testing.T) {
	emulationOff(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"strata.yaml": "version: 1\nlayers:\n  chromium:\n    runtime: fc-debian12\n" +
		"    sources: {debian: {packages: [chromium]}}\n    binaries: [/usr/lib/chromium/chromium]\n    max_unzipped: 262144000\n"})
	out, err := run(t, strata, "build", "--progress=rawjson", "--platform", "linux/amd64", "-o", "type=local,dest="+t.TempDir(), dir)
	if err == nil || !strings.Contains(stepLogs(t, out, "[chromium] assemble layer"), "over the limit of 250.0 MiB") {
		t.Fatalf("the limit did not fail the build (%v):\n%s", err, tail(out, 10))
	}
	v := step(t, vertices(t, out), "[chromium] assemble layer")
	if !v.Started || v.Cached || v.Took <= 0 || v.Took > 5*time.Second {
		t.Errorf("the layer step took %v (started %v, cached %v), want under 5 s", v.Took, v.Started, v.Cached)
	}
	t.Logf("the layer step failed in %v", v.Took)
}
