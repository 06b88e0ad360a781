package graph

import (
	"context"
	"path"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/strata-build/strata/cargo"
)

const rustSpec = "version: 1\napps:\n  web:\n    lang: rust\n    path: svc\n"

// rustContext is a crate with a version, a main.rs and its dependencies.
func rustContext(version, main, deps string) fstest.MapFS {
	return fstest.MapFS{
		"svc/Cargo.toml":  {Data: []byte("[package]\nname = \"web\"\nversion = \"" + version + "\"\nedition = \"2021\"\n\n[dependencies]\nserde = \"1\"\n" + deps)},
		"svc/Cargo.lock":  {Data: []byte("version = 3\n\n[[package]]\nname = \"web\"\nversion = \"" + version + "\"\n")},
		"svc/src/main.rs": {Data: []byte(main)},
	}
}

// rustBuild is the build of the app web in yaml, of the crate in ctx, on amd64.
func rustBuild(t *testing.T, yaml string, ctx fstest.MapFS, targets ...ocispecs.Platform) RustBuild {
	t.Helper()
	return newRustBuild(t, rustInputs(t, yaml, ctx, targets...))
}

func newRustBuild(t *testing.T, in RustInputs) RustBuild {
	t.Helper()
	rb, err := NewRustBuild(in)
	if err != nil {
		t.Fatal(err)
	}
	return rb
}

func rustInputs(t *testing.T, yaml string, ctx fstest.MapFS, targets ...ocispecs.Platform) RustInputs {
	t.Helper()
	a := loadApp(t, yaml)
	r, err := cargo.Plan(ctx, a.Path)
	if err != nil {
		t.Fatal(err)
	}
	return RustInputs{
		Name: "web", App: a, Recipe: r,
		Toolchain: llb.Image("docker.io/library/rust:1.85-bookworm"),
		CargoHome: "/usr/local/cargo",
		Zig:       llb.Image("example.com/zig:0.11.0"),
		Context:   llb.Local("context", llb.SessionID("test")),
		Build:     amd64, Targets: targets,
	}
}

// execs are a graph's exec ops.
func execs(t *testing.T, st llb.State) []*pb.Op {
	var out []*pb.Op
	for _, op := range ops(t, st) {
		if op.GetExec() != nil {
			out = append(out, op)
		}
	}
	return out
}

// cargoStep is a cargo step's exec and its script (a mounted file).
type cargoStep struct {
	*pb.ExecOp
	Script string
}

// cargoExec is the cargo step whose script contains s.
func cargoExec(t *testing.T, st llb.State, s string) cargoStep {
	t.Helper()
	def, err := st.Marshal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	byDigest := map[digest.Digest]*pb.Op{}
	for _, dt := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			t.Fatal(err)
		}
		byDigest[digest.FromBytes(dt)] = &op
	}
	for _, op := range byDigest {
		e := op.GetExec()
		if e == nil || !KeepsCargoStderr(e.Meta.Args) {
			continue
		}
		for _, m := range e.Mounts {
			if m.Dest != path.Dir(cargoScript) {
				continue
			}
			for _, a := range byDigest[digest.Digest(op.Inputs[m.Input].Digest)].GetFile().GetActions() {
				if mk := a.GetMkfile(); mk != nil && mk.Path == "/"+path.Base(cargoScript) && strings.Contains(string(mk.Data), s) {
					return cargoStep{e, string(mk.Data)}
				}
			}
		}
	}
	t.Fatalf("no cargo step running %q", s)
	return cargoStep{}
}

func TestRustExecsRunOnTheBuildPlatform(t *testing.T) {
	rb := rustBuild(t, rustSpec, rustContext("1.0.0", "fn main() {}", ""), amd64, arm64)
	for _, target := range []ocispecs.Platform{arm64, amd64} {
		ex := execs(t, rb.Binary(target))
		if len(ex) != 5 { // zig's libraries (x86_64 executables and proc-macros, aarch64), dependencies, build
			t.Errorf("%d execs, want 5", len(ex))
		}
		for _, op := range ex {
			if p := op.Platform; p.Architecture != "amd64" {
				t.Errorf("exec %q runs on %s", op.GetExec().Meta.Args, p.Architecture)
			}
		}
	}
}

// Both platforms' images take their binaries from one cargo invocation
// that builds both targets.
func TestRustTargetsShareOneBuild(t *testing.T) {
	rb := rustBuild(t, rustSpec, rustContext("1.0.0", "fn main() {}", ""), arm64, amd64)
	out := rb.Output()
	build := cargoExec(t, out, "\ncp ")
	script := build.Script
	for _, want := range []string{"'--target' 'aarch64-unknown-linux-gnu' '--target' 'x86_64-unknown-linux-gnu'",
		"cp '/strata/target/aarch64-unknown-linux-gnu/release/web' '/out/aarch64-unknown-linux-gnu/web'"} {
		if !strings.Contains(script, want) {
			t.Errorf("build script lacks %s:\n%s", want, script)
		}
	}
	heads := map[string]bool{}
	for _, target := range []ocispecs.Platform{amd64, arm64} {
		def, _ := rb.Binary(target).Marshal(context.Background())
		for _, op := range def.Def {
			var o pb.Op
			_ = o.UnmarshalVT(op)
			if e := o.GetExec(); e != nil && KeepsCargoStderr(e.Meta.Args) && slices.ContainsFunc(e.Mounts, func(m *pb.Mount) bool { return m.Dest == rustOut }) {
				heads[string(op)] = true
			}
		}
	}
	if len(heads) != 1 {
		t.Errorf("the platforms' graphs hold %d different build steps, want 1", len(heads))
	}
}

// zig's libraries are built for every kind of link from zig alone (no
// image, even for the default download), with zig where the cargo steps
// have it, ahead of those steps, whose zig cache mount starts from them.
func TestZigWarmUp(t *testing.T) {
	in := rustInputs(t, rustSpec, rustContext("1.0.0", "fn main() {}", ""), arm64)
	var err error
	if in.Zig, err = ZigDownload("0.11.0", amd64); err != nil {
		t.Fatal(err)
	}
	rb := newRustBuild(t, in)
	deps := rb.Dependencies()
	var links []string
	for _, op := range execs(t, deps) {
		e := op.GetExec()
		if m := mountAt(e, zigDir); m == nil || m.Input < 0 {
			t.Errorf("%v: no zig at %s", e.Meta.Args, zigDir)
		}
		if e.Meta.Args[0] != "/strata/zig/zig" {
			if m := mountAt(e, zigCache); m == nil || (m.MountType != pb.MountType_CACHE || m.Input < 0) {
				t.Errorf("the cargo step's zig cache does not start from the warm-up: %+v", m)
			}
			continue
		}
		links = append(links, strings.Join(e.Meta.Args[3:], " "))
		if e.Meta.Cwd != "/src" {
			t.Errorf("warm-up runs in %s", e.Meta.Cwd)
		}
	}
	slices.Sort(links)
	want := []string{
		"aarch64-linux-gnu.2.17 -nodefaultlibs -o /tmp/warm /strata/warm/warm.c -pie -Wl,--strip-debug -lunwind -lc",
		"x86_64-linux-gnu.2.17 -nodefaultlibs -o /tmp/warm /strata/warm/warm.c -pie -Wl,--strip-debug -lunwind -lc",
		"x86_64-linux-gnu.2.17 -nodefaultlibs -o /tmp/warm /strata/warm/warm.c -shared -Wl,--strip-debug -lunwind -lc",
	}
	if !slices.Equal(links, want) {
		t.Errorf("warm-up links\n%s\nwant\n%s", strings.Join(links, "\n"), strings.Join(want, "\n"))
	}
	for _, op := range ops(t, rb.zigWarm()) {
		if src := op.GetSource(); src != nil && strings.HasPrefix(src.Identifier, "docker-image://") {
			t.Errorf("the warm-up waits for the image %s", src.Identifier)
		}
	}
}

// mountAt is the exec's mount at dest, or nil.
func mountAt(e *pb.ExecOp, dest string) *pb.Mount {
	for _, m := range e.Mounts {
		if m.Dest == dest {
			return m
		}
	}
	return nil
}

func depsDigest(t *testing.T, rb RustBuild) string {
	t.Helper()
	def, err := rb.Dependencies().Marshal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	h, _ := def.Head()
	return h.String()
}

// The dependency step's key changes with the dependencies and the build
// options, never with a source edit or a version bump.
func TestRustDependencyStepKey(t *testing.T) {
	base := depsDigest(t, rustBuild(t, rustSpec, rustContext("1.0.0", "fn main() {}", ""), amd64))
	same := map[string]RustBuild{
		"source edit":  rustBuild(t, rustSpec, rustContext("1.0.0", "fn main() { println!(\"edited\") }", ""), amd64),
		"version bump": rustBuild(t, rustSpec, rustContext("1.1.0", "fn main() {}", ""), amd64),
		"image config": rustBuild(t, rustSpec+"    image:\n      ports: [8080]\n", rustContext("1.0.0", "fn main() {}", ""), amd64),
	}
	for name, rb := range same {
		if d := depsDigest(t, rb); d != base {
			t.Errorf("%s changed the dependency step", name)
		}
	}
	differs := map[string]RustBuild{
		"new dependency": rustBuild(t, rustSpec, rustContext("1.0.0", "fn main() {}", "anyhow = \"1\"\n"), amd64),
		"target":         rustBuild(t, rustSpec, rustContext("1.0.0", "fn main() {}", ""), amd64, arm64),
		"profile":        rustBuild(t, rustSpec+"    rust: {profile: dev}\n", rustContext("1.0.0", "fn main() {}", ""), amd64),
		"features":       rustBuild(t, rustSpec+"    rust: {features: [tls]}\n", rustContext("1.0.0", "fn main() {}", ""), amd64),
		"glibc":          rustBuild(t, rustSpec+"    rust: {glibc: \"2.28\"}\n", rustContext("1.0.0", "fn main() {}", ""), amd64),
	}
	for name, rb := range differs {
		if d := depsDigest(t, rb); d == base {
			t.Errorf("%s left the dependency step as it was", name)
		}
	}
}

// The dependency step and the build must agree on env and arguments, or
// cargo recompiles every dependency.
func TestRustStepsShareEnvAndArgs(t *testing.T) {
	rb := rustBuild(t, rustSpec+"    rust: {features: [tls], ssh: true, secrets: [{id: token, env: CARGO_REGISTRIES_MY_TOKEN}]}\n",
		rustContext("1.0.0", "fn main() {}", ""), arm64)
	out := rb.Output()
	deps, build := cargoExec(t, out, "rustup target add"), cargoExec(t, out, "\ncp ")
	if !slices.Equal(deps.Meta.Env, build.Meta.Env) {
		t.Errorf("env differs:\n%v\n%v", deps.Meta.Env, build.Meta.Env)
	}
	line := func(e cargoStep) string {
		for _, l := range strings.Split(e.Script, "\n") {
			if strings.HasPrefix(l, "cargo build ") {
				return l
			}
		}
		return ""
	}
	if line(deps) != line(build) {
		t.Errorf("cargo build differs:\n%s\n%s", line(deps), line(build))
	}
	env := strings.Join(build.Meta.Env, " ")
	for _, want := range []string{"CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=/strata/bin/cc-aarch64-unknown-linux-gnu",
		"CC_x86_64_unknown_linux_gnu=/strata/bin/cc-x86_64-unknown-linux-gnu", "CARGO_PROFILE_RELEASE_STRIP=symbols"} {
		if !strings.Contains(env, want) {
			t.Errorf("env lacks %s", want)
		}
	}
	if strings.Contains(env, "TOKEN") {
		t.Errorf("a secret is in the env: %s", env)
	}
	for _, e := range []cargoStep{deps, build} {
		var secret, ssh bool
		for _, m := range e.Mounts {
			secret = secret || m.MountType == pb.MountType_SECRET
			ssh = ssh || m.MountType == pb.MountType_SSH
		}
		if !secret && len(e.Secretenv) == 0 {
			t.Errorf("step %q has no secret", line(e))
		}
		if !ssh {
			t.Errorf("step %q has no SSH agent", line(e))
		}
	}
	// cargo clean -p cleans every package of a name, registry ones too:
	// the stubs' own version keeps them apart instead.
	if strings.Contains(deps.Script, "cargo clean") {
		t.Errorf("the dependency step cleans by name: %s", deps.Script)
	}
}

// NewRustBuild is where an unsupported target or build platform fails.
func TestRustUnsupportedPlatform(t *testing.T) {
	riscv64 := ocispecs.Platform{OS: "linux", Architecture: "riscv64"}
	_, err := NewRustBuild(rustInputs(t, rustSpec, rustContext("1.0.0", "fn main() {}", ""), riscv64))
	if err == nil || !strings.Contains(err.Error(), "platform linux/riscv64 is not supported for Rust apps") {
		t.Errorf("target riscv64: err = %v", err)
	}
	in := rustInputs(t, rustSpec, rustContext("1.0.0", "fn main() {}", ""), amd64)
	in.Build = riscv64
	_, err = NewRustBuild(in)
	if err == nil || !strings.Contains(err.Error(), "platform linux/riscv64 is not supported for Rust apps (expected linux/amd64 or linux/arm64: the x86_64 and aarch64 unknown-linux-gnu targets)") {
		t.Errorf("build platform riscv64: err = %v", err)
	}
}

// The binaries of a platform the build is not for are a caller's mistake,
// not an empty copy that fails when solved.
func TestRustBinaryOfAnotherPlatform(t *testing.T) {
	rb := rustBuild(t, rustSpec, rustContext("1.0.0", "fn main() {}", ""), amd64)
	defer func() {
		if recover() == nil {
			t.Error("Binary(arm64) of an amd64 build did not panic")
		}
	}()
	rb.Binary(arm64)
}

func TestZigDownloadIsPinned(t *testing.T) {
	st, err := ZigDownload("0.11.0", amd64)
	if err != nil {
		t.Fatal(err)
	}
	var found, unpacked bool
	for _, op := range ops(t, st) {
		if s := op.GetSource(); s != nil && strings.HasPrefix(s.Identifier, "https://") {
			found = true
			if s.Identifier != "https://ziglang.org/download/0.11.0/zig-linux-x86_64-0.11.0.tar.xz" ||
				s.Attrs[pb.AttrHTTPChecksum] != "sha256:2d00e789fec4f71790a6e7bf83ff91d564943c5ee843c5fd966efc474b423047" {
				t.Errorf("source %s %v", s.Identifier, s.Attrs)
			}
		}
		if op.GetExec() != nil || (op.GetSource() != nil && strings.HasPrefix(op.GetSource().Identifier, "docker-image://")) {
			t.Errorf("zig's download needs an image or a process: %v", op)
		}
		for _, a := range op.GetFile().GetActions() {
			if c := a.GetCopy(); c != nil && c.AttemptUnpackDockerCompatibility && c.Src == "/zig.tar.xz" {
				unpacked = true
			}
			if c := a.GetCopy(); c != nil && c.Src == "/zig-linux-x86_64-0.11.0" && !c.DirCopyContents {
				t.Errorf("the release's directory is copied, not its files: %+v", c)
			}
		}
	}
	if !found || !unpacked {
		t.Errorf("HTTP source %v, unpacked by BuildKit %v", found, unpacked)
	}
	if _, err := ZigDownload("0.9.0", amd64); err == nil {
		t.Error("an unpinned version was accepted")
	}
}

// With target_cache, the build's target directory is a cache mount seeded
// from the dependency step's layer whenever the dependencies change.
func TestRustTargetCache(t *testing.T) {
	rb := rustBuild(t, rustSpec+"    rust: {target_cache: true}\n", rustContext("1.0.0", "fn main() {}", ""), amd64)
	out := rb.Output()
	build := cargoExec(t, out, "\ncp ")
	var cache, seed bool
	for _, m := range build.Mounts {
		cache = cache || (m.Dest == rustTarget && m.MountType == pb.MountType_CACHE && m.CacheOpt.Sharing == pb.CacheSharingOpt_LOCKED)
		// keyed by the dependency step's key: its files never match another run's
		seed = seed || (m.Dest == rustDeps && m.Readonly && m.Selector == rustTarget && m.ContentCache == pb.MountContentCache_OFF)
	}
	if !cache || !seed {
		t.Errorf("mounts: target cache %v, seed %v", cache, seed)
	}
	if !strings.HasPrefix(build.Script, `if [ "$(cat /strata/target/.strata-deps-id 2>/dev/null)" != "$(cat /strata/deps/.strata-deps-id)" ]; then`) {
		t.Errorf("the build does not seed the cache: %s", build.Script)
	}
	script := build.Script
	fresh, cargoAt, done := strings.Index(script, "strata_sources | LC_ALL=C sort >'/strata/target/.strata-sources'.new"),
		strings.Index(script, "\ncargo build "), strings.Index(script, "\nmv -f '/strata/target/.strata-sources'.new '/strata/target/.strata-sources'")
	if fresh < 0 || cargoAt < fresh || done < cargoAt {
		t.Errorf("file times do not follow content around cargo: %s", script)
	}
	if deps := cargoExec(t, out, "rustup target add"); !strings.HasSuffix(deps.Script, "\ncat /proc/sys/kernel/random/uuid >/strata/target/.strata-deps-id") {
		t.Errorf("the dependency step writes no ID: %s", deps.Script)
	}
	if env := strings.Join(build.Meta.Env, " "); strings.Contains(env, "CARGO_INCREMENTAL=0") {
		t.Error("incremental compilation is off with a target cache")
	}
}

// What dependencies build from is copied whole into the dependency step;
// the build sees the whole context, but for the spec and the target
// directory, as cargo would.
func TestRustCopies(t *testing.T) {
	ctx := rustContext("1.0.0", "fn main() {}", "itoa = \"1\"\n")
	ctx["svc/Cargo.toml"].Data = append(ctx["svc/Cargo.toml"].Data, []byte("\n[patch.crates-io]\nitoa = { path = \"../forks/itoa\" }\n")...)
	ctx["forks/itoa/Cargo.toml"] = &fstest.MapFile{Data: []byte("[package]\nname = \"itoa\"\nversion = \"1.0.0\"\n")}
	in := rustInputs(t, rustSpec, ctx, amd64)
	in.Exclude = []string{"strata.yaml"}
	out := newRustBuild(t, in).Output()
	var whole, sources bool
	for _, op := range ops(t, out) {
		for _, a := range op.GetFile().GetActions() {
			c := a.GetCopy()
			if c == nil {
				continue
			}
			whole = whole || (c.Src == "/forks/itoa" && c.Dest == "/src/forks/itoa")
			if c.Src == "/" && c.Dest == "/src" {
				sources = true
				if strings.Join(c.ExcludePatterns, " ") != "svc/target strata.yaml" {
					t.Errorf("sources exclude %v", c.ExcludePatterns)
				}
			}
		}
	}
	if !whole || !sources {
		t.Errorf("patched crate copied whole: %v; context copied: %v", whole, sources)
	}
}
