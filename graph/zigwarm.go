package graph

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/strata-build/strata/facts"
	"github.com/strata-build/strata/shell"
	"github.com/strata-build/strata/zigcc"
)

const zigWarmSrc = "/strata/warm" // the warm-up's C program

// zigWarm is zig's cache holding the libraries the cargo steps' links
// need (see zigcc.Link), built by zig alone: no toolchain image, so it runs
// while that image is still being pulled and unpacked (a cold build would
// otherwise compile them inside the dependency step), and its key is zig,
// the triples, the glibc floor and the kinds of link, so a dependency
// change keeps it. The cargo steps' zig cache mount starts from it, which
// makes that cache one per warm-up result rather than one for every app.
func (r RustBuild) zigWarm() llb.State {
	return zigWarmUp(r.in.Build, r.in.Zig, r.in.ZigLibraries, r.links)
}

// zigWarmUp is a zig cache in which zig has made each of the links once:
// the libraries they need (the libc's stubs and start files, compiler_rt,
// libunwind) are then there for a step that mounts it as its zig cache's
// base. It runs zig on the build platform with nothing else, in a cache
// that starts from seed when one is given (the libraries the frontend
// image carries: zig then makes only what seed lacks).
func zigWarmUp(build ocispecs.Platform, zig llb.State, seed *llb.State, links []zigLink) llb.State {
	src := llb.Scratch().File(llb.Mkfile("/warm.c", 0o644, []byte(zigcc.WarmSource), llb.WithCreatedTime(epoch)),
		llb.WithCustomName(SharedPrefix+"zig warm-up source"))
	cache := llb.Scratch()
	if seed != nil {
		cache = *seed
	}
	for _, l := range links {
		args := l.warmArgs()
		kind := "executables"
		if l.Shared {
			kind = "shared libraries"
		}
		// zig where the compile steps have it, and a working directory
		// that, like theirs, is not above zig's files: zig's key holds both.
		run := llb.Scratch().Platform(build).Run(
			llb.Args(args),
			llb.Dir(rustSrc),
			llb.AddEnv("ZIG_GLOBAL_CACHE_DIR", zigCache),
			llb.AddEnv("ZIG_LOCAL_CACHE_DIR", zigCache),
			llb.AddMount(zigDir, zig, llb.Readonly, byKey),
			llb.AddMount(zigWarmSrc, src, llb.Readonly),
			llb.AddMount("/tmp", llb.Scratch(), llb.Tmpfs()), // clang's temporary files
			// Shared by every app with the target and floor: named by what
			// it is, with no app's name or spec lines.
			llb.WithCustomName(ZigLibrariesStep(l.target.Zig, kind)),
		)
		cache = run.AddMount(zigCache, cache)
	}
	return cache
}

type zigLink struct {
	target zigcc.Target
	zigcc.Link
}

// warmArgs are the command of the link's warm-up: zig at zigDir links
// zigWarmSrc/warm.c to /tmp/warm.
func (l zigLink) warmArgs() []string {
	return append([]string{path.Join(zigDir, "zig")}, zigcc.WarmArgs(l.target, l.Link, path.Join(zigWarmSrc, "warm.c"), "/tmp/warm")...)
}

// zigLinks are the kinds of link the cargo steps make: build scripts
// (executables) and proc-macros (shared) for the build platform, with
// debug info stripped as cargo's build-override profile does; the app for
// every target, stripped unless the spec keeps symbols and the profile
// keeps debug info. A kind missed here costs time, not correctness: the
// step's own link builds what it lacks.
func (r RustBuild) zigLinks() []zigLink {
	opt := r.in.App.Rust
	strip := *opt.Strip || (opt.Profile != "dev" && opt.Profile != "test")
	var links []zigLink
	add := func(t zigcc.Target, l zigcc.Link) {
		if zl := (zigLink{t, l}); !slices.Contains(links, zl) {
			links = append(links, zl)
		}
	}
	add(r.host, zigcc.Link{Strip: true})
	add(r.host, zigcc.Link{Shared: true, Strip: true})
	for _, t := range r.targets {
		add(t, zigcc.Link{Strip: strip})
	}
	return links
}

// The frontend image carries zig's libraries for the links a default
// build makes, made when the image is built (the Dockerfile runs
// PrebuiltZigScript): compiler_rt alone is 2 s of CPU for each target,
// glibc and kind of link, in every cold build. zig checks a cache it did
// not make as its own (by the content of its sources), so a seed for
// another zig is only unused.
const FrontendZigDir = "/usr/lib/strata/zig-cache" // VERSION/ is a zig cache

// prebuiltZigLinks are the links whose libraries the frontend image
// carries, for each target: a Python extension module with the glibc of
// the default Python base; a Rust release build's at the default glibc
// floor (the program, stripped; build scripts and proc-macros when the
// target is the build platform's).
func prebuiltZigLinks() ([]zigLink, error) {
	var links []zigLink
	for _, triple := range []string{"x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu"} {
		for _, l := range []struct {
			glibc string
			link  zigcc.Link
		}{
			{facts.DebianGlibc[facts.PythonBaseSuite], extensionLink},
			{facts.DefaultGlibcFloor, zigcc.Link{Strip: true}},
			{facts.DefaultGlibcFloor, zigcc.Link{Shared: true, Strip: true}},
		} {
			t, err := zigcc.For(triple, l.glibc)
			if err != nil {
				return nil, err
			}
			links = append(links, zigLink{t, l.link})
		}
	}
	return links, nil
}

// PrebuiltZigScript is the shell script that makes the frontend image's
// zig libraries: zig at zigDir (the release facts.DefaultZig), its cache
// then copied to FrontendZigDir/VERSION under the directory $1. The links
// are made as zigWarmUp makes them (the same directories and arguments),
// so that the cache's keys are the ones the build steps look for. Another
// zig makes nothing.
func PrebuiltZigScript() (string, error) {
	links, err := prebuiltZigLinks()
	if err != nil {
		return "", err
	}
	src := path.Join(zigWarmSrc, "warm.c")
	var b strings.Builder
	out := path.Join("$1", FrontendZigDir, facts.DefaultZig)
	// The directory even when no library is made: the graphs copy what it
	// holds, which may be nothing.
	fmt.Fprintf(&b, "set -eu\nmkdir -p \"%s\"\nzig=%s\n", out, shell.Quote(path.Join(zigDir, "zig")))
	b.WriteString("if [ ! -x \"$zig\" ]; then echo \"no $zig: no libraries made\"; exit 0; fi\n")
	fmt.Fprintf(&b, "if [ \"$(\"$zig\" version)\" != %s ]; then echo \"zig $(\"$zig\" version) is not %s: no libraries made\"; exit 0; fi\n",
		shell.Quote(facts.DefaultZig), facts.DefaultZig)
	fmt.Fprintf(&b, "mkdir -p %s %s\nprintf %%s %s >%s\ncd %s\n", shell.Quote(zigWarmSrc), shell.Quote(rustSrc),
		shell.Quote(zigcc.WarmSource), shell.Quote(src), shell.Quote(rustSrc))
	fmt.Fprintf(&b, "export ZIG_GLOBAL_CACHE_DIR=%s ZIG_LOCAL_CACHE_DIR=%s\n", zigCache, zigCache)
	for _, l := range links {
		b.WriteString(shell.Join(l.warmArgs()) + "\n")
	}
	fmt.Fprintf(&b, "cp -a %s/. \"%s\"/\n", zigCache, out)
	return b.String(), nil
}

// FrontendZigLibraries are the zig libraries the frontend image carries
// for that zig version, as a zig cache at the root: empty when it has
// none (an image built without zig, another version).
func FrontendZigLibraries(frontend llb.State, version string) llb.State {
	return llb.Scratch().File(llb.Copy(frontend, path.Join(FrontendZigDir, version, "*"), "/",
		&llb.CopyInfo{AllowWildcard: true, AllowEmptyWildcard: true, CreatedTime: &epoch}),
		llb.WithCustomNamef("[strata] zig %s libraries from the frontend image", version))
}
