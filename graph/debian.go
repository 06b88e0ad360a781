package graph

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"

	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/strata-build/strata/facts"
)

//go:embed debian.sh
var debianScript string

// DebianPackages are Debian packages of one architecture, resolved with an
// isolated apt and unpacked on the build platform: nothing of the target
// architecture runs, and no maintainer script. It is the one way Strata
// takes files from Debian: a layer's sources, an app's build sysroot.
type DebianPackages struct {
	Name     string    // the spec target's name, for the step's name
	Apt      llb.State // a Debian image with apt, for the build platform
	Build    ocispecs.Platform
	Arch     facts.DebianArch
	Suite    string
	Mirror   string
	Security bool // the suite's security updates too
	Packages []string
	// Skip are packages that are resolved, as dependencies, but not
	// unpacked: what the consumer has already (zig's own libc for a
	// sysroot).
	Skip []string
	// LinksAt, when set, is where the tree will be mounted: absolute
	// symbolic links (Debian's lib*.so links are) are made to point there,
	// so that a compiler following them stays inside the tree.
	LinksAt string
	// MergedUsr moves what packages put in /lib, /bin and /sbin under
	// /usr, for a tree that goes onto a merged-/usr system.
	MergedUsr bool
	// Status, when set, is the dpkg status of the system the tree goes
	// onto (empty for none): the tree then holds it at
	// /var/lib/dpkg/status with the packages added as installed, and
	// their file lists, as dpkg would have left them.
	Status   *[]byte
	Loc      Locator
	SpecPath string // where the packages are named in the spec
}

// debianArgs run debian.sh, mounted at /strata.
var debianArgs = []string{"/bin/sh", "/strata/debian.sh"}

// DebianArchFor is the Debian architecture of a platform.
func DebianArchFor(p ocispecs.Platform) (facts.DebianArch, error) {
	a, ok := facts.LookupDebianArch(p.Architecture, p.Variant)
	if !ok {
		return a, fmt.Errorf("Debian packages are taken for %s; not for %s", debianArchNames(), platformString(p))
	}
	return a, nil
}

func debianArchNames() string {
	var names []string
	for _, a := range facts.DebianArchs {
		names = append(names, a.Name)
	}
	return strings.Join(names, ", ")
}

// Unpacked is the packages' files, as a tree at the state's root; its
// .strata/packages.tsv says which package each path came from.
func (d DebianPackages) Unpacked() llb.State {
	script := llb.Scratch().File(llb.Mkfile("/debian.sh", 0o755, []byte(debianScript), llb.WithCreatedTime(epoch)),
		llb.WithCustomName("[strata] debian.sh"))
	opts := []llb.RunOption{
		llb.Args(debianArgs),
		llb.AddMount("/strata", script, llb.Readonly),
		llb.AddEnv("ARCH", d.Arch.Name), llb.AddEnv("SUITE", d.Suite), llb.AddEnv("MIRROR", d.Mirror),
		llb.AddEnv("SECURITY", strconv.FormatBool(d.Security)),
		llb.AddEnv("PACKAGES", strings.Join(d.Packages, " ")), llb.AddEnv("OUT", "/out"),
		llb.AddEnv("PATH", buildPath), llb.AddEnv("DEBIAN_FRONTEND", "noninteractive"),
		llb.WithCustomName(AptStep(d.Packages, d.Arch.Name, d.Suite)),
	}
	if len(d.Skip) > 0 {
		opts = append(opts, llb.AddEnv("SKIP", strings.Join(d.Skip, " ")))
	}
	if d.LinksAt != "" {
		opts = append(opts, llb.AddEnv("LINKS_AT", d.LinksAt))
	}
	if d.Status != nil {
		status := llb.Scratch().File(llb.Mkfile("/status", 0o644, *d.Status, llb.WithCreatedTime(epoch)),
			llb.WithCustomName("[strata] dpkg status of the base"))
		opts = append(opts, llb.AddMount("/strata-status", status, llb.Readonly), llb.AddEnv("STATUS", "/strata-status/status"))
	}
	if d.MergedUsr {
		opts = append(opts, llb.AddEnv("MERGED_USR", "1"))
	}
	opts = append(opts, d.Loc.at(d.SpecPath))
	return d.Apt.Platform(d.Build).Run(opts...).AddMount("/out", llb.Scratch())
}
