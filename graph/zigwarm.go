package graph

import (
	"path"
	"slices"

	"github.com/moby/buildkit/client/llb"
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
func (r RustBuild) zigWarm() (llb.State, error) {
	links, err := r.zigLinks()
	if err != nil {
		return llb.State{}, err
	}
	src := llb.Scratch().File(llb.Mkfile("/warm.c", 0o644, []byte(zigcc.WarmSource), llb.WithCreatedTime(epoch)),
		llb.WithCustomNamef("[%s] zig warm-up source", r.Name))
	cache := llb.Scratch()
	for _, l := range links {
		args := append([]string{path.Join(zigDir, "zig")}, zigcc.WarmArgs(l.target, l.Link, path.Join(zigWarmSrc, "warm.c"), "/tmp/warm")...)
		kind := "executables"
		if l.Shared {
			kind = "proc-macros"
		}
		// zig where the cargo steps have it, and a working directory that,
		// like theirs, is not above zig's files: zig's key holds both.
		run := llb.Scratch().Platform(r.Build).Run(
			llb.Args(args),
			llb.Dir(rustSrc),
			llb.AddEnv("ZIG_GLOBAL_CACHE_DIR", zigCache),
			llb.AddEnv("ZIG_LOCAL_CACHE_DIR", zigCache),
			llb.AddMount(zigDir, r.Zig, llb.Readonly),
			llb.AddMount(zigWarmSrc, src, llb.Readonly),
			llb.AddMount("/tmp", llb.Scratch(), llb.Tmpfs()), // clang's temporary files
			llb.WithCustomNamef("[%s] zig libraries for %s %s", r.Name, l.target.Rust, kind),
			r.Loc.at("apps."+r.Name+".rust"),
		)
		cache = run.AddMount(zigCache, cache)
	}
	return cache, nil
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
func (r RustBuild) zigLinks() ([]zigLink, error) {
	opt := r.App.Rust
	host, err := RustTriple(r.Build, "gnu")
	if err != nil {
		return nil, err
	}
	targets, err := r.targetTriples()
	if err != nil {
		return nil, err
	}
	strip := *opt.Strip || (opt.Profile != "dev" && opt.Profile != "test")
	var links []zigLink
	add := func(triple string, l zigcc.Link) error {
		t, err := zigcc.For(triple, opt.Glibc)
		if err != nil {
			return err
		}
		zl := zigLink{t, l}
		if !slices.Contains(links, zl) {
			links = append(links, zl)
		}
		return nil
	}
	if err := add(host, zigcc.Link{Strip: true}); err != nil {
		return nil, err
	}
	if err := add(host, zigcc.Link{Shared: true, Strip: true}); err != nil {
		return nil, err
	}
	for _, t := range targets {
		if err := add(t, zigcc.Link{Strip: strip}); err != nil {
			return nil, err
		}
	}
	return links, nil
}
