// Package e2e tests Strata end to end against the real buildkitd, registry
// and docker buildx of hack/dev-env, through package testenv. `make test`
// runs it with STRATA_E2E=1; without that it is skipped, so `go test ./...`
// works anywhere.
//
// Tests run in parallel (t.Parallel) unless they disturb or time the
// builder: those that prune BuildKit's cache, build with --no-cache
// (BuildKit then reruns the steps other builds share with that build, for
// them too) or time a step run alone, before the parallel ones (Go runs
// every test that does not call t.Parallel first, one at a time). A test that expects a step to run
// or to be cached gives its build inputs of its own (testenv.Unique), so
// that neither a parallel test nor an earlier run has them in the cache.
package e2e

import (
	"testing"

	"github.com/strata-build/strata/e2e/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// The examples the tests build, relative to the repository.
const (
	goAppSpec     = "examples/go-app/strata.yaml"
	rustAppSpec   = "examples/rust-app/strata.yaml"
	ffmpegSpec    = "examples/ffmpeg-layer/strata.yaml"
	programLayers = "examples/program-layers"
)
