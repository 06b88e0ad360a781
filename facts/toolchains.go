package facts

// Toolchain versions an app builds with unless its spec says otherwise:
// they name the toolchain images golang:VERSION-bookworm and
// rust:VERSION-bookworm.
const (
	DefaultGoVersion   = "1.26"
	DefaultRustVersion = "1.85"
)

// RustLibcs are the libcs of a Rust app's targets: gnu (dynamic, linked
// against a glibc floor) or musl (static).
var RustLibcs = []string{"gnu", "musl"}

// DefaultRustLibc is the libc of a Rust app's targets.
const DefaultRustLibc = "gnu"

// OldestGlibcFloor is the oldest glibc a gnu target may be linked for:
// the oldest zig links for, and the first with aarch64. It is the default
// floor.
const (
	OldestGlibcFloor  = "2.17"
	DefaultGlibcFloor = OldestGlibcFloor
)

// ZigRelease is an official zig release tarball for one build
// architecture and its checksum, from ziglang.org/download/index.json.
type ZigRelease struct {
	Version string
	Arch    string // the build platform's OCI architecture
	URL     string
	SHA256  string
}

// ZigReleases are the pinned zig releases: a spec may ask for these
// versions only (or give zig as a named context).
var ZigReleases = []ZigRelease{
	{"0.11.0", "amd64", "https://ziglang.org/download/0.11.0/zig-linux-x86_64-0.11.0.tar.xz", "2d00e789fec4f71790a6e7bf83ff91d564943c5ee843c5fd966efc474b423047"},
	{"0.11.0", "arm64", "https://ziglang.org/download/0.11.0/zig-linux-aarch64-0.11.0.tar.xz", "956eb095d8ba44ac6ebd27f7c9956e47d92937c103bf754745d0a39cdaa5d4c6"},
}

// DefaultZig is the zig a Rust app builds with.
const DefaultZig = "0.11.0"

// ZigVersions are the versions of ZigReleases, each once, in table order.
func ZigVersions() []string {
	var versions []string
	seen := map[string]bool{}
	for _, r := range ZigReleases {
		if !seen[r.Version] {
			seen[r.Version] = true
			versions = append(versions, r.Version)
		}
	}
	return versions
}

// LookupZig finds the pinned release of a zig version for a build
// architecture.
func LookupZig(version, arch string) (ZigRelease, bool) {
	for _, r := range ZigReleases {
		if r.Version == version && r.Arch == arch {
			return r, true
		}
	}
	return ZigRelease{}, false
}
