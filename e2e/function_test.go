package e2e

import (
	"archive/zip"
	"debug/elf"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFunctionPackages: the Lambda bootstrap zip and the FC code zip of an
// app each hold one executable of the target architecture at their root.
func TestFunctionPackages(t *testing.T) {
	emulationOff(t)
	for provider, entry := range map[string]string{"lambda": "bootstrap", "fc": "main"} {
		t.Run(provider, func(t *testing.T) {
			out := t.TempDir()
			mustRun(t, "docker", "buildx", "build", "--progress=plain", "-f", ffmpegSpec, "--target", "probe-"+provider,
				"--platform", strings.Join(bothPlatforms, ","), "-o", "type=local,dest="+out, "examples/ffmpeg-layer")
			for _, arch := range []string{"amd64", "arm64"} {
				zr, err := zip.OpenReader(filepath.Join(out, "linux_"+arch, "probe-"+provider+".zip"))
				if err != nil {
					t.Fatal(err)
				}
				if len(zr.File) != 1 || zr.File[0].Name != entry || zr.File[0].Mode().Perm() != 0o755 {
					var names []string
					for _, f := range zr.File {
						names = append(names, f.Name+" "+f.Mode().String())
					}
					t.Fatalf("%s: entries %q, want one executable %s", arch, names, entry)
				}
				r, _ := zr.File[0].Open()
				path := filepath.Join(t.TempDir(), entry)
				w, _ := os.Create(path)
				io.Copy(w, r)
				w.Close()
				r.Close()
				zr.Close()
				f, err := elf.Open(path)
				if err != nil {
					t.Fatal(err)
				}
				if f.Machine != elfMachine[arch] {
					t.Errorf("%s: %s is for %v", arch, entry, f.Machine)
				}
				f.Close()
			}
		})
	}
}

// TestImageWithLayer: an app image that names a layer holds its files at
// /opt, with PATH and LD_LIBRARY_PATH set in its config.
func TestImageWithLayer(t *testing.T) {
	emulationOff(t)
	dir := filepath.Join(t.TempDir(), "oci")
	mustRun(t, "docker", "buildx", "build", "--progress=plain", "-f", ffmpegSpec, "--target", "probe",
		"--platform", "linux/amd64", "-o", "type=oci,tar=false,dest="+dir, "examples/ffmpeg-layer")
	img := readLayout(t, dir, "linux/amd64")["linux/amd64"]
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
