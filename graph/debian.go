package graph

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"

	"github.com/moby/buildkit/client/llb"
	digest "github.com/opencontainers/go-digest"
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
	return unpack([]DebianPackages{d})[0]
}

// UnpackedTogether are the trees of sets of packages from one archive for
// one architecture, made in one apt step: the archive's indices, the
// bulk of an apt step's time, are fetched and read once, not once for
// each set (an app's sysroot and its run-time packages). Each set is
// resolved and unpacked on its own, as Unpacked would; the step's name
// and place in the spec are the first set's.
func UnpackedTogether(sets ...DebianPackages) ([]llb.State, error) {
	if len(sets) == 0 {
		return nil, nil
	}
	d := sets[0]
	for _, s := range sets {
		if s.Arch.Name != d.Arch.Name || s.Suite != d.Suite || s.Mirror != d.Mirror || s.Security != d.Security || s.Build.Architecture != d.Build.Architecture {
			return nil, fmt.Errorf("packages %s (%s %s) and %s (%s %s) come from different archives: no one apt step",
				strings.Join(d.Packages, " "), d.Arch.Name, d.Suite, strings.Join(s.Packages, " "), s.Arch.Name, s.Suite)
		}
	}
	return unpack(sets), nil
}

// unpack is the apt step of sets that agree on their archive.
func unpack(sets []DebianPackages) []llb.State {
	d := sets[0]
	names := make([][]string, len(sets))
	for i, s := range sets {
		names[i] = s.Packages
	}
	script := llb.Scratch().File(llb.Mkfile("/debian.sh", 0o755, []byte(debianScript), llb.WithCreatedTime(epoch)),
		llb.WithCustomName("[strata] debian.sh"))
	opts := []llb.RunOption{
		llb.Args(debianArgs),
		llb.AddMount("/strata", script, llb.Readonly),
		llb.AddEnv("ARCH", d.Arch.Name), llb.AddEnv("SUITE", d.Suite), llb.AddEnv("MIRROR", d.Mirror),
		llb.AddEnv("SECURITY", strconv.FormatBool(d.Security)), llb.AddEnv("SETS", strconv.Itoa(len(sets))),
		llb.AddEnv("PATH", buildPath), llb.AddEnv("DEBIAN_FRONTEND", "noninteractive"),
		llb.WithCustomName(AptStep(d.Arch.Name, d.Suite, names...)),
	}
	for i, s := range sets {
		opts = append(opts, s.setOptions(i+1)...)
	}
	opts = append(opts, d.Loc.at(d.SpecPath))
	run := d.Apt.Platform(d.Build).Run(opts...)
	trees := make([]llb.State, len(sets))
	for i := range sets {
		trees[i] = run.AddMount(setOut(i+1), llb.Scratch())
	}
	return trees
}

// Key tells sets apart: two sets with the same key unpack to the same
// tree.
func (d DebianPackages) Key() string {
	status := "none"
	if d.Status != nil {
		status = digest.FromBytes(*d.Status).String()
	}
	return strings.Join([]string{d.Build.Architecture, d.Arch.Name, d.Suite, d.Mirror, strconv.FormatBool(d.Security),
		strings.Join(d.Packages, " "), strings.Join(d.Skip, " "), d.LinksAt, strconv.FormatBool(d.MergedUsr), status}, "\x00")
}

// setOut is where set n (from 1) is unpacked in the apt step.
func setOut(n int) string { return "/out/" + strconv.Itoa(n) }

// setOptions are what debian.sh reads of set n (from 1): its variables
// carry the suffix _n.
func (d DebianPackages) setOptions(n int) []llb.RunOption {
	sfx := "_" + strconv.Itoa(n)
	opts := []llb.RunOption{llb.AddEnv("PACKAGES"+sfx, strings.Join(d.Packages, " ")), llb.AddEnv("OUT"+sfx, setOut(n))}
	if len(d.Skip) > 0 {
		opts = append(opts, llb.AddEnv("SKIP"+sfx, strings.Join(d.Skip, " ")))
	}
	if d.LinksAt != "" {
		opts = append(opts, llb.AddEnv("LINKS_AT"+sfx, d.LinksAt))
	}
	if d.Status != nil {
		status := llb.Scratch().File(llb.Mkfile("/status", 0o644, *d.Status, llb.WithCreatedTime(epoch)),
			llb.WithCustomName("[strata] dpkg status of the base"))
		dir := "/strata-status" + sfx
		opts = append(opts, llb.AddMount(dir, status, llb.Readonly), llb.AddEnv("STATUS"+sfx, dir+"/status"))
	}
	if d.MergedUsr {
		opts = append(opts, llb.AddEnv("MERGED_USR"+sfx, "1"))
	}
	return opts
}
