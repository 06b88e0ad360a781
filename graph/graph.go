// Package llb turns a Strata spec into BuildKit LLB. Its functions are pure:
// every input that needs I/O (images, their configs, files of a base image)
// is resolved by the caller and passed in, so the graphs can be tested by
// marshalling them, without a BuildKit.
//
// The rule of the package: every exec runs on the build platform. The target
// platform only receives files, so no build ever needs QEMU.
package graph

import (
	"time"

	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// Platforms are the two platforms of one build: where commands run, and what
// the result is for.
type Platforms struct {
	Build  ocispecs.Platform
	Target ocispecs.Platform
}

// Locator attaches the place of a spec path (apps.web.go) to an LLB vertex,
// so that BuildKit shows the spec's lines with a failing step.
type Locator func(specPath string) llb.ConstraintsOpt

func (l Locator) at(specPath string) llb.ConstraintsOpt {
	if l == nil {
		return llb.WithDescription(nil)
	}
	return l(specPath)
}

// epoch is the time given to every file Strata writes, so that the same
// inputs give the same layers.
var epoch = time.Unix(0, 0).UTC()

// byKey is for a read-only mount whose input's cache key already names
// its content (an image by digest, zig by checksum, a step's output by
// its inputs) where a step needs no more: BuildKit would otherwise
// checksum every file of it before the step runs, to key the step on the
// mount's content (zig's 15,000 files: 1 s of a cold build's critical
// path and 2 s of CPU). Not for what the step's key must follow by
// content: the project's sources, a sysroot.
var byKey = llb.ContentCache(llb.MountContentCacheOff)

// buildPath is the PATH of toolchain steps; the official toolchain images
// keep their tools in these directories.
const buildPath = "/usr/local/go/bin:/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
