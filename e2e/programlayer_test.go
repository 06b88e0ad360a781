package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-build/strata/e2e/testenv"
)

// buildProgramLayer builds a layer of the example for both platforms and
// returns, per architecture, a function that unpacks it at /opt of a root
// of glibc and sh (in the calling test's directory). Every zip reads in
// Python's zipfile with valid dates.
func buildProgramLayer(t *testing.T, target string) map[string]func(t *testing.T) *testenv.Layer {
	out, output := testenv.LocalOutput(t)
	testenv.MustBuildx(t, "build", "--progress=plain", "-f", programLayers+"/strata.yaml", "--target", target,
		"--platform", strings.Join(testenv.BothPlatforms, ","), "-o", output, programLayers)
	res := map[string]func(t *testing.T) *testenv.Layer{}
	for _, arch := range []string{"amd64", "arm64"} {
		res[arch] = func(t *testing.T) *testenv.Layer {
			dir := filepath.Join(out, "linux_"+arch)
			zipPath := filepath.Join(dir, target+".zip")
			testenv.MustRun(t, "python3", "-c", "import zipfile,sys,datetime; [datetime.datetime(*i.date_time) for i in zipfile.ZipFile(sys.argv[1]).infolist()]", zipPath)
			m := testenv.ReadManifest(t, filepath.Join(dir, target+".manifest.json"))
			return testenv.UnpackLayer(t, zipPath, testenv.ShellRoot(t, arch), arch, m)
		}
	}
	return res
}

// TestImageMagickLayer: the example's ImageMagick layers, for Function
// Compute (bookworm) and Lambda al2023 (bullseye), amd64 and arm64, from one
// spec without architecture-specific paths, work unpacked at /opt of a root
// that holds only glibc and a shell: the PNG coder (a module found through
// its .la file) writes and reads an image, and the shipped policy.xml is in
// effect.
func TestImageMagickLayer(t *testing.T) {
	t.Parallel()
	testenv.EmulationOff(t)
	for _, target := range []string{"imagemagick-fc", "imagemagick-lambda"} {
		t.Run(target, func(t *testing.T) {
			t.Parallel()
			for arch, unpack := range buildProgramLayer(t, target) {
				t.Run(arch, func(t *testing.T) {
					l := unpack(t)
					if !strings.HasPrefix(l.Manifest.Env["MAGICK_CONFIGURE_PATH"], "/opt/etc/ImageMagick-6") {
						t.Errorf("manifest env: %v", l.Manifest.Env)
					}
					l.Run(t, "convert", "-size", "64x64", "xc:red", "/tmp/out.png")
					if got := l.Run(t, "identify", "/tmp/out.png"); !strings.Contains(got, "PNG 64x64") {
						t.Errorf("identify: %s", got)
					}
					if got := l.Run(t, "convert", "-list", "policy"); !strings.Contains(got, "/opt/etc/ImageMagick-6/policy.xml") && !strings.Contains(got, filepath.Join(l.Root, "opt/etc/ImageMagick-6/policy.xml")) {
						t.Errorf("the shipped policy.xml is not in effect:\n%s", got)
					}
				})
			}
		})
	}
}

// TestGhostscriptLayer: the example's Ghostscript layers render PostScript
// text in a standard font (its resources and the URW fonts shipped under
// the prefix) to a PNG, in a root of glibc and sh.
func TestGhostscriptLayer(t *testing.T) {
	t.Parallel()
	testenv.EmulationOff(t)
	const ps = "%!PS\n/Helvetica findfont 24 scalefont setfont 20 20 moveto (strata) show showpage\n"
	for _, target := range []string{"ghostscript-fc", "ghostscript-lambda"} {
		t.Run(target, func(t *testing.T) {
			t.Parallel()
			for arch, unpack := range buildProgramLayer(t, target) {
				t.Run(arch, func(t *testing.T) {
					l := unpack(t)
					if err := os.WriteFile(filepath.Join(l.Root, "tmp/in.ps"), []byte(ps), 0o644); err != nil {
						t.Fatal(err)
					}
					out := l.Run(t, "gs", "-dBATCH", "-dNOPAUSE", "-sDEVICE=png16m", "-o", "/tmp/out.png", "/tmp/in.ps")
					if !strings.Contains(out, "NimbusSans") {
						t.Errorf("gs did not load the shipped Helvetica (NimbusSans):\n%s", out)
					}
					png, err := os.ReadFile(filepath.Join(l.Root, "tmp/out.png"))
					if err != nil || len(png) < 8 || string(png[1:4]) != "PNG" {
						t.Errorf("no PNG written (%v)", err)
					}
				})
			}
		})
	}
}

// TestGitLayer: git's layer (amd64: its helpers are started by git itself,
// which qemu-user cannot follow) initializes a repository from the shipped
// templates, commits and clones it (git-upload-pack through GIT_EXEC_PATH);
// git's many names of one program are links, not copies.
func TestGitLayer(t *testing.T) {
	t.Parallel()
	testenv.EmulationOff(t)
	l := buildProgramLayer(t, "git-fc")["amd64"](t)
	root, m := l.Root, l.Manifest
	links := 0
	for _, f := range m.Files {
		if strings.HasPrefix(f.Path, "libexec/git-core/") && f.Link == "git" {
			links++
		}
	}
	if links < 100 {
		t.Errorf("%d of git-core's names link to git: its hard links were copied", links)
	}
	os.MkdirAll(filepath.Join(root, "dev"), 0o755)
	testenv.MustRun(t, "mknod", "-m", "666", filepath.Join(root, "dev/null"), "c", "1", "3")
	testenv.MustRun(t, "mknod", "-m", "666", filepath.Join(root, "dev/urandom"), "c", "1", "9")
	script := "cd /tmp && git init -q repo && cd repo && git -c user.name=a -c user.email=a@example.com commit -q --allow-empty -m first" +
		" && test -f .git/hooks/pre-commit.sample && git clone -q /tmp/repo /tmp/copy && cd /tmp/copy && git log --format=%s"
	c := exec.Command("chroot", root, "/bin/sh", "-ec", script)
	c.Env = []string{"PATH=/opt/bin", "LD_LIBRARY_PATH=/opt/lib", "HOME=/tmp"}
	got, err := c.CombinedOutput()
	if err != nil || strings.TrimSpace(string(got)) != "first" {
		t.Errorf("git in the layer (%v):\n%s", err, got)
	}
}
