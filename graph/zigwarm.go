package graph

import (
	"path"
	"slices"

	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
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
func (r RustBuild) zigWarm() llb.State { return zigWarmUp(r.in.Build, r.in.Zig, r.links) }

// zigWarmUp is a zig cache in which zig has made each of the links once:
// the libraries they need (the libc's stubs and start files, compiler_rt,
// libunwind) are then there for a step that mounts it as its zig cache's
// base. It runs zig on the build platform with nothing else.
func zigWarmUp(build ocispecs.Platform, zig llb.State, links []zigLink) llb.State {
	src := llb.Scratch().File(llb.Mkfile("/warm.c", 0o644, []byte(zigcc.WarmSource), llb.WithCreatedTime(epoch)),
		llb.WithCustomName(SharedPrefix+"zig warm-up source"))
	cache := llb.Scratch()
	for _, l := range links {
		args := append([]string{path.Join(zigDir, "zig")}, zigcc.WarmArgs(l.target, l.Link, path.Join(zigWarmSrc, "warm.c"), "/tmp/warm")...)
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
