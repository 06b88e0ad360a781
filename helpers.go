// Package strata holds what the frontend needs of the repository itself:
// the sources of the helper programs it compiles inside a build graph.
package strata

import "embed"

// HelperSources are the sources of cmd/strata-layer and the packages it
// imports (standard library only). The frontend compiles them with the Go
// toolchain image on the build platform, so that a layer's assembly runs
// there with no binary shipped in the frontend image and no download.
//
//go:embed facts/*.go layer/*.go shell/*.go cmd/strata-layer/*.go
var HelperSources embed.FS
