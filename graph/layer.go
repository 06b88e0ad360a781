package graph

import (
	_ "embed"
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/moby/buildkit/client/llb"
	"github.com/strata-build/strata/layer"
	"github.com/strata-build/strata/spec"
)

//go:embed debian.sh
var debianScript string

// LayerBuild is the input of a function layer's build.
type LayerBuild struct {
	Name      string
	Layer     *spec.Layer // defaulted and validated
	Apt       llb.State   // a Debian image with apt, for the build platform
	Images    []llb.State // one per Layer.Sources.Images, for the target platform
	Context   llb.State
	Apps      map[string]AppBinary // the binaries of Layer.Sources.Apps
	Helper    llb.State            // holds /strata-layer (see Helper)
	Platforms Platforms
	Epoch     string // SOURCE_DATE_EPOCH, "" for 0
	// Tree makes the assembly also write the files as a tree, /tree in
	// its output, for an app image that holds the layer.
	Tree bool
	Loc  Locator
}

// AppBinary is an app's program: a state holding it at /Name.
type AppBinary struct {
	Name  string
	State llb.State
}

// Root merges the layer's sources into one root filesystem of the target
// architecture. Every step runs on the build platform or is a file copy.
func (b LayerBuild) Root() (llb.State, error) {
	src := b.Layer.Sources
	p := "layers." + b.Name + ".sources"
	var parts []llb.State
	if d := src.Debian; d != nil {
		arch, err := debianArch(b.Platforms.Target.Architecture, b.Platforms.Target.Variant)
		if err != nil {
			return llb.State{}, err
		}
		script := llb.Scratch().File(llb.Mkfile("/debian.sh", 0o755, []byte(debianScript), llb.WithCreatedTime(epoch)),
			llb.WithCustomName("[strata] debian.sh"))
		run := b.Apt.Platform(b.Platforms.Build).Run(
			llb.Args([]string{"/bin/sh", "/strata/debian.sh"}),
			llb.AddMount("/strata", script, llb.Readonly),
			llb.AddEnv("ARCH", arch), llb.AddEnv("SUITE", d.Suite), llb.AddEnv("MIRROR", d.Mirror),
			llb.AddEnv("SECURITY", strconv.FormatBool(*d.Security)),
			llb.AddEnv("PACKAGES", strings.Join(d.Packages, " ")), llb.AddEnv("OUT", "/out"),
			llb.AddEnv("PATH", buildPath), llb.AddEnv("DEBIAN_FRONTEND", "noninteractive"),
			llb.WithCustomNamef("[%s] apt: %s for %s (%s)", b.Name, strings.Join(d.Packages, " "), arch, d.Suite),
			b.Loc.at(p+".debian"),
		)
		parts = append(parts, run.AddMount("/out", llb.Scratch()))
	}
	for i, im := range src.Images {
		fa := b.copies(b.Images[i], im.Paths)
		parts = append(parts, llb.Scratch().File(fa, llb.WithCustomNamef("[%s] copy from %s", b.Name, im.Ref), b.Loc.at(fmt.Sprintf("%s.images[%d]", p, i))))
	}
	if len(src.Context) > 0 {
		parts = append(parts, llb.Scratch().File(b.copies(b.Context, src.Context),
			llb.WithCustomNamef("[%s] copy from the context", b.Name), b.Loc.at(p+".context")))
	}
	if len(src.Apps) > 0 {
		fa := llb.Mkdir("/usr/local/bin", 0o755, llb.WithParents(true), llb.WithCreatedTime(epoch))
		for _, a := range src.Apps {
			bin := b.Apps[a]
			fa = fa.Copy(bin.State, "/"+bin.Name, "/usr/local/bin/"+bin.Name, &llb.CopyInfo{CreatedTime: &epoch})
		}
		parts = append(parts, llb.Scratch().File(fa, llb.WithCustomNamef("[%s] copy apps", b.Name), b.Loc.at(p+".apps")))
	}
	if len(b.Layer.Env) > 0 {
		// The wrappers of the programs (layer.Wrapper), as files of the root.
		fa := llb.Mkdir(layer.WrapperDir, 0o755, llb.WithParents(true), llb.WithCreatedTime(epoch))
		for _, x := range b.Layer.Binaries {
			name := layer.ProgramName(x)
			fa = fa.Mkfile(path.Join(layer.WrapperDir, name), 0o755, layer.Wrapper(b.Layer.Prefix, name, b.Layer.Env), llb.WithCreatedTime(epoch))
		}
		parts = append(parts, llb.Scratch().File(fa, llb.WithCustomNamef("[%s] wrappers", b.Name), b.Loc.at("layers."+b.Name+".env")))
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	return llb.Merge(parts, llb.WithCustomNamef("[%s] sources", b.Name)), nil
}

// copies copies paths of a source to the same paths; a path with a
// wildcard copies what it matches, each at its own path.
func (b LayerBuild) copies(from llb.State, paths []string) *llb.FileAction {
	var fa *llb.FileAction
	add := func(src, dst string, opt *llb.CopyInfo) {
		if fa == nil {
			fa = llb.Copy(from, src, dst, opt)
		} else {
			fa = fa.Copy(from, src, dst, opt)
		}
	}
	for _, x := range paths {
		p := path.Join("/", x)
		if strings.ContainsAny(p, "*?[") {
			add("/", "/", &llb.CopyInfo{CopyDirContentsOnly: true, IncludePatterns: []string{strings.TrimPrefix(p, "/")},
				CreateDestPath: true, CreatedTime: &epoch})
			continue
		}
		add(p, p, &llb.CopyInfo{CreateDestPath: true, FollowSymlinks: true, CreatedTime: &epoch})
	}
	return fa
}

// Archive assembles the layer with the helper, on the build platform: it
// reads the root (any architecture) and writes NAME.zip (or .tar.gz),
// NAME.manifest.json and NAME.report.txt. A missing library, a glibc too
// new for the runtime or a size over the limit fail this step.
func (b LayerBuild) Archive() (llb.State, error) {
	root, err := b.Root()
	if err != nil {
		return llb.State{}, err
	}
	l := b.Layer
	args := []string{"/strata/strata-layer", "-root", "/rootfs", "-out", "/out", "-name", b.Name,
		"-runtime", l.Runtime, "-format", l.Format, "-prefix", l.Prefix}
	for _, x := range l.Binaries {
		args = append(args, "-bin", x)
	}
	for _, x := range l.DLOpen {
		args = append(args, "-dlopen", x)
	}
	for _, f := range l.Files {
		args = append(args, "-data", f.From+"="+f.To)
	}
	for _, k := range slices.Sorted(maps.Keys(l.Env)) {
		args = append(args, "-env", k+"="+l.Env[k])
	}
	if len(l.Env) > 0 {
		args = append(args, "-wrapped")
	}
	if l.Runtime == "custom" {
		args = append(args, "-glibc", l.Glibc)
		for _, x := range l.Exclude {
			args = append(args, "-exclude", x)
		}
	}
	if l.MaxZipped != nil {
		args = append(args, "-max-zipped", strconv.Itoa(*l.MaxZipped))
	}
	if l.MaxUnzipped != nil {
		args = append(args, "-max-unzipped", strconv.Itoa(*l.MaxUnzipped))
	}
	if b.Epoch != "" {
		args = append(args, "-epoch", b.Epoch)
	}
	if b.Tree {
		args = append(args, "-tree", "/out/tree")
	}
	runner := b.Helper
	if l.Strip {
		// binutils-multiarch's strip reads every architecture; the step
		// that installs it runs once per builder and is cached.
		runner = b.Apt.Platform(b.Platforms.Build).Run(
			llb.Args([]string{"/bin/sh", "-c", "apt-get update -q && apt-get install -q -y --no-install-recommends binutils-multiarch"}),
			llb.AddEnv("DEBIAN_FRONTEND", "noninteractive"), llb.AddEnv("PATH", buildPath),
			llb.WithCustomName("[strata] install binutils-multiarch (strip)"),
		).Root()
		args = append(args, "-strip", "/usr/bin/strip")
	}
	run := runner.Platform(b.Platforms.Build).Run(
		llb.Args(args),
		llb.AddMount("/strata", b.Helper, llb.Readonly),
		llb.AddMount("/rootfs", root, llb.Readonly),
		llb.WithCustomName(AssembleLayerStep(b.Name, l.Runtime, b.Platforms.Target)),
		b.Loc.at("layers."+b.Name),
	)
	return run.AddMount("/out", llb.Scratch()), nil
}

// debianArch maps an OCI architecture to Debian's.
func debianArch(arch, variant string) (string, error) {
	switch arch {
	case "amd64", "arm64":
		return arch, nil
	case "386":
		return "i386", nil
	case "arm":
		if variant == "v7" || variant == "" {
			return "armhf", nil
		}
		return "armel", nil
	}
	return "", fmt.Errorf("layers are built for amd64, arm64, arm and 386; not %s", arch)
}

// FunctionPackage is an app's function code package: its program alone at
// the root of a zip, as bootstrap (AWS Lambda custom runtime) or main
// (Alibaba Cloud Function Compute custom runtime), assembled by the helper
// on the build platform. The result holds NAME.zip.
func FunctionPackage(name, provider string, bin AppBinary, helper llb.State, ps Platforms, epoch string, loc Locator) (llb.State, error) {
	entry := map[string]string{"lambda": "bootstrap", "fc": "main"}[provider]
	if entry == "" {
		return llb.State{}, fmt.Errorf("unknown function provider %q", provider)
	}
	args := []string{"/strata/strata-layer", "-out", "/out", "-name", name, "-file", entry + "=/app/" + bin.Name}
	if epoch != "" {
		args = append(args, "-epoch", epoch)
	}
	run := helper.Platform(ps.Build).Run(
		llb.Args(args),
		llb.AddMount("/strata", helper, llb.Readonly),
		llb.AddMount("/app", bin.State, llb.Readonly),
		llb.WithCustomNamef("[%s] %s code package (%s)", name, provider, platformString(ps.Target)),
		loc.at("apps."+strings.TrimSuffix(name, "-"+provider)+".functions"),
	)
	return run.AddMount("/out", llb.Scratch()), nil
}
