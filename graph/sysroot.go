package graph

import (
	"maps"
	"path"
	"slices"

	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/strata-build/strata/zigcc"
)

// sysrootDir is where a target's sysroot is mounted in the compile steps,
// by Debian multiarch directory.
const sysrootDir = "/strata/sysroot"

// Sysroots are the build_packages of an app, for its targets: each
// architecture's packages unpacked on the build platform into a tree that
// zig and pkg-config read. The C library's own packages are left out, as
// zig brings the target's. Go and Rust builds mount them read-only in
// their compile steps, so the trees are part of those steps' keys: a new
// package re-runs the dependency step, a source edit does not.
type Sysroots struct {
	Name     string // the app's name
	Packages []string
	Apt      llb.State // a Debian image with apt, for the build platform
	Build    ocispecs.Platform
	Debian   DebianArchive
	Loc      Locator
	// Unpack, when set, makes a sysroot's tree instead of an apt step of
	// its own: the frontend unpacks the run-time packages of the same
	// architecture in the same step.
	Unpack func(DebianPackages) llb.State
	trees  map[string]llb.State
}

// For is the sysroot of a target platform, made once per architecture;
// none for nil Sysroots or no packages.
func (s *Sysroots) For(p ocispecs.Platform) (zigcc.Sysroot, error) {
	if s == nil || len(s.Packages) == 0 {
		return zigcc.Sysroot{}, nil
	}
	arch, err := DebianArchFor(p)
	if err != nil {
		return zigcc.Sysroot{}, err
	}
	dir := path.Join(sysrootDir, arch.Multiarch)
	if s.trees == nil {
		s.trees = map[string]llb.State{}
	}
	if _, ok := s.trees[dir]; !ok {
		d := DebianPackages{Name: s.Name, Apt: s.Apt, Build: s.Build, Arch: arch,
			Suite: s.Debian.Suite, Mirror: s.Debian.Mirror, Security: s.Debian.Security, Packages: s.Packages,
			Skip: zigcc.LibcPackages, LinksAt: dir, Loc: s.Loc, SpecPath: "apps." + s.Name + ".build_packages"}
		if s.Unpack != nil {
			s.trees[dir] = s.Unpack(d)
		} else {
			s.trees[dir] = d.Unpacked()
		}
	}
	return zigcc.Sysroot{Dir: dir, Multiarch: arch.Multiarch}, nil
}

// mounts are the sysroots made so far, as read-only mounts in a stable
// order.
func (s *Sysroots) mounts() []llb.RunOption {
	if s == nil {
		return nil
	}
	var out []llb.RunOption
	for _, dir := range slices.Sorted(maps.Keys(s.trees)) {
		out = append(out, llb.AddMount(dir, s.trees[dir], llb.Readonly))
	}
	return out
}
