package graph

import (
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/strata-build/strata/facts"
)

const sysrootSpec = rustSpec + "    build_packages: [libssl-dev]\n"

func sysrootBuild(t *testing.T, yaml string, targets ...ocispecs.Platform) RustBuild {
	t.Helper()
	in := rustInputs(t, yaml, rustContext("1.0.0", "fn main() {}", ""), targets...)
	in.Sysroots = testSysroots(in.App.BuildPackages)
	return newRustBuild(t, in)
}

func testSysroots(pkgs []string) *Sysroots {
	return &Sysroots{Name: "web", Packages: pkgs, Apt: llb.Image("docker.io/library/debian:bookworm"), Build: amd64,
		Debian: DebianArchive{Suite: "bookworm", Mirror: "http://deb.debian.org/debian", Security: true}}
}

// envOf is the value of an exec's environment variable.
func envOf(e *pb.ExecOp, key string) string {
	for _, kv := range e.Meta.Env {
		if v, ok := strings.CutPrefix(kv, key+"="); ok {
			return v
		}
	}
	return ""
}

// Each target's build_packages are a sysroot of its own architecture,
// mounted in both cargo steps (so in the dependency step's key), and
// pkg-config and zig are pointed at it.
func TestRustSysroot(t *testing.T) {
	rb := sysrootBuild(t, sysrootSpec, amd64, arm64)
	out := rb.Output()
	for _, step := range []cargoStep{cargoExec(t, out, "rustup target add"), cargoExec(t, out, "\ncp ")} {
		for _, dir := range []string{"/strata/sysroot/aarch64-linux-gnu", "/strata/sysroot/x86_64-linux-gnu"} {
			if m := mountAt(step.ExecOp, dir); m == nil || !m.Readonly {
				t.Errorf("no read-only sysroot at %s", dir)
			}
		}
		if v := envOf(step.ExecOp, "PKG_CONFIG_SYSROOT_DIR_aarch64_unknown_linux_gnu"); v != "/strata/sysroot/aarch64-linux-gnu" {
			t.Errorf("PKG_CONFIG_SYSROOT_DIR_aarch64_unknown_linux_gnu = %q", v)
		}
		if v := envOf(step.ExecOp, "PKG_CONFIG_aarch64_unknown_linux_gnu"); v != "/strata/bin/pkg-config-aarch64-unknown-linux-gnu" {
			t.Errorf("PKG_CONFIG_aarch64_unknown_linux_gnu = %q", v)
		}
	}
	var apts []*pb.ExecOp
	for _, op := range execs(t, out) {
		e := op.GetExec()
		if envOf(e, "PACKAGES_1") == "" {
			continue
		}
		apts = append(apts, e)
		if op.Platform.Architecture != "amd64" {
			t.Errorf("apt for %s runs on %s", envOf(e, "ARCH"), op.Platform.Architecture)
		}
		if skip := strings.Fields(envOf(e, "SKIP_1")); !slices.Contains(skip, "libc6-dev") {
			t.Errorf("the sysroot unpacks glibc's packages (SKIP=%v): zig brings the target's libc", skip)
		}
		if !strings.HasPrefix(envOf(e, "LINKS_AT_1"), "/strata/sysroot/") {
			t.Errorf("LINKS_AT = %q", envOf(e, "LINKS_AT_1"))
		}
	}
	if len(apts) != 2 {
		t.Errorf("%d apt steps, want one per architecture", len(apts))
	}
}

// A package added to build_packages re-runs the dependency step; a
// source edit still does not.
func TestRustSysrootInDependencyKey(t *testing.T) {
	base := depsDigest(t, sysrootBuild(t, sysrootSpec, arm64))
	if depsDigest(t, sysrootBuild(t, rustSpec+"    build_packages: [libssl-dev, libsqlite3-dev]\n", arm64)) == base {
		t.Error("a new build package left the dependency step as it was")
	}
	if depsDigest(t, rustBuild(t, rustSpec, rustContext("1.0.0", "fn main() {}", ""), arm64)) == base {
		t.Error("the sysroot is not in the dependency step's key")
	}
	in := rustInputs(t, sysrootSpec, rustContext("1.0.0", "fn main() { println!(\"edited\") }", ""), arm64)
	in.Sysroots = testSysroots(in.App.BuildPackages)
	if depsDigest(t, newRustBuild(t, in)) != base {
		t.Error("a source edit changed the dependency step")
	}
}

// A cgo build compiles with zig's wrappers for its target, on the build
// platform, against its sysroot.
func TestGoCgoSysroot(t *testing.T) {
	a := loadApp(t, webSpec+"    go: {cgo: true}\n    build_packages: [libsqlite3-dev]\n")
	g := goBuild(a, arm64)
	g.Zig = llb.Image("example.com/zig:0.11.0")
	g.Sysroots = testSysroots(a.BuildPackages)
	var build *pb.ExecOp
	for _, op := range execs(t, mustBinary(t, g)) {
		if op.Platform.Architecture != "amd64" {
			t.Errorf("exec %v runs on %s", op.GetExec().Meta.Args, op.Platform.Architecture)
		}
		if e := op.GetExec(); e.Meta.Args[0] == "go" && e.Meta.Args[1] == "build" {
			build = e
		}
	}
	if build == nil {
		t.Fatal("no go build")
	}
	for k, want := range map[string]string{
		"CGO_ENABLED": "1",
		"CC":          "/strata/bin/cc-aarch64-unknown-linux-gnu",
		"CXX":         "/strata/bin/c++-aarch64-unknown-linux-gnu",
		"PKG_CONFIG":  "/strata/bin/pkg-config-aarch64-unknown-linux-gnu",
	} {
		if got := envOf(build, k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	for _, dir := range []string{"/strata/zig", "/strata/bin", "/strata/sysroot/aarch64-linux-gnu"} {
		if mountAt(build, dir) == nil {
			t.Errorf("no mount at %s", dir)
		}
	}
	if mountAt(build, "/strata/sysroot/x86_64-linux-gnu") != nil {
		t.Error("an arm64 build mounts the amd64 sysroot")
	}
	arm := goBuild(a, ocispecs.Platform{OS: "linux", Architecture: "arm", Variant: "v7"})
	arm.Zig = g.Zig
	if _, err := arm.Binary(); err == nil || !strings.Contains(err.Error(), "cgo") {
		t.Errorf("cgo for arm/v7: %v", err)
	}
}

// A sysroot and the run-time packages of the same architecture and archive
// are made by one apt step, each set to its own output with its own
// options; sets from different archives are refused.
func TestUnpackedTogether(t *testing.T) {
	archive := DebianPackages{Name: "web", Apt: llb.Image("docker.io/library/debian:bookworm"), Build: amd64,
		Arch: facts.DebianArchs[1], Suite: "bookworm", Mirror: "http://deb.debian.org/debian", Security: true}
	sysroot, runtime := archive, archive
	sysroot.Packages, sysroot.Skip, sysroot.LinksAt = []string{"libssl-dev"}, []string{"libc6-dev"}, "/strata/sysroot/aarch64-linux-gnu"
	runtime.Packages, runtime.MergedUsr, runtime.Status = []string{"libssl3", "ca-certificates"}, true, &[]byte{}
	trees, err := UnpackedTogether(sysroot, runtime)
	if err != nil {
		t.Fatal(err)
	}
	var apts []*pb.Op
	for _, tree := range trees {
		for _, op := range execs(t, tree) {
			apts = append(apts, op)
		}
	}
	if len(apts) != 2 || apts[0].GetExec().Meta.String() != apts[1].GetExec().Meta.String() {
		t.Fatalf("%d apt execs for two trees, want the same one", len(apts))
	}
	e := apts[0].GetExec()
	want := map[string]string{
		"SETS": "2", "PACKAGES_1": "libssl-dev", "OUT_1": "/out/1", "SKIP_1": "libc6-dev", "LINKS_AT_1": "/strata/sysroot/aarch64-linux-gnu",
		"PACKAGES_2": "libssl3 ca-certificates", "OUT_2": "/out/2", "MERGED_USR_2": "1", "STATUS_2": "/strata-status_2/status",
		"SKIP_2": "", "LINKS_AT_2": "", "MERGED_USR_1": "", "STATUS_1": "",
	}
	for k, v := range want {
		if got := envOf(e, k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	for i, out := range []string{"/out/1", "/out/2"} {
		if m := mountAt(e, out); m == nil || m.Output < 0 {
			t.Errorf("set %d has no output at %s", i+1, out)
		}
	}
	other := runtime
	other.Suite = "bullseye"
	if _, err := UnpackedTogether(sysroot, other); err == nil || !strings.Contains(err.Error(), "different archives") {
		t.Errorf("sets of two suites: %v", err)
	}
}
