package graph

import (
	"slices"
	"strings"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// The names of the steps that users and the e2e tests look for in
// BuildKit's progress. The generator names those steps with these
// functions and the tests find them by the same functions, so renaming a
// step cannot leave a test searching for a name that no step has.

// StepPrefix starts the name of every step made for one app or layer of
// the spec.
func StepPrefix(name string) string { return "[" + name + "] " }

// GoDownloadStep is the `go mod download` step of a Go app.
func GoDownloadStep(app string) string { return StepPrefix(app) + "go mod download" }

// GoBuildStep is the compile of a Go app's main package for one target.
func GoBuildStep(app, pkg string, target ocispecs.Platform) string {
	return StepPrefix(app) + "go build " + pkg + " (" + platformString(target) + ")"
}

// CargoDependenciesStep is the step that compiles a Rust app's dependencies
// from its skeleton.
func CargoDependenciesStep(app string) string { return StepPrefix(app) + "cargo build dependencies" }

// CargoBuildStep is the cargo build of a Rust app's own crates, one step
// for all target triples (in any order).
func CargoBuildStep(app string, triples ...string) string {
	return StepPrefix(app) + "cargo build " + strings.Join(slices.Sorted(slices.Values(triples)), " ")
}

// AssembleLayerStep is the step that assembles a layer for one runtime and
// target platform.
func AssembleLayerStep(layer, runtime string, target ocispecs.Platform) string {
	return StepPrefix(layer) + "assemble layer for " + runtime + " (" + platformString(target) + ")"
}

// AptStep is the step that resolves and unpacks sets of Debian packages
// for one architecture (a layer's sources; an app's sysroot and run-time
// packages, in one step when they come from the same archive).
func AptStep(arch, suite string, sets ...[]string) string {
	names := make([]string, len(sets))
	for i, s := range sets {
		names[i] = strings.Join(s, " ")
	}
	return SharedPrefix + "apt: " + strings.Join(names, " + ") + " for " + arch + " (" + suite + ")"
}

// SharedPrefix starts the name of a step whose result any app or layer
// with the same inputs shares (BuildKit shows a cached step under the name
// it had when it ran): such a step is named by what it is, never by an app.
const SharedPrefix = "[strata] "

// ZigWrappersStep writes zig's wrapper scripts for the zig targets.
func ZigWrappersStep(zigTargets ...string) string {
	return SharedPrefix + "zig wrappers for " + strings.Join(zigTargets, " ")
}

// ZigLibrariesStep builds zig's libraries for a zig target and kind of link.
func ZigLibrariesStep(zigTarget, kind string) string {
	return SharedPrefix + "zig libraries for " + zigTarget + " (" + kind + ")"
}

// PythonDependenciesStep is the step that installs a Python app's locked
// dependencies into its venv for one target.
func PythonDependenciesStep(app string, target ocispecs.Platform) string {
	return StepPrefix(app) + "install dependencies (" + platformString(target) + ")"
}

// ImageSBOMStep is the helper's SPDX document of an app image for one
// target (with --sbom=true).
func ImageSBOMStep(app string, target ocispecs.Platform) string {
	return StepPrefix(app) + "SPDX document of the image (" + platformString(target) + ")"
}

// ImageCheckStep is the helper's check of an app image's libraries for
// one target.
func ImageCheckStep(app string, target ocispecs.Platform) string {
	return StepPrefix(app) + "check the image's libraries (" + platformString(target) + ")"
}

// PythonSourcesStep copies a Python app's sources for its image.
func PythonSourcesStep(app string) string { return StepPrefix(app) + "copy sources" }

// PythonProjectStep installs a Python app's project itself into its venv
// for one target.
func PythonProjectStep(app string, target ocispecs.Platform) string {
	return StepPrefix(app) + "install the project (" + platformString(target) + ")"
}
