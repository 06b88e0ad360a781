package facts

// PythonVersions are the Python versions a Python app or layer may ask
// for: those with official python:<version>-slim-bookworm images and AWS
// Lambda runtimes (python3.X).
var PythonVersions = []string{"3.9", "3.10", "3.11", "3.12", "3.13"}

// DefaultPythonVersion is bookworm's own python3: its slim image is the
// default base, and a project's .python-version (X.Y) replaces it.
const DefaultPythonVersion = "3.11"

// PythonBaseImage is a Python app's default base image for a version: the
// official image, which has the interpreter at /usr/local/bin/pythonX.Y.
const PythonBaseImage = "python:%s-slim-bookworm"

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
