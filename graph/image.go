package graph

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/moby/buildkit/client/llb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/strata-build/strata/facts"
	"github.com/strata-build/strata/layer"
	"github.com/strata-build/strata/spec"
)

// Base is a base image for the target platform, as resolved by the
// caller: its filesystem, its config and its account files.
type Base struct {
	Scratch bool
	State   llb.State
	Config  *dockerspec.DockerOCIImage // nil for scratch
	Passwd  []byte                     // the base's /etc/passwd; nil when it has none
	Group   []byte                     // the base's /etc/group; nil when it has none
	// OSRelease is the base's /etc/os-release (which Debian suite it is);
	// nil when it has none.
	OSRelease []byte
	// DpkgStatus is the base's /var/lib/dpkg/status (the packages it has);
	// nil when it has none.
	DpkgStatus []byte
}

// AppImage is the input of an app's image.
type AppImage struct {
	Name   string
	App    *spec.App
	Base   Base
	Binary llb.State // holds the program at /<binary>
	Trees  []Tree    // function layers the image holds, such as /opt
	// Packages are the app's run-time Debian packages, unpacked for the
	// target (DebianPackages); nil for none.
	Packages *llb.State
	// Venv is a Python app's venv, its files at the state's root (nil for
	// other apps): an image layer of its own at facts.PythonVenv, under the
	// sources, so that a source edit leaves it as it is.
	Venv *llb.State
	// Project is what installing a Python app's project adds to its venv
	// (nil when it is not installed): a layer of its own above the venv's.
	Project *llb.State
	// Sources are a Python app's files, at facts.PythonAppDir.
	Sources   *llb.State
	Platforms Platforms
	Loc       Locator
}

// Tree is a function layer's directory tree that the app image holds at
// Prefix, with Prefix/bin on PATH, Prefix/lib on LD_LIBRARY_PATH and the
// layer's environment (${PREFIX} as Prefix) in the image's.
type Tree struct {
	State  llb.State
	Dir    string // the tree's directory in State
	Prefix string
	Env    map[string]string
}

// Image assembles the app image with file operations only: the app's
// files (program, account entries, home) are one image layer of their own, built
// on scratch with fixed times and merged onto the base, so nothing runs on
// the target platform and the base's image layers are reused as they are.
func (r AppImage) Image() (llb.State, *dockerspec.DockerOCIImage, error) {
	im := r.App.Image
	u := im.User
	passwd, err := addAccount(r.Base.Passwd, "root:x:0:0:root:/root:/usr/sbin/nologin",
		fmt.Sprintf("%s:x:%d:%d::%s:/usr/sbin/nologin", u.Name, u.UID, u.GID, r.App.Home()))
	if err != nil {
		return llb.State{}, nil, fmt.Errorf("apps.%s.image.user: %w", r.Name, err)
	}
	group, err := addAccount(r.Base.Group, "root:x:0:", fmt.Sprintf("%s:x:%d:", u.Name, u.GID))
	if err != nil {
		return llb.State{}, nil, fmt.Errorf("apps.%s.image.user: %w", r.Name, err)
	}
	at := llb.WithCreatedTime(epoch)
	// Parents are root's; only the user's own directories are the user's.
	userDir := func(fa *llb.FileAction, dir string) *llb.FileAction {
		return fa.Mkdir(path.Dir(dir), 0o755, llb.WithParents(true), at).
			Mkdir(dir, 0o755, llb.WithUIDGID(u.UID, u.GID), at)
	}
	files := llb.Mkdir("/etc", 0o755, llb.WithParents(true), at).
		Mkfile("/etc/passwd", 0o644, passwd, at).
		Mkfile("/etc/group", 0o644, group, at).
		Mkdir(path.Dir(r.App.BinaryPath()), 0o755, llb.WithParents(true), at)
	for _, p := range r.App.Programs() {
		files = files.Copy(r.Binary, "/"+p, path.Join(path.Dir(r.App.BinaryPath()), p), &llb.CopyInfo{
			CreatedTime: &epoch,
			ChownOpt:    &llb.ChownOpt{User: &llb.UserOpt{UID: 0}, Group: &llb.UserOpt{UID: 0}},
		})
	}
	files = userDir(files, r.App.Home())
	if im.Workdir != r.App.Home() {
		files = userDir(files, im.Workdir)
	}
	for _, t := range r.Trees {
		files = files.Mkdir(t.Prefix, 0o755, llb.WithParents(true), at).
			Copy(t.State, t.Dir, t.Prefix, &llb.CopyInfo{CopyDirContentsOnly: true, CreatedTime: &epoch})
	}
	if r.Sources != nil {
		files = files.Mkdir(facts.PythonAppDir, 0o755, llb.WithParents(true), at).
			Copy(*r.Sources, "/", facts.PythonAppDir, &llb.CopyInfo{CopyDirContentsOnly: true, CreatedTime: &epoch,
				ChownOpt: &llb.ChownOpt{User: &llb.UserOpt{UID: 0}, Group: &llb.UserOpt{UID: 0}}})
	}
	name := llb.WithCustomNamef("[%s] app files (%s)", r.Name, platformString(r.Platforms.Target))
	staging := llb.Scratch().Platform(r.Platforms.Target).File(files, name, r.Loc.at("apps."+r.Name+".image"))
	// Writing into a directory gives it the time of the write; one copy of
	// the finished tree gives every directory the fixed time again, so the
	// image layer is the same for the same inputs.
	appFiles := llb.Scratch().Platform(r.Platforms.Target).File(
		llb.Copy(staging, "/", "/", &llb.CopyInfo{CopyDirContentsOnly: true, CreatedTime: &epoch}),
		llb.WithCustomNamef("[%s] app files, fixed times (%s)", r.Name, platformString(r.Platforms.Target)))
	layers := append(r.lowerLayers(), appFiles)
	if len(layers) == 1 {
		return appFiles, r.config(), nil
	}
	return llb.Merge(layers, llb.WithCustomNamef("[%s] app image (%s)", r.Name, platformString(r.Platforms.Target))), r.config(), nil
}

// lowerLayers are the image's layers under the app's files: the base, the
// packages, a Python app's venv and project.
func (r AppImage) lowerLayers() []llb.State {
	at := llb.WithCreatedTime(epoch)
	var layers []llb.State
	// A Python app's venv, then what its project adds, each a layer at
	// facts.PythonVenv.
	for _, v := range []struct {
		st   *llb.State
		what string
	}{{r.Project, "the project in the venv"}, {r.Venv, "venv"}} {
		if v.st == nil {
			continue
		}
		layers = append([]llb.State{llb.Scratch().Platform(r.Platforms.Target).File(
			llb.Mkdir(path.Dir(facts.PythonVenv), 0o755, llb.WithParents(true), at).
				Copy(*v.st, "/", facts.PythonVenv, &llb.CopyInfo{CopyDirContentsOnly: true, CreateDestPath: true, CreatedTime: &epoch}),
			llb.WithCustomNamef("[%s] %s (%s)", r.Name, v.what, platformString(r.Platforms.Target)))}, layers...)
	}
	if r.Packages != nil {
		// An image layer of its own under the app's files: the same for
		// every app with the same packages, and a base's update does not
		// change it. Package lists (.strata) stay out of the image.
		pkgs := llb.Scratch().Platform(r.Platforms.Target).File(
			llb.Copy(*r.Packages, "/", "/", &llb.CopyInfo{CopyDirContentsOnly: true, CreatedTime: &epoch, ExcludePatterns: []string{".strata"}}),
			llb.WithCustomNamef("[%s] packages (%s)", r.Name, platformString(r.Platforms.Target)), r.Loc.at("apps."+r.Name+".packages"))
		layers = append([]llb.State{pkgs}, layers...)
	}
	if !r.Base.Scratch {
		layers = append([]llb.State{r.Base.State}, layers...)
	}
	return layers
}

// LibraryRoot is the image without the app's own files, for the check of
// a Python app's libraries, whose files are all in the layers below: a
// source edit then leaves the check cached.
func (r AppImage) LibraryRoot() llb.State {
	layers := r.lowerLayers()
	switch len(layers) {
	case 0:
		return llb.Scratch().Platform(r.Platforms.Target)
	case 1:
		return layers[0]
	}
	return llb.Merge(layers, llb.WithCustomNamef("[%s] the image's libraries (%s)", r.Name, platformString(r.Platforms.Target)))
}

// config is the base's image config with the app's settings applied.
func (r AppImage) config() *dockerspec.DockerOCIImage {
	im := r.App.Image
	img := &dockerspec.DockerOCIImage{}
	if r.Base.Config != nil {
		img.Config = r.Base.Config.Config
		img.History = append(img.History, r.Base.Config.History...)
		img.Config.Env = append([]string(nil), r.Base.Config.Config.Env...)
	}
	img.Platform = r.Platforms.Target
	img.RootFS.Type = "layers"
	c := &img.Config
	c.User = fmt.Sprintf("%d:%d", im.User.UID, im.User.GID)
	c.Entrypoint = im.Entrypoint
	c.Cmd = im.Cmd // Docker's rule: a new entrypoint drops the base's cmd
	c.WorkingDir = im.Workdir
	c.ArgsEscaped = false //nolint:staticcheck // a Windows-only field the base may carry
	env := c.Env
	if !hasEnv(env, "PATH") {
		env = append(env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
	}
	for _, t := range r.Trees {
		env = setEnv(env, "PATH", t.Prefix+"/bin:"+envValue(env, "PATH"))
		lib := t.Prefix + "/lib"
		if v := envValue(env, "LD_LIBRARY_PATH"); v != "" {
			lib += ":" + v
		}
		env = setEnv(env, "LD_LIBRARY_PATH", lib)
		te := layer.ExpandPrefix(t.Env, t.Prefix)
		for _, k := range slices.Sorted(maps.Keys(te)) {
			env = setEnv(env, k, te[k])
		}
	}
	if r.Venv != nil {
		// As the venv's activate script sets it, and no byte-code written
		// at run time (the image's is compiled, the user cannot write it).
		env = setEnv(env, "VIRTUAL_ENV", facts.PythonVenv)
		env = setEnv(env, "PATH", facts.PythonVenv+"/bin:"+envValue(env, "PATH"))
		env = setEnv(env, "PYTHONDONTWRITEBYTECODE", "1")
		env = setEnv(env, "PYTHONUNBUFFERED", "1")
	}
	for _, k := range slices.Sorted(maps.Keys(im.Env)) {
		env = setEnv(env, k, im.Env[k])
	}
	c.Env = env
	if len(im.Ports) > 0 {
		ports := map[string]struct{}{}
		for k := range c.ExposedPorts {
			ports[k] = struct{}{}
		}
		for _, p := range im.Ports {
			if !strings.Contains(p, "/") {
				p += "/tcp"
			}
			ports[p] = struct{}{}
		}
		c.ExposedPorts = ports
	}
	if len(im.Labels) > 0 {
		labels := map[string]string{}
		for k, v := range c.Labels {
			labels[k] = v
		}
		for k, v := range im.Labels {
			labels[k] = v
		}
		c.Labels = labels
	}
	return img
}

// addAccount returns an /etc/passwd or /etc/group with the entry added,
// unless an entry of the same name and id is there already. A base without
// the file gets one with root's entry first. A clash of name or id is an
// error: it would give the program another account than the spec says.
func addAccount(file []byte, root, entry string) ([]byte, error) {
	lines := strings.Split(strings.TrimRight(string(file), "\n"), "\n")
	if len(file) == 0 {
		lines = []string{root}
	}
	f := strings.Split(entry, ":")
	for _, l := range lines {
		g := strings.Split(l, ":")
		if len(g) < 3 {
			continue
		}
		switch {
		case g[0] == f[0] && g[2] == f[2]:
			return []byte(strings.Join(lines, "\n") + "\n"), nil
		case g[0] == f[0]:
			return nil, fmt.Errorf("the base image has %q with id %s, not %s", f[0], g[2], f[2])
		case g[2] == f[2]:
			id, _ := strconv.Atoi(f[2])
			return nil, fmt.Errorf("id %d is %q in the base image; choose another uid/gid or name %q", id, g[0], g[0])
		}
	}
	return []byte(strings.Join(append(lines, entry), "\n") + "\n"), nil
}

func hasEnv(env []string, k string) bool {
	for _, e := range env {
		if strings.HasPrefix(e, k+"=") {
			return true
		}
	}
	return false
}

func envValue(env []string, k string) string {
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, k+"="); ok {
			return v
		}
	}
	return ""
}

func setEnv(env []string, k, v string) []string {
	for i, e := range env {
		if strings.HasPrefix(e, k+"=") {
			env[i] = k + "=" + v
			return env
		}
	}
	return append(env, k+"="+v)
}
