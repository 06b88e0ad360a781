package facts

// Archive formats of a layer.
const (
	Zip   = "zip"
	TarGz = "tar.gz"
)

// ArchiveFormats are the formats a layer may be written as.
var ArchiveFormats = []string{Zip, TarGz}

// Layer defaults.
const (
	// DefaultPrefix is where the providers' runtimes extract a layer.
	DefaultPrefix = "/opt"
	DefaultFormat = Zip
)

// App defaults.
const (
	DefaultAppPath     = "."
	DefaultGoPackage   = "."
	DefaultGoLdflags   = "-s -w"
	DefaultRustProfile = "release"
	DefaultRustStrip   = true
	DefaultBaseImage   = "debian:bookworm-slim"
	DefaultUser        = "app"
	DefaultUID         = 65532 // the "nonroot" id of distroless images; the GID defaults to the UID
)
