package facts

// PythonVersions are the Python versions a Python app or layer may ask
// for: those with official python:<version>-slim-bookworm images and AWS
// Lambda runtimes (python3.X).
var PythonVersions = []string{"3.9", "3.10", "3.11", "3.12", "3.13"}

// DefaultPythonVersion is bookworm's own python3: its slim image is the
// default base, and a project's .python-version (X.Y) replaces it.
const DefaultPythonVersion = "3.11"

// PythonBaseImage is a Python app's default base image for a version: the
// official image, which has the interpreter at /usr/local/bin/pythonX.Y,
// and Debian's PythonBaseSuite with its apt under it.
const (
	PythonBaseSuite = "bookworm"
	PythonBaseImage = "python:%s-slim-" + PythonBaseSuite
)

// PythonLocks are the lock files a Python app installs from: uv's (with
// pyproject.toml beside it) or a requirements file, read by uv's pip
// interface (hashes required when the file has any, as pip does).
const (
	UVLock           = "uv.lock"
	RequirementsFile = "requirements.txt"
)

// UV is the pinned uv, the Python package installer: the official image
// ghcr.io/astral-sh/uv:<version> holds it at /uv (a named context "uv"
// replaces it).
const (
	DefaultUV    = "0.13.9"
	UVImage      = "ghcr.io/astral-sh/uv:%s"
	PythonVenv   = "/opt/venv" // the app's venv, at the same path when built and run
	PythonAppDir = "/app"      // the app's sources in its image
)

// UVManylinux are the glibc releases of the manylinux tags uv's
// --python-platform knows (uv 0.13.9: x86_64-manylinux_2_17, then _2_28 to
// _2_40; _2_26 is refused). A runtime whose glibc lies between two of them
// takes the wheels of the older one: Amazon Linux 2's 2.26 installs
// manylinux_2_17 wheels.
var UVManylinux = []string{"2.17", "2.28", "2.29", "2.30", "2.31", "2.32", "2.33", "2.34", "2.35", "2.36", "2.37", "2.38", "2.39", "2.40"}

// PythonRuntime is a provider's managed Python runtime: the function
// runtime (of Runtimes) it runs on and its Python version.
type PythonRuntime struct {
	Name     string // the provider's identifier: python3.12
	Provider string
	Runtime  string // a Runtimes name: its glibc
	Version  string // 3.X
}

// PythonRuntimes are the managed Python runtimes Python layers and code
// packages are built for. AWS Lambda: python3.9 to python3.11 run on
// Amazon Linux 2, python3.12 and python3.13 on Amazon Linux 2023. Alibaba
// Cloud Function Compute: python3.10 on Debian 10, python3.12 on Debian 11
// (its runtime overview; python3.9 runs on Debian 9, which Strata has no
// runtime for).
var PythonRuntimes = []PythonRuntime{
	{"python3.9", "lambda", "al2", "3.9"},
	{"python3.10", "lambda", "al2", "3.10"},
	{"python3.11", "lambda", "al2", "3.11"},
	{"python3.12", "lambda", "al2023", "3.12"},
	{"python3.13", "lambda", "al2023", "3.13"},
	{"python3.10", "fc", "fc-debian10", "3.10"},
	{"python3.12", "fc", "fc-debian11", "3.12"},
}

// LookupPythonRuntime finds the managed runtime of a provider for a
// Python version.
func LookupPythonRuntime(provider, version string) (PythonRuntime, bool) {
	for _, r := range PythonRuntimes {
		if r.Provider == provider && r.Version == version {
			return r, true
		}
	}
	return PythonRuntime{}, false
}

// PythonRuntimesOn are the managed Python runtimes that run on a runtime
// of Runtimes, for messages.
func PythonRuntimesOn(runtime string) []PythonRuntime {
	var out []PythonRuntime
	for _, r := range PythonRuntimes {
		if r.Runtime == runtime {
			out = append(out, r)
		}
	}
	return out
}

// PythonProvided are the libraries a managed Python runtime has for
// extension modules besides glibc's own: those of the manylinux policy's
// list (auditwheel leaves them out of wheels) that every provider's Python
// image holds. zlib is CPython's own (its zlib module); numpy's aarch64
// wheels bundle a libgfortran that needs it.
var PythonProvided = []string{"libstdc++.so.6", "libgcc_s.so.1", "libz.so.1"}
