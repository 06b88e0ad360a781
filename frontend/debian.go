package frontend

import (
	"bufio"
	"bytes"
	"context"
	"slices"
	"strings"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/pkg/errors"
	"github.com/strata-build/strata/facts"
	"github.com/strata-build/strata/graph"
	"github.com/strata-build/strata/spec"
)

// aptImage is the image whose apt resolves Debian packages, on the build
// platform (named context "debian" replaces it).
const aptImage = "debian:bookworm"

// appArchive is where an app's Debian packages come from: the spec's
// suite, or the base image's, so that the libraries built against are
// the ones the image runs with. The base is resolved for the first target
// platform (a build's sysroots are made before any platform's image).
func (b *builder) appArchive(ctx context.Context, name string, a *spec.App) (graph.DebianArchive, error) {
	if a.Debian.Suite != "" || a.Image.Base == "scratch" {
		return archiveOf(a, nil), nil
	}
	base, err := b.baseImage(ctx, a.Image.Base, b.targetPlatforms()[0])
	if err != nil {
		return graph.DebianArchive{}, b.specError("apps."+name+".image.base", err)
	}
	return archiveOf(a, base.OSRelease), nil
}

// archiveOf is an app's Debian archive, given its base's os-release (nil
// for none): the spec's suite, else the base's if Debian has it, else the
// default.
func archiveOf(a *spec.App, osRelease []byte) graph.DebianArchive {
	d := graph.DebianArchive{Suite: a.Debian.Suite, Mirror: a.Debian.Mirror, Security: *a.Debian.Security}
	if d.Suite == "" {
		d.Suite = facts.DefaultDebianSuite
		if s := codename(osRelease); slices.Contains(facts.DebianSuites, s) {
			d.Suite = s
		}
	}
	return d
}

// codename is VERSION_CODENAME of an os-release file.
func codename(osRelease []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(osRelease))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VERSION_CODENAME="); ok {
			return strings.Trim(v, `"'`)
		}
	}
	return ""
}

// aptState is the apt image for the build platform.
func (b *builder) aptState(ctx context.Context, specPath string) (*resolved, error) {
	apt, err := b.input(ctx, "debian", aptImage, b.build)
	if err != nil {
		return nil, b.specError(specPath, errors.Wrap(err, "apt image"))
	}
	return apt, nil
}

// appApt is the apt image of an app's Debian packages (archive). A Python
// app's build image, the official python image of the build platform, is
// Debian with apt and its archive keyring, and the build pulls it anyway:
// apt runs there when the packages come from its suite, rather than in a
// Debian image pulled for apt alone, which on a cold build lay between
// the frontend and the apt step. An image given as a named context
// ("debian", "python") keeps its role: a user's Python image may have no
// apt.
func (b *builder) appApt(ctx context.Context, name string, a *spec.App, archive graph.DebianArchive, specPath string) (*resolved, error) {
	if a.Lang == "python" && archive.Suite == facts.PythonBaseSuite && !b.namedContext("debian") && !b.namedContext("python") {
		return b.pythonBuildImage(ctx, a.Python.Version)
	}
	return b.aptState(ctx, specPath)
}

// namedContext says whether the build has the named context.
func (b *builder) namedContext(name string) bool {
	nc, err := b.bc.NamedContext(name, dockerui.ContextOpt{Platform: &b.build, ResolveMode: b.bc.ImageResolveMode.String()})
	return err == nil && nc != nil
}

// runtimePackages are an app's run-time packages for the target platform,
// unpacked, but for the packages the base image has already: the tree
// made with the sysroot of the same architecture, if one was.
func (b *builder) runtimePackages(ctx context.Context, name string, a *spec.App, base graph.Base, target ocispecs.Platform) (llb.State, error) {
	r, err := b.runtimeSet(ctx, name, a, base, target)
	if err != nil {
		return llb.State{}, err
	}
	b.inputsMu.Lock()
	st, ok := b.debianTrees[r.Key()]
	b.inputsMu.Unlock()
	if ok {
		return st, nil
	}
	return r.Unpacked(), nil
}

// runtimeSet is the set of an app's run-time packages for the target
// platform, whose base is given.
func (b *builder) runtimeSet(ctx context.Context, name string, a *spec.App, base graph.Base, target ocispecs.Platform) (graph.DebianPackages, error) {
	p := "apps." + name + ".packages"
	// The base is this platform's, already read.
	archive := archiveOf(a, base.OSRelease)
	apt, err := b.appApt(ctx, name, a, archive, p)
	if err != nil {
		return graph.DebianPackages{}, err
	}
	arch, err := graph.DebianArchFor(target)
	if err != nil {
		return graph.DebianPackages{}, b.specError(p, err)
	}
	return graph.DebianPackages{Name: name, Apt: apt.State, Build: b.build, Arch: arch,
		Suite: archive.Suite, Mirror: archive.Mirror, Security: archive.Security, Packages: a.Packages,
		Skip: installed(base.DpkgStatus), MergedUsr: base.Scratch || facts.DebianMergedUsr[archive.Suite], Status: &base.DpkgStatus,
		Loc: b.locator(), SpecPath: p}, nil
}

// withRuntimePackages unpacks an app's sysroot set for one architecture
// and, when they come from the same archive, its run-time packages for
// that architecture in the same apt step (kept for runtimePackages): two
// apt steps fewer in a two-platform build, each mostly fetching and
// reading the archive's indices.
func (b *builder) withRuntimePackages(ctx context.Context, name string, a *spec.App, sysroot graph.DebianPackages) llb.State {
	if len(a.Packages) == 0 {
		return sysroot.Unpacked()
	}
	for _, target := range b.targetPlatforms() {
		if arch, err := graph.DebianArchFor(target); err != nil || arch.Name != sysroot.Arch.Name {
			continue
		}
		// Errors here are left to the platform's own graph, which
		// reads the base and makes the set again.
		base, err := b.baseImage(ctx, a.Image.Base, target)
		if err != nil {
			break
		}
		r, err := b.runtimeSet(ctx, name, a, base, target)
		if err != nil {
			break
		}
		trees, err := graph.UnpackedTogether(sysroot, r)
		if err != nil {
			break // another archive: a step each
		}
		b.inputsMu.Lock()
		b.debianTrees[r.Key()] = trees[1]
		b.inputsMu.Unlock()
		return trees[0]
	}
	return sysroot.Unpacked()
}

// installed are the packages a dpkg status file says are installed.
func installed(status []byte) []string {
	var out []string
	for _, para := range strings.Split(string(status), "\n\n") {
		var pkg string
		ok := false
		for _, line := range strings.Split(para, "\n") {
			if v, found := strings.CutPrefix(line, "Package: "); found {
				pkg = strings.TrimSpace(v)
			}
			if v, found := strings.CutPrefix(line, "Status: "); found {
				ok = strings.HasSuffix(strings.TrimSpace(v), " installed")
			}
		}
		if pkg != "" && ok {
			out = append(out, pkg)
		}
	}
	slices.Sort(out)
	return out
}

// sysroots are the app's build_packages for its targets; nil for none.
func (b *builder) sysroots(ctx context.Context, name string, a *spec.App) (*graph.Sysroots, error) {
	if len(a.BuildPackages) == 0 {
		return nil, nil
	}
	archive, err := b.appArchive(ctx, name, a)
	if err != nil {
		return nil, err
	}
	apt, err := b.appApt(ctx, name, a, archive, "apps."+name+".build_packages")
	if err != nil {
		return nil, err
	}
	return &graph.Sysroots{Name: name, Packages: a.BuildPackages, Apt: apt.State, Build: b.build, Debian: archive, Loc: b.locator(),
		Unpack: func(d graph.DebianPackages) llb.State { return b.withRuntimePackages(ctx, name, a, d) }}, nil
}
