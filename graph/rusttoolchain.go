package graph

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/moby/buildkit/client/llb"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/strata-build/strata/facts"
	"github.com/strata-build/strata/zigcc"
)

// Where the Rust steps keep their tools and outputs.
const (
	rustSrc      = "/src"
	rustTarget   = "/strata/target"
	rustDeps     = "/strata/deps"    // the dependency step's target dir, seeding a target cache
	depsID       = ".strata-deps-id" // in a target dir: which run of the dependency step it comes from
	sourcesState = ".strata-sources" // in a cached target dir: the sources it is built from (cargo.Freshness)
	rustOut      = "/out"
	zigDir       = "/strata/zig"
	zigWrappers  = "/strata/bin"
	zigCache     = "/strata/zig-cache"
)

// RustTriple is the Rust target triple of a platform.
func RustTriple(p ocispecs.Platform, libc string) (string, error) {
	var arch string
	switch {
	case p.OS != "linux":
	case p.Architecture == "amd64" && (p.Variant == "" || p.Variant == "v1"):
		arch = "x86_64"
	case p.Architecture == "arm64" && (p.Variant == "" || p.Variant == "v8"):
		arch = "aarch64"
	}
	if arch == "" {
		return "", fmt.Errorf("platform %s is not supported for Rust apps (expected linux/amd64 or linux/arm64: the x86_64 and aarch64 unknown-linux-%s targets)", platformString(p), libc)
	}
	return arch + "-unknown-linux-" + libc, nil
}

// ZigDownload is zig for the build platform: the official release tarball,
// fetched by BuildKit's HTTP source and verified against its pinned
// checksum, unpacked by BuildKit itself (as the Dockerfile frontend does
// for ADD and a remote tarball context; xz needs the xz program where
// buildkitd runs, which the moby/buildkit images carry). No image is
// involved, so zig is ready, and its libraries built, while the toolchain
// image is still being pulled. The result holds the release's files (zig,
// lib/) at its root.
func ZigDownload(version string, build ocispecs.Platform) (llb.State, error) {
	rel, ok := facts.LookupZig(version, build.Architecture)
	if !ok {
		return llb.State{}, fmt.Errorf("zig %s has no pinned release for linux/%s (give a named context \"zig\")", version, build.Architecture)
	}
	tarball := llb.HTTP(rel.URL, llb.Checksum(digest.NewDigestFromEncoded(digest.SHA256, rel.SHA256)),
		llb.Filename("zig.tar.xz"), llb.WithCustomNamef("[strata] zig %s", version))
	return zigFromTarball(tarball, "zig.tar.xz", strings.TrimSuffix(path.Base(rel.URL), ".tar.xz"), version), nil
}

// zigFromTarball unpacks a zig release tarball (file in tarball) whose
// files are under the directory top, and moves them to the root.
func zigFromTarball(tarball llb.State, file, top, version string) llb.State {
	unpacked := llb.Scratch().File(llb.Copy(tarball, file, "/", &llb.CopyInfo{AttemptUnpack: true}),
		llb.WithCustomNamef("[strata] unpack zig %s", version))
	return llb.Scratch().File(llb.Copy(unpacked, "/"+top+"/", "/", &llb.CopyInfo{CopyDirContentsOnly: true}),
		llb.WithCustomNamef("[strata] zig %s files", version))
}

// rustEnv is the environment shared, to the byte, by the dependency step
// and the build: any difference would make cargo recompile everything.
func (r RustBuild) rustEnv() map[string]string {
	opt := r.in.App.Rust
	env := map[string]string{
		"CARGO_TARGET_DIR":             rustTarget,
		"CARGO_TERM_PROGRESS_WHEN":     "never",
		"ZIG_GLOBAL_CACHE_DIR":         zigCache,
		"ZIG_LOCAL_CACHE_DIR":          zigCache,
		"CARGO_NET_GIT_FETCH_WITH_CLI": "true",
	}
	if !opt.TargetCache {
		// The target directory is a layer, rebuilt from the dependency
		// step's: incremental data would only make it bigger.
		env["CARGO_INCREMENTAL"] = "0"
	}
	if *opt.Strip {
		env["CARGO_PROFILE_"+strings.ToUpper(strings.ReplaceAll(opt.Profile, "-", "_"))+"_STRIP"] = "symbols"
	}
	for _, zt := range r.zigTargets() {
		maps.Copy(env, zigcc.Env(zigWrappers, zt))
	}
	return env
}

// zigTargets are the targets' zig targets and the build platform's, each
// once, sorted by triple: build scripts and proc-macros are linked by zig
// too, so that the toolchain image needs no C compiler of its own.
func (r RustBuild) zigTargets() []zigcc.Target {
	all := append([]zigcc.Target{r.host}, r.targets...)
	slices.SortFunc(all, func(a, b zigcc.Target) int { return strings.Compare(a.Rust, b.Rust) })
	return slices.Compact(all)
}

// targetTriples are the triples of the target platforms, sorted.
func (r RustBuild) targetTriples() []string {
	out := make([]string, len(r.targets))
	for i, t := range r.targets {
		out[i] = t.Rust
	}
	return out
}

// wrappers are zig's cc, c++ and ar wrappers of every triple, as files.
func (r RustBuild) wrappers() llb.State { return zigWrapperFiles(r.zigTargets()) }

// zigWrapperFiles are the wrappers of zig for the targets (zigcc.Files),
// as a state to mount at zigWrappers. Every app with these targets shares
// the step, so it is named by what it is, never by an app.
func zigWrapperFiles(targets []zigcc.Target) llb.State {
	files := map[string][]byte{}
	var zts []string
	for _, zt := range targets {
		maps.Copy(files, zigcc.Files("/", path.Join(zigDir, "zig"), zt))
		zts = append(zts, zt.Zig)
	}
	fa := llb.Mkdir("/", 0o755, llb.WithCreatedTime(epoch))
	for _, file := range slices.Sorted(maps.Keys(files)) {
		fa = fa.Mkfile(file, 0o755, files[file], llb.WithCreatedTime(epoch))
	}
	return llb.Scratch().File(fa, llb.WithCustomName(ZigWrappersStep(zts...)))
}

// profileDir is the directory of a cargo profile's outputs.
func profileDir(profile string) string {
	switch profile {
	case "dev", "test":
		return "debug"
	case "bench":
		return "release"
	}
	return profile
}
