package graph

import (
	"path"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/strata-build/strata/zigcc"
)

// sysrootDir is where a target's sysroot is mounted in the compile steps,
// by Debian multiarch directory.
const sysrootDir = "/strata/sysroot"

// sysroot is the target platform's build_packages, unpacked on the build
// platform into a tree that zig and pkg-config read; the C library's own
// packages are left out, as zig brings the target's. The tree is a mount
// of both cargo steps, so it is part of the dependency step's key: a new
// package re-runs that step, a source edit does not.
func (r RustBuild) sysroot(p ocispecs.Platform) (zigcc.Sysroot, error) {
	arch, err := DebianArchFor(p)
	if err != nil {
		return zigcc.Sysroot{}, err
	}
	dir := path.Join(sysrootDir, arch.Multiarch)
	d := r.in.Debian
	r.sysroots[dir] = DebianPackages{Name: r.in.Name, Apt: r.in.Apt, Build: r.in.Build, Arch: arch,
		Suite: d.Suite, Mirror: d.Mirror, Security: d.Security, Packages: r.in.App.BuildPackages,
		Skip: zigcc.LibcPackages, LinksAt: dir, Loc: r.in.Loc, SpecPath: "apps." + r.in.Name + ".build_packages"}.Unpacked()
	return zigcc.Sysroot{Dir: dir, Multiarch: arch.Multiarch}, nil
}
