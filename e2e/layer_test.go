package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/containerd/platforms"
	"github.com/strata-build/strata/e2e/testenv"
	"github.com/strata-build/strata/graph"
)

// TestFFmpegLayer builds the FC layer for amd64 and arm64 with emulation
// off, unpacks each at /opt of a root holding only glibc (a stand-in for the
// function runtime: every other library must be in the layer) and uses it:
// ffmpeg -version, a test video made by ffmpeg itself, its audio track
// extracted.
func TestFFmpegLayer(t *testing.T) {
	t.Parallel()
	testenv.EmulationOff(t)
	out, output := testenv.LocalOutput(t)
	log := testenv.MustBuildx(t, "build", "--progress=plain", "-f", ffmpegSpec, "--target", "ffmpeg-fc",
		"--platform", strings.Join(testenv.BothPlatforms, ","), "-o", output, "examples/ffmpeg-layer")
	// Through the frontend image, the helper comes from that image: no Go
	// toolchain is pulled and nothing is compiled for it.
	if !strings.Contains(log, "[strata] strata-layer from the frontend image") || strings.Contains(log, "build strata-layer") ||
		strings.Contains(log, "golang:") {
		t.Errorf("the helper did not come from the frontend image:\n%s", testenv.Tail(log, 40))
	}
	for _, arch := range []string{"amd64", "arm64"} {
		t.Run(arch, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(out, "linux_"+arch)
			m := testenv.ReadManifest(t, filepath.Join(dir, "ffmpeg-fc.manifest.json"))
			zipPath := filepath.Join(dir, "ffmpeg-fc.zip")
			if sum := testenv.FileSHA256(t, zipPath); sum != m.SHA256 {
				t.Errorf("manifest sha256 %s, archive %s", m.SHA256, sum)
			}
			want := map[string]string{"amd64": "EM_X86_64", "arm64": "EM_AARCH64"}[arch]
			if m.Machine != want || m.Glibc == "" || m.UncompressedSize < 50<<20 {
				t.Errorf("manifest: machine %s glibc %s size %d", m.Machine, m.Glibc, m.UncompressedSize)
			}
			logLayer(t, arch, m)
			useFFmpeg(t, testenv.UnpackLayer(t, zipPath, testenv.RuntimeRoot(t, arch), arch, m))
		})
	}
}

// TestFFmpegLambdaLayer: the Lambda layer, from bullseye, needs no newer
// glibc than Amazon Linux 2023's 2.34, fits its 250 MB, and runs.
func TestFFmpegLambdaLayer(t *testing.T) {
	t.Parallel()
	testenv.EmulationOff(t)
	out, output := testenv.LocalOutput(t)
	testenv.MustBuildx(t, "build", "--progress=plain", "-f", ffmpegSpec, "--target", "ffmpeg-lambda",
		"--platform", "linux/amd64", "-o", output, "examples/ffmpeg-layer")
	m := testenv.ReadManifest(t, filepath.Join(out, "ffmpeg-lambda.manifest.json"))
	if minor, err := strconv.Atoi(strings.TrimPrefix(m.Glibc, "2.")); err != nil || minor > 34 {
		t.Errorf("the Lambda layer needs glibc %s, more than al2023's 2.34", m.Glibc)
	}
	if m.UncompressedSize > 262144000 {
		t.Errorf("the Lambda layer is %d bytes unzipped", m.UncompressedSize)
	}
	logLayer(t, "ffmpeg-lambda", m)
	useFFmpeg(t, testenv.UnpackLayer(t, filepath.Join(out, "ffmpeg-lambda.zip"), testenv.RuntimeRoot(t, "amd64"), "amd64", m))
}

func logLayer(t *testing.T, what string, m *testenv.Manifest) {
	t.Logf("%s: %d entries, %.1f MiB unpacked, %.1f MiB zip, glibc %s", what, len(m.Files),
		float64(m.UncompressedSize)/(1<<20), float64(m.CompressedSize)/(1<<20), m.Glibc)
}

// useFFmpeg makes a test video with the layer's ffmpeg, extracts its audio
// track and checks it with ffprobe.
func useFFmpeg(t *testing.T, l *testenv.Layer) {
	t.Helper()
	if v := l.Run(t, "ffmpeg", "-hide_banner", "-version"); !strings.Contains(v, "ffmpeg version") {
		t.Fatalf("ffmpeg -version: %s", v)
	}
	l.Run(t, "ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=duration=2:size=160x120:rate=10",
		"-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-shortest", "-c:v", "mpeg4", "-c:a", "aac", "-y", "/tmp/in.mp4")
	l.Run(t, "ffmpeg", "-hide_banner", "-loglevel", "error", "-i", "/tmp/in.mp4", "-vn", "-c:a", "copy", "-y", "/tmp/audio.m4a")
	probe := l.Run(t, "ffprobe", "-hide_banner", "-loglevel", "error", "-show_entries", "stream=codec_type,codec_name", "-of", "json", "/tmp/audio.m4a")
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
	t.Parallel()
	testenv.EmulationOff(t)
	for _, tc := range []struct {
		name, extra string
		want        []string
	}{
		{"glibc", "    runtime: custom\n    glibc: \"2.28\"\n", []string{"need a newer glibc than 2.28 of the custom runtime", "@GLIBC_2."}},
		{"size", "    runtime: fc-debian12\n    max_zipped: 1000000\n", []string{"over the limit of 1.0 MiB"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			spec := testenv.SyntaxLine + "version: 1\nlayers:\n  ffmpeg:\n" + tc.extra +
				"    sources:\n      debian:\n        packages: [ffmpeg]\n    binaries: [ffmpeg, ffprobe]\n"
			testenv.WriteFiles(t, dir, map[string]string{"strata.yaml": spec})
			dest, output := testenv.LocalOutput(t)
			out, err := testenv.Buildx(t, "build", "--progress=plain", "-f", filepath.Join(dir, "strata.yaml"),
				"--platform", "linux/amd64", "-o", output, dir)
			if err == nil {
				t.Fatalf("the build passed:\n%s", testenv.Tail(out, 20))
			}
			wantOutput(t, out, tc.want...)
			if entries, _ := os.ReadDir(dest); len(entries) != 0 {
				t.Errorf("a failed build wrote %d files", len(entries))
			}
		})
	}
}

// TestLayerReproducible: two builds with BuildKit's cache pruned between
// give archives with the same sha256. Serial: the prune would take from
// parallel tests the cache they expect.
func TestLayerReproducible(t *testing.T) {
	testenv.EmulationOff(t)
	var sums []string
	for i := 0; i < 2; i++ {
		if i == 1 {
			testenv.MustRun(t, "buildctl", "prune", "--all")
		}
		out, output := testenv.LocalOutput(t)
		testenv.MustBuildx(t, "build", "--progress=plain", "-f", ffmpegSpec, "--target", "ffmpeg-fc",
			"--platform", "linux/arm64", "-o", output, "examples/ffmpeg-layer")
		sums = append(sums, testenv.FileSHA256(t, filepath.Join(out, "ffmpeg-fc.zip")))
	}
	if sums[0] != sums[1] {
		t.Fatalf("two builds gave different archives: %s and %s", sums[0], sums[1])
	}
	t.Logf("both builds: sha256 %s", sums[0])
}

// TestLayerSources builds a layer from an image (with a wildcard path), the
// build context and an app of the same spec, and checks the closure.
func TestLayerSources(t *testing.T) {
	t.Parallel()
	testenv.EmulationOff(t)
	dir := t.TempDir()
	files := map[string]string{
		"strata.yaml": testenv.SyntaxLine + `version: 1
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
	testenv.WriteFiles(t, dir, files)
	os.MkdirAll(filepath.Join(dir, "tools"), 0o755)
	testenv.MustRun(t, "cp", "/usr/bin/true", filepath.Join(dir, "tools/true"))
	m := buildLayer(t, dir, "tools", "linux/amd64")
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

// buildLayer builds a layer of the spec in dir through buildx for one
// platform and returns its manifest.
func buildLayer(t *testing.T, dir, target, platform string) *testenv.Manifest {
	t.Helper()
	out, output := testenv.LocalOutput(t)
	testenv.MustBuildx(t, "build", "--progress=plain", "-f", filepath.Join(dir, "strata.yaml"), "--target", target,
		"--platform", platform, "-o", output, dir)
	return testenv.ReadManifest(t, filepath.Join(out, target+".manifest.json"))
}

// TestLayerStrip strips an arm64 program on the build platform: the
// stripped layer's file is smaller than the same layer's without strip.
func TestLayerStrip(t *testing.T) {
	t.Parallel()
	testenv.EmulationOff(t)
	dir := t.TempDir()
	files := map[string]string{
		"strata.yaml": testenv.SyntaxLine + `version: 1
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
	testenv.WriteFiles(t, dir, files)
	size := map[string]int64{}
	for _, target := range []string{"plain", "stripped"} {
		for _, f := range buildLayer(t, dir, target, "linux/arm64").Files {
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
// Serial: the time is the step's own, not shared with parallel builds.
func TestLayerOverLimitFast(t *testing.T) {
	testenv.EmulationOff(t)
	dir := t.TempDir()
	testenv.WriteFiles(t, dir, map[string]string{"strata.yaml": "version: 1\nlayers:\n  chromium:\n    runtime: fc-debian12\n" +
		"    sources: {debian: {packages: [chromium]}}\n    binaries: [/usr/lib/chromium/chromium]\n    max_unzipped: 262144000\n"})
	_, output := testenv.LocalOutput(t)
	out, err := testenv.Strata(t, "build", "--progress=rawjson", "--platform", "linux/amd64", "-o", output, dir)
	s := testenv.ParseEvents(out).Step(t, graph.AssembleLayerStep("chromium", "fc-debian12", platforms.MustParse("linux/amd64")))
	if err == nil || !strings.Contains(s.Logs, "over the limit of 250.0 MiB") {
		t.Fatalf("the limit did not fail the build (%v):\n%s", err, testenv.Tail(out, 10))
	}
	if !s.Started || s.Cached || s.Took <= 0 || s.Took > 5*time.Second {
		t.Errorf("the layer step took %v (started %v, cached %v), want under 5 s", s.Took, s.Started, s.Cached)
	}
	t.Logf("the layer step failed in %v", s.Took)
}
