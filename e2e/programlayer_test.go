package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const programLayers = "examples/program-layers"

// programRoot is runtimeRoot with a shell: function runtimes have /bin/sh,
// which the layers' wrappers need.
func programRoot(t *testing.T, arch string) string {
	t.Helper()
	root := runtimeRoot(t, arch)
	src := debianRoot(t, arch)
	mustRun(t, "cp", "-a", filepath.Join(src, "usr/bin/dash"), filepath.Join(root, "usr/bin/dash"))
	if err := os.Symlink("dash", filepath.Join(root, "usr/bin/sh")); err != nil {
		t.Fatal(err)
	}
	return root
}

// layerRun runs a program of the layer unpacked at /opt of root with only
// PATH and LD_LIBRARY_PATH set: for amd64 its bin/ wrapper in a chroot; for
// arm64 (under qemu-aarch64-static, a check only) the program in libexec/
// with the environment the manifest lists, /opt read as the root's, since
// qemu's -L does not redirect every path a program opens.
func layerRun(t *testing.T, root, arch string, m *manifest, prog string, args ...string) string {
	t.Helper()
	var c *exec.Cmd
	if arch == "arm64" {
		qargs := []string{"-L", root, "-E", "LD_LIBRARY_PATH=/opt/lib"}
		for k, v := range m.Env {
			qargs = append(qargs, "-E", k+"="+strings.ReplaceAll(v, "/opt/", filepath.Join(root, "opt")+"/"))
		}
		for i, a := range args {
			args[i] = strings.Replace(a, "/tmp/", filepath.Join(root, "tmp")+"/", 1)
		}
		c = exec.Command("qemu-aarch64-static", append(append(qargs, filepath.Join(root, "opt/libexec", prog)), args...)...)
	} else {
		c = exec.Command("chroot", append([]string{root, "/opt/bin/" + prog}, args...)...)
		c.Env = []string{"PATH=/opt/bin", "LD_LIBRARY_PATH=/opt/lib"}
	}
	out, err := c.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", arch, strings.Join(c.Args, " "), err, tail(string(out), 20))
	}
	return string(out)
}

// buildProgramLayer builds a layer of the example for both platforms and
// returns, per architecture, a root of glibc and sh with the layer
// unpacked at /opt, and its manifest. Every zip reads in Python's zipfile
// with valid dates.
func buildProgramLayer(t *testing.T, target string) map[string]func(t *testing.T) (string, *manifest) {
	out := t.TempDir()
	mustRun(t, "docker", "buildx", "build", "--progress=plain", "-f", programLayers+"/strata.yaml", "--target", target,
		"--platform", strings.Join(bothPlatforms, ","), "-o", "type=local,dest="+out, programLayers)
	res := map[string]func(t *testing.T) (string, *manifest){}
	for _, arch := range []string{"amd64", "arm64"} {
		res[arch] = func(t *testing.T) (string, *manifest) {
			dir := filepath.Join(out, "linux_"+arch)
			zipPath := filepath.Join(dir, target+".zip")
			mustRun(t, "python3", "-c", "import zipfile,sys,datetime; [datetime.datetime(*i.date_time) for i in zipfile.ZipFile(sys.argv[1]).infolist()]", zipPath)
			root := programRoot(t, arch)
			unzip(t, zipPath, filepath.Join(root, "opt"))
			return root, readManifest(t, filepath.Join(dir, target+".manifest.json"))
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
	emulationOff(t)
	for _, target := range []string{"imagemagick-fc", "imagemagick-lambda"} {
		for arch, unpack := range buildProgramLayer(t, target) {
			t.Run(target+"/"+arch, func(t *testing.T) {
				root, m := unpack(t)
				if !strings.HasPrefix(m.Env["MAGICK_CONFIGURE_PATH"], "/opt/etc/ImageMagick-6") {
					t.Errorf("manifest env: %v", m.Env)
				}
				layerRun(t, root, arch, m, "convert", "-size", "64x64", "xc:red", "/tmp/out.png")
				if got := layerRun(t, root, arch, m, "identify", "/tmp/out.png"); !strings.Contains(got, "PNG 64x64") {
					t.Errorf("identify: %s", got)
				}
				if got := layerRun(t, root, arch, m, "convert", "-list", "policy"); !strings.Contains(got, "/opt/etc/ImageMagick-6/policy.xml") && !strings.Contains(got, filepath.Join(root, "opt/etc/ImageMagick-6/policy.xml")) {
					t.Errorf("the shipped policy.xml is not in effect:\n%s", got)
				}
			})
		}
	}
}

// TestGhostscriptLayer: the example's Ghostscript layers render PostScript
// text in a standard font (its resources and the URW fonts shipped under
// the prefix) to a PNG, in a root of glibc and sh.
func TestGhostscriptLayer(t *testing.T) {
	emulationOff(t)
	const ps = "%!PS\n/Helvetica findfont 24 scalefont setfont 20 20 moveto (strata) show showpage\n"
	for _, target := range []string{"ghostscript-fc", "ghostscript-lambda"} {
		for arch, unpack := range buildProgramLayer(t, target) {
			t.Run(target+"/"+arch, func(t *testing.T) {
				root, m := unpack(t)
				if err := os.WriteFile(filepath.Join(root, "tmp/in.ps"), []byte(ps), 0o644); err != nil {
					t.Fatal(err)
				}
				out := layerRun(t, root, arch, m, "gs", "-dBATCH", "-dNOPAUSE", "-sDEVICE=png16m", "-o", "/tmp/out.png", "/tmp/in.ps")
				if !strings.Contains(out, "NimbusSans") {
					t.Errorf("gs did not load the shipped Helvetica (NimbusSans):\n%s", out)
				}
				png, err := os.ReadFile(filepath.Join(root, "tmp/out.png"))
				if err != nil || len(png) < 8 || string(png[1:4]) != "PNG" {
					t.Errorf("no PNG written (%v)", err)
				}
			})
		}
	}
}

// TestGitLayer: git's layer (amd64: its helpers are started by git itself,
// which qemu-user cannot follow) initializes a repository from the shipped
// templates, commits and clones it (git-upload-pack through GIT_EXEC_PATH);
// git's many names of one program are links, not copies.
func TestGitLayer(t *testing.T) {
	emulationOff(t)
	root, m := buildProgramLayer(t, "git-fc")["amd64"](t)
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
	mustRun(t, "mknod", "-m", "666", filepath.Join(root, "dev/null"), "c", "1", "3")
	mustRun(t, "mknod", "-m", "666", filepath.Join(root, "dev/urandom"), "c", "1", "9")
	script := "cd /tmp && git init -q repo && cd repo && git -c user.name=a -c user.email=a@example.com commit -q --allow-empty -m first" +
		" && test -f .git/hooks/pre-commit.sample && git clone -q /tmp/repo /tmp/copy && cd /tmp/copy && git log --format=%s"
	c := exec.Command("chroot", root, "/bin/sh", "-ec", script)
	c.Env = []string{"PATH=/opt/bin", "LD_LIBRARY_PATH=/opt/lib", "HOME=/tmp"}
	out, err := c.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "first" {
		t.Errorf("git in the layer (%v):\n%s", err, out)
	}
}
