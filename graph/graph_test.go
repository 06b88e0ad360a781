package graph

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/strata-build/strata/facts"
	"github.com/strata-build/strata/layer"
	"github.com/strata-build/strata/shell"
	"github.com/strata-build/strata/spec"
)

var (
	amd64 = ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	arm64 = ocispecs.Platform{OS: "linux", Architecture: "arm64"}
)

func loadApp(t *testing.T, yaml string) *spec.App {
	t.Helper()
	s, err := spec.Load("strata.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return s.Apps["web"]
}

const webSpec = "version: 1\napps:\n  web:\n    lang: go\n    path: svc\n    image:\n      ports: [8080]\n"

// goBinary is the Go app's program for the target.
func goBinary(t *testing.T, a *spec.App, target ocispecs.Platform) llb.State {
	t.Helper()
	return mustBinary(t, goBuild(a, target))
}

func mustBinary(t *testing.T, g GoBuild) llb.State {
	t.Helper()
	st, err := g.Binary()
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func goBuild(a *spec.App, target ocispecs.Platform) GoBuild {
	return GoBuild{
		Name: "web", App: a,
		Toolchain: llb.Image("docker.io/library/golang:1.26-bookworm"),
		Context:   llb.Local("context", llb.SessionID("test")),
		Platforms: Platforms{Build: amd64, Target: target},
	}
}

// ops marshals a state and decodes its ops.
func ops(t *testing.T, st llb.State) []*pb.Op {
	t.Helper()
	def, err := st.Marshal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []*pb.Op
	for _, dt := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			t.Fatal(err)
		}
		out = append(out, &op)
	}
	return out
}

func TestEveryExecRunsOnTheBuildPlatform(t *testing.T) {
	a := loadApp(t, webSpec)
	for _, target := range []ocispecs.Platform{arm64, amd64, {OS: "linux", Architecture: "arm", Variant: "v7"}} {
		bin := goBinary(t, a, target)
		img, _, err := AppImage{Name: "web", App: a, Binary: bin, Platforms: Platforms{Build: amd64, Target: target},
			Base: Base{State: llb.Image("docker.io/library/debian:bookworm-slim", llb.Platform(target))}}.Image()
		if err != nil {
			t.Fatal(err)
		}
		execs := 0
		for _, op := range ops(t, img) {
			e := op.GetExec()
			if e == nil {
				continue
			}
			execs++
			if p := op.Platform; p.OS != "linux" || p.Architecture != "amd64" {
				t.Errorf("target %s: exec %q runs on %s/%s, not the build platform", platformString(target), e.Meta.Args, p.OS, p.Architecture)
			}
		}
		if execs != 2 {
			t.Errorf("target %s: %d execs, want 2 (download, compile)", platformString(target), execs)
		}
	}
}

func TestGoBuildTargetsThePlatform(t *testing.T) {
	a := loadApp(t, webSpec)
	for _, op := range ops(t, goBinary(t, a, ocispecs.Platform{OS: "linux", Architecture: "arm", Variant: "v7"})) {
		if e := op.GetExec(); e != nil && e.Meta.Args[1] == "build" {
			env := strings.Join(e.Meta.Env, " ")
			for _, want := range []string{"GOOS=linux", "GOARCH=arm", "GOARM=7", "CGO_ENABLED=0", "GOPROXY=off"} {
				if !strings.Contains(env, want) {
					t.Errorf("compile env lacks %s: %s", want, env)
				}
			}
			if got := strings.Join(e.Meta.Args, " "); got != "go build -trimpath -ldflags -s -w -o /out/web ." {
				t.Errorf("compile args = %q", got)
			}
		}
	}
}

// The dependency step must be the same vertex for every target platform and
// whatever the compile options, so that BuildKit runs it once.
func TestDependencyStepIsSharedAcrossTargets(t *testing.T) {
	a := loadApp(t, webSpec)
	b := loadApp(t, webSpec+"    go:\n      ldflags: -X main.v=2\n      tags: [netgo]\n")
	d1, _ := goBuild(a, amd64).Dependencies().Marshal(context.Background())
	d2, _ := goBuild(b, arm64).Dependencies().Marshal(context.Background())
	h1, _ := d1.Head()
	h2, _ := d2.Head()
	if h1 != h2 {
		t.Fatalf("dependency step differs between targets: %s != %s", h1, h2)
	}
}

func TestRuntimeImageConfig(t *testing.T) {
	a := loadApp(t, webSpec+"      env: {MODE: prod}\n      labels: {org.opencontainers.image.title: web}\n")
	base := Base{State: llb.Image("debian"), Passwd: []byte("root:x:0:0:root:/root:/bin/bash\n")}
	st, img, err := AppImage{Name: "web", App: a, Base: base, Binary: llb.Scratch(), Platforms: Platforms{Build: amd64, Target: arm64}}.Image()
	if err != nil {
		t.Fatal(err)
	}
	c := img.Config
	if c.User != "65532:65532" || c.Entrypoint[0] != "/usr/local/bin/web" || c.WorkingDir != "/home/app" {
		t.Errorf("config = %+v", c)
	}
	if _, ok := c.ExposedPorts["8080/tcp"]; !ok || c.Labels["org.opencontainers.image.title"] != "web" {
		t.Errorf("ports/labels = %v %v", c.ExposedPorts, c.Labels)
	}
	if img.Architecture != "arm64" || !strings.Contains(strings.Join(c.Env, " "), "MODE=prod") {
		t.Errorf("platform/env = %s %v", img.Architecture, c.Env)
	}
	var passwd string
	for _, op := range ops(t, st) {
		for _, act := range op.GetFile().GetActions() {
			if mk := act.GetMkfile(); mk != nil && mk.Path == "/etc/passwd" {
				passwd = string(mk.Data)
			}
			if exec := op.GetExec(); exec != nil {
				t.Errorf("the app image runs %v", exec.Meta.Args)
			}
		}
	}
	want := "root:x:0:0:root:/root:/bin/bash\napp:x:65532:65532::/home/app:/usr/sbin/nologin\n"
	if passwd != want {
		t.Errorf("passwd = %q, want %q", passwd, want)
	}
}

func TestAddAccount(t *testing.T) {
	got, err := addAccount(nil, "root:x:0:", "app:x:10:")
	if err != nil || string(got) != "root:x:0:\napp:x:10:\n" {
		t.Errorf("scratch: %q %v", got, err)
	}
	got, err = addAccount([]byte("root:x:0:\napp:x:10:\n"), "root:x:0:", "app:x:10:")
	if err != nil || string(got) != "root:x:0:\napp:x:10:\n" {
		t.Errorf("present: %q %v", got, err)
	}
	if _, err := addAccount([]byte("root:x:0:\nnobody:x:10:\n"), "", "app:x:10:"); err == nil {
		t.Error("an id clash passed")
	}
	if _, err := addAccount([]byte("app:x:11:\n"), "", "app:x:10:"); err == nil {
		t.Error("a name clash passed")
	}
}

const layerSpec = `version: 1
apps:
  tool: {lang: go}
layers:
  ffmpeg:
    runtime: fc-debian12
    sources:
      debian: {packages: [ffmpeg]}
      images: [{ref: "mwader/static-ffmpeg:7.1", paths: [/ffmpeg]}]
      context: [extra/lib]
      apps: [tool]
    binaries: [ffmpeg, ffprobe]
`

func TestLayerGraphRunsOnTheBuildPlatform(t *testing.T) {
	s, err := spec.Load("strata.yaml", []byte(layerSpec))
	if err != nil {
		t.Fatal(err)
	}
	ps := Platforms{Build: amd64, Target: arm64}
	toolchain := llb.Image("docker.io/library/golang:1.26-bookworm")
	helper, err := Helper("strata-layer", testHelperSources, toolchain, ps)
	if err != nil {
		t.Fatal(err)
	}
	tool := goBuild(s.Apps["tool"], arm64)
	tool.Name = "tool"
	st, err := LayerBuild{
		Name: "ffmpeg", Layer: s.Layers["ffmpeg"], Platforms: ps,
		Apt:     llb.Image("docker.io/library/debian:bookworm"),
		Images:  []llb.State{llb.Image("docker.io/mwader/static-ffmpeg:7.1", llb.Platform(arm64))},
		Context: llb.Local("context", llb.SessionID("test")),
		Apps:    map[string]AppBinary{"tool": {Name: "tool", State: mustBinary(t, tool)}},
		Helper:  helper,
	}.Archive()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, op := range ops(t, st) {
		e := op.GetExec()
		if e == nil {
			continue
		}
		names = append(names, e.Meta.Args[0])
		if p := op.Platform; p.Architecture != "amd64" {
			t.Errorf("exec %q runs on %s, not the build platform", e.Meta.Args, p.Architecture)
		}
		if strings.HasSuffix(e.Meta.Args[0], "/bin/sh") && !strings.Contains(strings.Join(e.Meta.Env, " "), "ARCH=arm64") {
			t.Errorf("apt does not resolve for arm64: %v", e.Meta.Env)
		}
	}
	// apt, the helper's build, the app's download and compile, the assembly.
	if len(names) != 5 {
		t.Errorf("execs = %q, want 5", names)
	}
}

// go.netrc is a secret file for go mod download alone, where NETRC points;
// the compile step, which never reaches the network, has none.
func TestGoNetrcSecret(t *testing.T) {
	a := loadApp(t, webSpec+"    go: {netrc: gonetrc}\n")
	var download, compile bool
	for _, op := range execs(t, goBinary(t, a, arm64)) {
		e := op.GetExec()
		var secret bool
		for _, m := range e.Mounts {
			if m.MountType == pb.MountType_SECRET {
				secret = m.Dest == "/run/secrets/netrc" && m.SecretOpt.ID == "gonetrc"
			}
		}
		env := strings.Join(e.Meta.Env, " ")
		switch e.Meta.Args[1] {
		case "mod":
			download = secret && strings.Contains(env, "NETRC=/run/secrets/netrc")
		case "build":
			compile = !secret && !strings.Contains(env, "NETRC")
		}
	}
	if !download || !compile {
		t.Errorf("netrc on go mod download only: download %v, compile %v", download, compile)
	}
}

// A layer with files and env: the helper gets them, and the wrappers of the
// programs are files of the root, made from layer.Wrapper.
func TestLayerFilesEnvWrappers(t *testing.T) {
	s, err := spec.Load("strata.yaml", []byte("version: 1\nlayers:\n  im:\n    runtime: fc-debian12\n    sources: {debian: {packages: [imagemagick]}}\n"+
		"    binaries: [convert=convert-im6.q16]\n    files: [{from: \"usr/lib/$MULTIARCH/IM-*\", to: lib/im}]\n    env: {MAGICK_CONFIGURE_PATH: \"${PREFIX}/etc\"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := LayerBuild{Name: "im", Layer: s.Layers["im"], Platforms: Platforms{Build: amd64, Target: arm64},
		Apt: llb.Image("docker.io/library/debian:bookworm"), Helper: llb.Image("example.com/helper")}.Archive()
	if err != nil {
		t.Fatal(err)
	}
	var req layer.Request
	var wrapper []byte
	for _, op := range ops(t, st) {
		for _, a := range op.GetFile().GetActions() {
			mk := a.GetMkfile()
			switch {
			case mk == nil:
			case mk.Path == layer.WrapperDir+"/convert":
				wrapper = mk.Data
			case mk.Path == "/"+layer.RequestFile:
				if req, err = layer.ParseRequest(mk.Data); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	want := &layer.LayerRequest{Root: "/rootfs", Runtime: "fc-debian12", Binaries: []string{"convert=convert-im6.q16"},
		Files: []layer.Tree{{From: "usr/lib/$MULTIARCH/IM-*", To: "lib/im"}}, Env: map[string]string{"MAGICK_CONFIGURE_PATH": "${PREFIX}/etc"},
		Wrapped: true, Format: "zip", Prefix: "/opt"}
	if req.Name != "im" || !reflect.DeepEqual(req.Layer, want) {
		t.Errorf("helper request %+v: layer %+v, want %+v", req, req.Layer, want)
	}
	if string(wrapper) != string(layer.Wrapper("/opt", "convert", map[string]string{"MAGICK_CONFIGURE_PATH": "${PREFIX}/etc"})) {
		t.Errorf("wrapper:\n%s", wrapper)
	}
}

// An image that holds a layer puts its bin/ on PATH, its lib/ on
// LD_LIBRARY_PATH, and sets the layer's env with ${PREFIX} as its prefix.
func TestImageHoldsLayerEnv(t *testing.T) {
	a := loadApp(t, webSpec)
	_, img, err := AppImage{Name: "web", App: a, Binary: goBinary(t, a, arm64), Platforms: Platforms{Build: amd64, Target: arm64},
		Base:  Base{State: llb.Image("docker.io/library/debian:bookworm-slim", llb.Platform(arm64))},
		Trees: []Tree{{State: llb.Scratch(), Dir: "/tree", Prefix: "/opt", Env: map[string]string{"GS_LIB": "${PREFIX}/share/gs/Init"}}}}.Image()
	if err != nil {
		t.Fatal(err)
	}
	env := strings.Join(img.Config.Env, " ")
	for _, want := range []string{"GS_LIB=/opt/share/gs/Init", "LD_LIBRARY_PATH=/opt/lib", "PATH=/opt/bin:"} {
		if !strings.Contains(env, want) {
			t.Errorf("env lacks %s: %s", want, env)
		}
	}
}

// Run-time packages are an image layer of their own between the base and
// the app's files; the apt step that unpacks them runs on the build
// platform, and no other exec is in the image's graph.
func TestImageRuntimePackages(t *testing.T) {
	a := loadApp(t, webSpec)
	pkgs := DebianPackages{Name: "web", Apt: llb.Image("debian:bookworm"), Build: amd64, Arch: facts.DebianArchs[1],
		Suite: "bookworm", Mirror: "http://deb.debian.org/debian", Packages: []string{"libssl3"}, Skip: []string{"libc6"}, MergedUsr: true,
		Status: &[]byte{}}.Unpacked()
	st, _, err := AppImage{Name: "web", App: a, Base: Base{State: llb.Image("debian")}, Binary: llb.Scratch(), Packages: &pkgs,
		Platforms: Platforms{Build: amd64, Target: arm64}}.Image()
	if err != nil {
		t.Fatal(err)
	}
	var merge *pb.MergeOp
	for _, op := range ops(t, st) {
		if e := op.GetExec(); e != nil {
			if op.Platform.Architecture != "amd64" || !slices.Contains(e.Meta.Env, "PACKAGES_1=libssl3") ||
				!slices.Contains(e.Meta.Env, "SKIP_1=libc6") || !slices.Contains(e.Meta.Env, "MERGED_USR_1=1") ||
				!slices.Contains(e.Meta.Env, "STATUS_1=/strata-status_1/status") {
				t.Errorf("exec %v on %s, env %v", e.Meta.Args, op.Platform.Architecture, e.Meta.Env)
			}
		}
		if m := op.GetMerge(); m != nil {
			merge = m
		}
	}
	if merge == nil || len(merge.Inputs) != 3 {
		t.Fatalf("merge = %v, want base, packages, app files", merge)
	}
}

// The script that makes the frontend image's zig libraries runs each link
// as the warm-up step does (arguments, working directory, zig's cache
// directories): zig keys its cache on them, and a link made otherwise
// would not be found by the steps.
func TestPrebuiltZigScript(t *testing.T) {
	script, err := PrebuiltZigScript()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(script, "\n")
	links, err := prebuiltZigLinks()
	if err != nil || len(links) != 6 {
		t.Fatalf("links %v: %v", links, err)
	}
	// Every link of a default Rust build from either build platform.
	for _, build := range []ocispecs.Platform{amd64, arm64} {
		in := rustInputs(t, rustSpec, rustContext("1.0.0", "fn main() {}", ""), amd64, arm64)
		in.Build = build
		for _, l := range newRustBuild(t, in).links {
			if !slices.Contains(links, l) {
				t.Errorf("the frontend image does not carry the libraries of %v (build platform %s)", l, build.Architecture)
			}
		}
	}
	for _, l := range links {
		for _, op := range ops(t, zigWarmUp(amd64, llb.Image("zig"), nil, []zigLink{l})) {
			e := op.GetExec()
			if e == nil {
				continue
			}
			if !slices.Contains(lines, shell.Join(e.Meta.Args)) {
				t.Errorf("the script does not run %s:\n%s", shell.Join(e.Meta.Args), script)
			}
			if !slices.Contains(lines, "cd "+shell.Quote(e.Meta.Cwd)) {
				t.Errorf("the script does not run in %s:\n%s", e.Meta.Cwd, script)
			}
			for _, kv := range e.Meta.Env {
				if k, v, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "ZIG_") && !strings.Contains(script, k+"="+v) {
					t.Errorf("the script does not set %s:\n%s", kv, script)
				}
			}
		}
	}
}
