// Package spec is Strata's build file: its types, strict YAML loading with
// source positions, defaults, validation and the JSON Schema generated from
// the types.
package spec

// Spec is a Strata build file, version 1. Every entry of Layers and Apps is
// a build target, selected with --target NAME.
type Spec struct {
	// Version of the spec format; only 1 exists.
	Version int `yaml:"version" json:"version" jsonschema:"required"`
	// Layers are serverless function layers, by name.
	Layers map[string]*Layer `yaml:"layers,omitempty" json:"layers,omitempty"`
	// Apps are programs built into multi-arch OCI images, by name.
	Apps map[string]*App `yaml:"apps,omitempty" json:"apps,omitempty"`

	file string
	pos  positions
}

// Layer is a serverless function layer: programs and the closure of the
// shared libraries they need, for the target architecture, laid out as
// bin/ and lib/ under the prefix and written as a deterministic archive.
type Layer struct {
	// Runtime is the function runtime the layer is for: its glibc, the
	// libraries it provides, and the provider's size limits.
	Runtime string `yaml:"runtime" json:"runtime" jsonschema:"required"`
	// Glibc is the glibc version of a custom runtime, such as 2.28.
	Glibc string `yaml:"glibc,omitempty" json:"glibc,omitempty"`
	// Exclude lists libraries (sonames) a custom runtime provides.
	Exclude []string `yaml:"exclude,omitempty" json:"exclude,omitempty"`
	// Sources make the layer's root filesystem for the target architecture
	// (required but for a Python layer).
	Sources *LayerSources `yaml:"sources,omitempty" json:"sources,omitempty"`
	// Binaries are the programs to ship in bin/: names looked up in the
	// sources' bin directories, or paths; NAME=PROGRAM ships PROGRAM as
	// bin/NAME (convert=convert-im6.q16, for a name Debian makes an
	// alternative in a maintainer script, which is never run).
	// Required but for a Python layer.
	Binaries []string `yaml:"binaries,omitempty" json:"binaries,omitempty" jsonschema:"minItems=1"`
	// Files are files and directories of the sources shipped with their
	// layout under the prefix: data, configuration, plugin modules. ELF
	// files among them are checked, and their libraries go to lib/.
	Files []LayerFile `yaml:"files,omitempty" json:"files,omitempty"`
	// Env is the environment the programs need to find their files, such as
	// MAGICK_CONFIGURE_PATH: ${PREFIX}/etc/ImageMagick-6 (${PREFIX} is the
	// layer's prefix). Function runtimes set only PATH and LD_LIBRARY_PATH,
	// so each program in bin/ is then a small sh wrapper that sets it (what
	// the caller already set wins) and runs the program, kept in libexec/;
	// an app image that holds the layer sets it in its config.
	Env map[string]string `yaml:"env,omitempty" json:"env,omitempty"`
	// DLOpen lists libraries the programs load at run time, which ELF
	// headers do not tell.
	DLOpen []string `yaml:"dlopen,omitempty" json:"dlopen,omitempty"`
	// Strip removes symbols from the layer's programs and libraries
	// (binutils' strip --strip-unneeded, on the build platform).
	Strip bool `yaml:"strip,omitempty" json:"strip,omitempty"`
	// Prefix is where the runtime extracts the layer, and where an app's
	// image holds it. Not under the directories a workdir may not be under.
	Prefix string `yaml:"prefix,omitempty" json:"prefix,omitempty"`
	// Format of the archive.
	Format string `yaml:"format,omitempty" json:"format,omitempty"`
	// MaxZipped overrides the runtime's limit of the archive's size, in bytes.
	MaxZipped *int64 `yaml:"max_zipped,omitempty" json:"max_zipped,omitempty"`
	// MaxUnzipped overrides the runtime's limit of the files' size, in bytes.
	MaxUnzipped *int64 `yaml:"max_unzipped,omitempty" json:"max_unzipped,omitempty"`
	// Python makes the layer a Python dependencies layer instead: a uv
	// project's locked dependencies (not the project itself), for the
	// runtime's Python, in the directory its provider puts on sys.path
	// (python/lib/python3.X/site-packages for AWS Lambda, python for
	// Function Compute). Without sources, binaries, files, env, dlopen and
	// strip.
	Python *PythonLayer `yaml:"python,omitempty" json:"python,omitempty"`
}

// PythonLayer is the uv project whose dependencies a Python layer holds.
// They install for the target platform on the build platform as a Python
// app's do: wheels for the runtime's glibc and Python, and packages
// without one compiled with zig for the target.
type PythonLayer struct {
	// Path is the project's directory in the build context, holding
	// pyproject.toml and uv.lock.
	Path string `yaml:"path,omitempty" json:"path,omitempty"`
	// Version of Python, X.Y: one the runtime runs (AWS Lambda's
	// python3.9 to python3.11 run on al2, python3.12 and python3.13 on
	// al2023; Function Compute's python3.10 on fc-debian10, python3.12 on
	// fc-debian11); default: the project's .python-version, else 3.11.
	Version string `yaml:"version,omitempty" json:"version,omitempty"`
	// Groups are uv dependency groups installed besides the project's
	// dependencies.
	Groups []string `yaml:"groups,omitempty" json:"groups,omitempty"`
	// Extras are optional dependencies of the project to install.
	Extras []string `yaml:"extras,omitempty" json:"extras,omitempty"`
	// CrossCompile builds the packages that have no wheel for the runtime
	// from their sources, with zig for the target at the runtime's glibc;
	// false makes such a package an error.
	CrossCompile *bool `yaml:"cross_compile,omitempty" json:"cross_compile,omitempty"`
	// UV is the version of uv, the installer.
	UV string `yaml:"uv,omitempty" json:"uv,omitempty"`
}

// LayerFile is a file or directory of a layer's sources shipped under the
// prefix.
type LayerFile struct {
	// From is its path in the sources. $MULTIARCH stands for the target's
	// Debian multiarch directory (x86_64-linux-gnu, aarch64-linux-gnu), so
	// one spec serves every architecture; a wildcard (ImageMagick-6.*) must
	// match one path.
	From string `yaml:"from" json:"from" jsonschema:"required"`
	// To is its path under the prefix, such as etc/ImageMagick-6.
	To string `yaml:"to" json:"to" jsonschema:"required"`
}

// LayerSources are merged into one root filesystem of the target
// architecture; nothing of it is executed.
type LayerSources struct {
	// Debian packages, resolved and unpacked for the target architecture.
	Debian *DebianSource `yaml:"debian,omitempty" json:"debian,omitempty"`
	// Images to copy paths from, for the target platform.
	Images []ImageSource `yaml:"images,omitempty" json:"images,omitempty"`
	// Context paths copied in at the same paths.
	Context []string `yaml:"context,omitempty" json:"context,omitempty"`
	// Apps of this spec whose binaries are copied in at /usr/local/bin.
	Apps []string `yaml:"apps,omitempty" json:"apps,omitempty"`
}

// DebianSource downloads packages and their dependencies for the target
// architecture with an isolated apt, and unpacks them without running any
// maintainer script.
type DebianSource struct {
	// Suite of Debian.
	Suite string `yaml:"suite,omitempty" json:"suite,omitempty"`
	// Packages to install, with their dependencies.
	Packages []string `yaml:"packages" json:"packages" jsonschema:"required,minItems=1"`
	// Mirror of the Debian archive.
	Mirror string `yaml:"mirror,omitempty" json:"mirror,omitempty"`
	// Security adds the suite's security updates (MIRROR-security).
	Security *bool `yaml:"security,omitempty" json:"security,omitempty"`
}

// DebianArchive is where an app's Debian packages come from.
type DebianArchive struct {
	// Suite of Debian; default: the base image's (its /etc/os-release
	// names it), bookworm for scratch or a base that is no Debian.
	Suite string `yaml:"suite,omitempty" json:"suite,omitempty"`
	// Mirror of the Debian archive.
	Mirror string `yaml:"mirror,omitempty" json:"mirror,omitempty"`
	// Security adds the suite's security updates (MIRROR-security).
	Security *bool `yaml:"security,omitempty" json:"security,omitempty"`
}

// ImageSource copies paths out of an image for the target platform.
type ImageSource struct {
	Ref   string   `yaml:"ref" json:"ref" jsonschema:"required"`
	Paths []string `yaml:"paths" json:"paths" jsonschema:"required,minItems=1"`
}

// App is a program built on the build platform for each target platform and
// assembled into a slim, non-root app image.
type App struct {
	// Lang is the app's language.
	Lang string `yaml:"lang" json:"lang" jsonschema:"required"`
	// Path is the app's directory in the build context: where go.mod is,
	// or the Cargo workspace root.
	Path string `yaml:"path,omitempty" json:"path,omitempty"`
	// Binary is the name of the program in the image; default: the app's name.
	Binary string `yaml:"binary,omitempty" json:"binary,omitempty"`
	// Go holds the options of a Go app.
	Go *GoOptions `yaml:"go,omitempty" json:"go,omitempty"`
	// Rust holds the options of a Rust app.
	Rust *RustOptions `yaml:"rust,omitempty" json:"rust,omitempty"`
	// Python holds the options of a Python app.
	Python *PythonOptions `yaml:"python,omitempty" json:"python,omitempty"`
	// BuildPackages are Debian packages whose headers and libraries the
	// build compiles and links against (libssl-dev, libsqlite3-dev): resolved
	// for each target architecture and unpacked into a sysroot on the build
	// platform, where zig and pkg-config find them. Nothing of the target
	// runs. For Rust apps with libc gnu, and Go apps with cgo.
	BuildPackages []string `yaml:"build_packages,omitempty" json:"build_packages,omitempty"`
	// Packages are Debian packages the program needs at run time (libssl3,
	// ca-certificates, tzdata): resolved for the target architecture and
	// added to the app image with file operations only, but for those the
	// base image has already (its dpkg status says which).
	Packages []string `yaml:"packages,omitempty" json:"packages,omitempty"`
	// Debian is the archive the app's packages come from.
	Debian *DebianArchive `yaml:"debian,omitempty" json:"debian,omitempty"`
	// Image describes the app image.
	Image *Image `yaml:"image,omitempty" json:"image,omitempty"`
	// Functions are the function code packages to build besides the
	// image, each a target NAME-PROVIDER: lambda (the program as bootstrap
	// at the zip's root, for a custom runtime) or fc (as main, for an
	// Alibaba Cloud Function Compute custom runtime). A Python app's code
	// package holds its sources and its locked dependencies at the zip's
	// root, for the provider's python3.X runtime; the handler
	// (MODULE.FUNCTION) is set in the function's configuration.
	Functions []string `yaml:"functions,omitempty" json:"functions,omitempty"`
}

// GoOptions are the build options of a Go app.
type GoOptions struct {
	// Version of Go; selects the toolchain image golang:<version>-bookworm.
	Version string `yaml:"version,omitempty" json:"version,omitempty"`
	// Package is the main package to build, relative to path.
	Package string `yaml:"package,omitempty" json:"package,omitempty"`
	// CGO enables cgo: zig is the target's C compiler and linker, glibc
	// the floor, build_packages its sysroot.
	CGO bool `yaml:"cgo,omitempty" json:"cgo,omitempty"`
	// Glibc is the oldest glibc a cgo program runs on (without cgo a Go
	// program needs no libc).
	Glibc string `yaml:"glibc,omitempty" json:"glibc,omitempty"`
	// Ldflags passed to go build.
	Ldflags string `yaml:"ldflags,omitempty" json:"ldflags,omitempty"`
	// Tags are build tags.
	Tags []string `yaml:"tags,omitempty" json:"tags,omitempty"`
	// Netrc is the id of a BuildKit secret (--secret id=ID,src=~/.netrc)
	// holding a .netrc file with the credentials of a private module proxy
	// or repository host; go mod download reads it (GOAUTH=netrc, over
	// HTTPS), and it is never written into a layer. Credentials never go
	// into build arguments such as GOPROXY: those are in the build's graph
	// and history.
	Netrc string `yaml:"netrc,omitempty" json:"netrc,omitempty"`
}

// PythonOptions are the build options of a Python app. Its dependencies
// install into a venv at /opt/venv in a step of their own for each target
// platform, keyed on the lock file, the Python version and the system
// packages: binary wheels for the target, and packages without one
// compiled on the build platform with zig for the target.
type PythonOptions struct {
	// Version of Python, X.Y; default: the project's .python-version, else
	// bookworm's. Selects the base image python:<version>-slim-bookworm.
	Version string `yaml:"version,omitempty" json:"version,omitempty"`
	// Lock is the file the dependencies install from, relative to path:
	// uv.lock (with pyproject.toml) or a requirements file (hashes
	// required when it has any); default: uv.lock if the project has one,
	// else requirements.txt.
	Lock string `yaml:"lock,omitempty" json:"lock,omitempty"`
	// Groups are uv dependency groups installed besides the project's
	// dependencies.
	Groups []string `yaml:"groups,omitempty" json:"groups,omitempty"`
	// Extras are optional dependencies of the project to install.
	Extras []string `yaml:"extras,omitempty" json:"extras,omitempty"`
	// Project installs the project itself into the venv, built into a
	// wheel for the target, as uv sync does; default: true for a packaged
	// project (a [build-system], or tool.uv.package). The sources are at
	// /app either way.
	Project *bool `yaml:"project,omitempty" json:"project,omitempty"`
	// Module is run as python -m MODULE.
	Module string `yaml:"module,omitempty" json:"module,omitempty"`
	// Script is a file of the app's run by python, relative to path.
	Script string `yaml:"script,omitempty" json:"script,omitempty"`
	// Command is a console script of the venv (a [project.scripts] name).
	Command string `yaml:"command,omitempty" json:"command,omitempty"`
	// CrossCompile builds the packages that have no wheel for the target
	// from their sources, on the build platform with zig for the target;
	// false makes such a package an error.
	CrossCompile *bool `yaml:"cross_compile,omitempty" json:"cross_compile,omitempty"`
	// UV is the version of uv, the installer (a named context "uv" holding
	// /uv replaces its image).
	UV string `yaml:"uv,omitempty" json:"uv,omitempty"`
}

// RustOptions are the build options of a Rust app. Dependencies compile in
// a step of their own, keyed on the manifests with local versions masked,
// and every target platform compiles in one cargo invocation on the build
// platform, with zig as C compiler and linker.
type RustOptions struct {
	// Version of Rust; selects the toolchain image rust:<version>-bookworm
	// (a named context "rust" replaces it).
	Version string `yaml:"version,omitempty" json:"version,omitempty"`
	// Package is the workspace member to build (cargo -p).
	Package string `yaml:"package,omitempty" json:"package,omitempty"`
	// Bins are the binary targets to build and ship in /usr/local/bin;
	// default: the app's binary, which must be one of them.
	Bins []string `yaml:"bins,omitempty" json:"bins,omitempty"`
	// Features to enable.
	Features []string `yaml:"features,omitempty" json:"features,omitempty"`
	// NoDefaultFeatures turns the default features off.
	NoDefaultFeatures bool `yaml:"no_default_features,omitempty" json:"no_default_features,omitempty"`
	// Profile is the cargo profile.
	Profile string `yaml:"profile,omitempty" json:"profile,omitempty"`
	// Libc of the targets: gnu (dynamic, with a glibc floor) or musl (static).
	Libc string `yaml:"libc,omitempty" json:"libc,omitempty"`
	// Glibc is the oldest glibc the gnu binaries run on.
	Glibc string `yaml:"glibc,omitempty" json:"glibc,omitempty"`
	// Strip removes symbols from the binaries (cargo's profile strip).
	Strip *bool `yaml:"strip,omitempty" json:"strip,omitempty"`
	// Zig is the version of zig, the C compiler and linker (a named context
	// "zig" holding the zig executable at its root replaces the download).
	Zig string `yaml:"zig,omitempty" json:"zig,omitempty"`
	// TargetCache keeps cargo's target directory in a cache mount, so that
	// only the local crates that changed recompile (the dependency step's
	// layer stays the source of truth when the cache is empty).
	TargetCache bool `yaml:"target_cache,omitempty" json:"target_cache,omitempty"`
	// Secrets are BuildKit secrets exposed as environment variables to
	// cargo while it fetches and builds, such as a private registry's token
	// (CARGO_REGISTRIES_<NAME>_TOKEN); never written into a layer.
	Secrets []RustSecret `yaml:"secrets,omitempty" json:"secrets,omitempty"`
	// SSH forwards the client's SSH agent (--ssh default) to cargo for git
	// dependencies, fetched with the git CLI.
	SSH bool `yaml:"ssh,omitempty" json:"ssh,omitempty"`
}

// RustSecret is a BuildKit secret (--secret id=ID) given to cargo as an
// environment variable.
type RustSecret struct {
	ID  string `yaml:"id" json:"id" jsonschema:"required"`
	Env string `yaml:"env" json:"env" jsonschema:"required"`
}

// Image describes an app's app image. Everything is assembled with file
// operations only: nothing runs on the target platform.
type Image struct {
	// Base is the base image, or "scratch".
	Base string `yaml:"base,omitempty" json:"base,omitempty"`
	// User the program runs as; never root.
	User *User `yaml:"user,omitempty" json:"user,omitempty"`
	// Entrypoint; default: the binary.
	Entrypoint []string `yaml:"entrypoint,omitempty" json:"entrypoint,omitempty"`
	// Cmd is the default arguments.
	Cmd []string `yaml:"cmd,omitempty" json:"cmd,omitempty"`
	// Env adds environment variables.
	Env map[string]string `yaml:"env,omitempty" json:"env,omitempty"`
	// Workdir is the working directory, owned by the user; default: the
	// user's home. Not a system directory, nor in /tmp, /var/tmp, /root,
	// /run, /proc, /sys, /dev, /var/mail, /var/local or a symbolic link of
	// Debian's (/bin, /sbin, /lib, /lib32, /lib64, /libx32, /var/run,
	// /var/lock, /var/spool/mail): the image's layer would replace that
	// directory's owner and mode, or the link, with a root-owned 0755
	// directory (the error says which).
	Workdir string `yaml:"workdir,omitempty" json:"workdir,omitempty"`
	// Ports exposed, as "8080" or "8080/tcp" or "53/udp".
	Ports []string `yaml:"ports,omitempty" json:"ports,omitempty"`
	// Labels of the image, such as org.opencontainers.image.source.
	Labels map[string]string `yaml:"labels,omitempty" json:"labels,omitempty"`
	// Layers of this spec whose files the image holds at their prefix,
	// with PATH and LD_LIBRARY_PATH set for them.
	Layers []string `yaml:"layers,omitempty" json:"layers,omitempty"`
}

// User is the non-root account of a app image, written into
// /etc/passwd and /etc/group as files.
type User struct {
	Name string `yaml:"name,omitempty" json:"name,omitempty"`
	UID  int    `yaml:"uid,omitempty" json:"uid,omitempty" jsonschema:"minimum=1"`
	GID  int    `yaml:"gid,omitempty" json:"gid,omitempty" jsonschema:"minimum=1"`
}

// File is the name the spec was loaded from.
func (s *Spec) File() string { return s.file }
