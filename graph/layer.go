package graph

import (
	_ "embed"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/strata-build/strata/facts"
	"github.com/strata-build/strata/layer"
	"github.com/strata-build/strata/spec"
)

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
	// Python holds a Python layer's packages at its root, installed for
	// the target at the directory the runtime has them in (PythonSite).
	Python *llb.State
	// Known is what the layer's SPDX document lists from lock files (a
	// Python layer's uv.lock); its platform and distro are set here.
	Known layer.SBOMInfo
}

// SBOMInfo is the SBOM part of a helper request for the target platform,
// with Debian packages of suite ("" when none) and what known adds.
func SBOMInfo(target ocispecs.Platform, suite string, known layer.SBOMInfo) *layer.SBOMInfo {
	known.Platform = platformString(target)
	if v, ok := facts.DebianVersions[suite]; ok {
		known.Distro = "debian-" + v
	}
	return &known
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
		arch, err := DebianArchFor(b.Platforms.Target)
		if err != nil {
			return llb.State{}, err
		}
		// An empty dpkg status: the root then holds the packages' own
		// (versions, for the layer's SBOM) and their file lists.
		parts = append(parts, DebianPackages{Name: b.Name, Apt: b.Apt, Build: b.Platforms.Build, Arch: arch,
			Suite: d.Suite, Mirror: d.Mirror, Security: *d.Security, Packages: d.Packages, Status: &[]byte{},
			Loc: b.Loc, SpecPath: p + ".debian"}.Unpacked())
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
	l := b.Layer
	if l.Python != nil {
		return b.pythonArchive()
	}
	root, err := b.Root()
	if err != nil {
		return llb.State{}, err
	}
	req := layer.LayerRequest{Root: "/rootfs", Runtime: l.Runtime, MaxZipped: l.MaxZipped, MaxUnzipped: l.MaxUnzipped,
		Binaries: l.Binaries, DLOpen: l.DLOpen, Env: l.Env, Wrapped: len(l.Env) > 0, Format: l.Format, Prefix: l.Prefix}
	for _, f := range l.Files {
		req.Files = append(req.Files, layer.Tree{From: f.From, To: f.To})
	}
	if l.Runtime == facts.CustomRuntime {
		req.Glibc, req.Exclude = l.Glibc, l.Exclude
	}
	if b.Tree {
		req.Tree = "/out/tree"
	}
	runner := helperRoot()
	if l.Strip {
		// binutils-multiarch's strip reads every architecture; the step
		// that installs it runs once per builder and is cached.
		runner = b.Apt.Platform(b.Platforms.Build).Run(
			llb.Args([]string{"/bin/sh", "-c", "apt-get update -q && apt-get install -q -y --no-install-recommends binutils-multiarch"}),
			llb.AddEnv("DEBIAN_FRONTEND", "noninteractive"), llb.AddEnv("PATH", buildPath),
			llb.WithCustomName("[strata] install binutils-multiarch (strip)"),
		).Root()
		req.Strip = "/usr/bin/strip"
	}
	suite := ""
	if l.Sources.Debian != nil {
		suite = l.Sources.Debian.Suite
	}
	return helperStep(runner, b.Helper, layer.Request{Name: b.Name, Out: "/out", Layer: &req, SBOM: SBOMInfo(b.Platforms.Target, suite, b.Known)},
		b.Epoch, "/rootfs", root, b.Platforms,
		AssembleLayerStep(b.Name, l.Runtime, b.Platforms.Target), b.Loc.at("layers."+b.Name))
}

// helperStep runs the helper on the build platform, in runner, on a
// request, with the files it reads mounted at dir; its output is /out.
func helperStep(runner, helper llb.State, req layer.Request, epoch, dir string, files llb.State, ps Platforms, name string, loc llb.ConstraintsOpt) (llb.State, error) {
	request, err := helperRequest(req, epoch)
	if err != nil {
		return llb.State{}, err
	}
	run := runner.Platform(ps.Build).Run(
		llb.Args(helperArgs),
		llb.AddMount("/strata", helper, llb.Readonly),
		llb.AddMount(layer.RequestDir, request, llb.Readonly),
		llb.AddMount(dir, files, llb.Readonly, byKey),
		llb.WithCustomName(name),
		loc,
	)
	return run.AddMount("/out", llb.Scratch()), nil
}

// PythonSite is where a Python layer's packages are at run time: the
// provider's directory under the prefix.
func PythonSite(l *spec.Layer) (string, error) {
	rt, ok := facts.LookupRuntime(l.Runtime)
	if !ok {
		return "", fmt.Errorf("a Python layer needs a provider's runtime, not %q", l.Runtime)
	}
	pv, _ := facts.LookupProvider(rt.Provider)
	return path.Join(l.Prefix, pv.PythonDir(l.Python.Version)), nil
}

// pythonArchive assembles a Python layer: its packages checked by the
// helper against the runtime (every native module's machine, glibc and
// libraries) and its limits, at the provider's directory.
func (b LayerBuild) pythonArchive() (llb.State, error) {
	l := b.Layer
	site, err := PythonSite(l)
	if err != nil {
		return llb.State{}, err
	}
	dir := strings.TrimPrefix(strings.TrimPrefix(site, l.Prefix), "/")
	req := &layer.LayerRequest{Root: "/rootfs", Runtime: l.Runtime, MaxZipped: l.MaxZipped, MaxUnzipped: l.MaxUnzipped,
		Format: l.Format, Prefix: l.Prefix, Files: []layer.Tree{{From: "/", To: dir}}}
	return pythonHelperStep(b.Name, req, *b.Python, b.Helper, b.Platforms, b.Epoch, b.Known,
		AssembleLayerStep(b.Name, l.Runtime, b.Platforms.Target), b.Loc.at("layers."+b.Name))
}

// pythonHelperStep runs the helper on Python packages (a layer's, or a
// code package's with its sources) at the root of root: every ELF file
// among them is checked, for the target's machine.
func pythonHelperStep(name string, req *layer.LayerRequest, root, helper llb.State, ps Platforms, epoch string, known layer.SBOMInfo, stepName string, loc llb.ConstraintsOpt) (llb.State, error) {
	machine, ok := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[ps.Target.Architecture]
	if !ok {
		return llb.State{}, fmt.Errorf("no Python wheels for architecture %q", ps.Target.Architecture)
	}
	req.Python, req.Machine = true, machine
	return helperStep(helperRoot(), helper, layer.Request{Name: name, Out: "/out", Layer: req, SBOM: SBOMInfo(ps.Target, "", known)},
		epoch, "/rootfs", root, ps, stepName, loc)
}

// PythonFunctionPackage is a Python app's function code package for a
// provider's managed Python runtime: its sources and its dependencies
// (installed at the provider's code directory, where the runtime has them
// on sys.path) at the zip's root, checked against the runtime like a
// layer and within the provider's limits, with a manifest and a report.
// The handler, MODULE.FUNCTION, is the function's configuration.
func PythonFunctionPackage(name, provider, runtime string, deps, sources, helper llb.State, ps Platforms, epoch string, known layer.SBOMInfo, loc Locator) (llb.State, error) {
	pv, ok := facts.LookupProvider(provider)
	if !ok {
		return llb.State{}, fmt.Errorf("unknown function provider %q", provider)
	}
	root := llb.Merge([]llb.State{deps, sources}, llb.WithCustomNamef("[%s] dependencies and sources", name))
	req := &layer.LayerRequest{Root: "/rootfs", Runtime: runtime, Format: facts.Zip, Prefix: pv.CodeDir, Files: []layer.Tree{{From: "/", To: ""}}}
	return pythonHelperStep(name, req, root, helper, ps, epoch, known, codePackageStep(name, provider, ps.Target),
		loc.at("apps."+strings.TrimSuffix(name, "-"+provider)+".functions"))
}

// FunctionPackage is an app's function code package: its program alone at
// the root of a zip, as the provider's entry (bootstrap for an AWS Lambda
// custom runtime, main for Alibaba Cloud Function Compute's), assembled by
// the helper on the build platform. The result holds NAME.zip.
func FunctionPackage(name, provider string, bin AppBinary, helper llb.State, ps Platforms, epoch string, known layer.SBOMInfo, loc Locator) (llb.State, error) {
	pv, ok := facts.LookupProvider(provider)
	if !ok {
		return llb.State{}, fmt.Errorf("unknown function provider %q", provider)
	}
	return helperStep(helperRoot(), helper, layer.Request{Name: name, Out: "/out",
		Package: &layer.PackageRequest{Files: map[string]string{pv.Entry: "/app/" + bin.Name}}, SBOM: SBOMInfo(ps.Target, "", known)},
		epoch, "/app", bin.State, ps,
		codePackageStep(name, provider, ps.Target), loc.at("apps."+strings.TrimSuffix(name, "-"+provider)+".functions"))
}

// codePackageStep names the step that writes a function's code package.
func codePackageStep(name, provider string, target ocispecs.Platform) string {
	return fmt.Sprintf("[%s] %s code package (%s)", name, provider, platformString(target))
}

// helperArgs run the helper on the request mounted at layer.RequestDir.
var helperArgs = []string{"/strata/strata-layer", path.Join(layer.RequestDir, layer.RequestFile)}

// LeavesError tells whether an exec's arguments are those of a step that
// leaves its tool's error at layer.ErrorFile: the helper, apt.
func LeavesError(args []string) bool {
	return slices.Equal(args, helperArgs) || slices.Equal(args, debianArgs) || slices.Equal(args, pythonArgs)
}

// helperRequest is a state holding the request as the helper reads it,
// with the time of its entries from sourceDateEpoch ("" for 0).
func helperRequest(req layer.Request, sourceDateEpoch string) (llb.State, error) {
	if sourceDateEpoch != "" {
		n, err := strconv.ParseInt(sourceDateEpoch, 10, 64)
		if err != nil {
			return llb.State{}, fmt.Errorf("SOURCE_DATE_EPOCH %q is not a number of seconds", sourceDateEpoch)
		}
		req.Epoch = n
	}
	data, err := req.Marshal()
	if err != nil {
		return llb.State{}, err
	}
	return llb.Scratch().File(llb.Mkfile("/"+layer.RequestFile, 0o644, data, llb.WithCreatedTime(epoch)),
		llb.WithCustomNamef("[%s] helper request", req.Name)), nil
}
