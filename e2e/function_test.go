package e2e

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-build/strata/e2e/testenv"
)

// TestFunctionPackages: the Lambda bootstrap zip and the FC code zip of an
// app each hold one executable of the target architecture at their root.
func TestFunctionPackages(t *testing.T) {
	t.Parallel()
	testenv.EmulationOff(t)
	for provider, entry := range map[string]string{"lambda": "bootstrap", "fc": "main"} {
		t.Run(provider, func(t *testing.T) {
			t.Parallel()
			out, output := testenv.LocalOutput(t)
			testenv.MustBuildx(t, "build", "--progress=plain", "-f", ffmpegSpec, "--target", "probe-"+provider,
				"--platform", strings.Join(testenv.BothPlatforms, ","), "-o", output, "examples/ffmpeg-layer")
			for _, arch := range []string{"amd64", "arm64"} {
				bin := testenv.UnzipOne(t, filepath.Join(out, "linux_"+arch, "probe-"+provider+".zip"), entry)
				testenv.CheckELF(t, bin, arch, "")
			}
		})
	}
}

// TestImageWithLayer: an app image that names a layer holds its files at
// /opt, with PATH and LD_LIBRARY_PATH set in its config.
func TestImageWithLayer(t *testing.T) {
	t.Parallel()
	testenv.EmulationOff(t)
	dir, output := testenv.OCIOutput(t)
	testenv.MustBuildx(t, "build", "--progress=plain", "-f", ffmpegSpec, "--target", "probe",
		"--platform", "linux/amd64", "-o", output, "examples/ffmpeg-layer")
	img := testenv.ReadLayout(t, dir, "linux/amd64")["linux/amd64"]
	env := strings.Join(img.Config.Config.Env, " ")
	if !strings.Contains(env, "PATH=/opt/bin:") || !strings.Contains(env, "LD_LIBRARY_PATH=/opt/lib") {
		t.Errorf("env = %s", env)
	}
	for _, f := range []string{"opt/bin/ffmpeg", "opt/bin/ffprobe", "usr/local/bin/probe"} {
		if img.Files[f] == nil {
			t.Errorf("the image has no /%s", f)
		}
	}
	libs := 0
	for name := range img.Files {
		if strings.HasPrefix(name, "opt/lib/libavcodec.so") {
			libs++
		}
	}
	if libs < 2 { // the library and its soname link
		t.Errorf("the image has %d libavcodec entries in /opt/lib", libs)
	}
}
