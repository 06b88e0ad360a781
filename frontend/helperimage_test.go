package frontend

import (
	"strings"
	"testing"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
)

// frontendImageGateway is the fake gateway as a frontend image sees it:
// CurrentFrontend gives the frontend's own image.
type frontendImageGateway struct {
	*fakeGateway
	image string
}

func (g frontendImageGateway) CurrentFrontend() (*llb.State, error) {
	st := llb.Image(g.image)
	return &st, nil
}

// frontendTestImage is the frontend image frontendImageGateway names.
const frontendTestImage = "localhost:5000/strata/frontend:test"

// copies tells whether one of ops copies src.
func copies(ops []*pb.Op, src string) bool {
	for _, op := range ops {
		for _, a := range op.GetFile().GetActions() {
			if c := a.GetCopy(); c != nil && c.Src == src {
				return true
			}
		}
	}
	return false
}

// Run from its image, the frontend takes the layer helper from that image:
// a layer's graph copies it from there and never pulls the Go toolchain
// image to compile it. In process there is no such image, and it is
// compiled as before.
func TestHelperFromTheFrontendImage(t *testing.T) {
	for _, inImage := range []bool{true, false} {
		ops := solvedOps(t, "../examples/ffmpeg-layer", map[string]string{"target": "ffmpeg-fc", "platform": "linux/arm64"}, inImage)
		var golang, frontend bool
		for _, op := range ops {
			if src := op.GetSource(); src != nil {
				golang = golang || strings.Contains(src.Identifier, "library/golang")
				frontend = frontend || strings.Contains(src.Identifier, frontendTestImage)
			}
		}
		copied := copies(ops, "/usr/lib/strata/linux-amd64/strata-layer")
		if inImage && (golang || !frontend || !copied) {
			t.Errorf("from the frontend image: Go toolchain %v, frontend image %v, helper copied %v", golang, frontend, copied)
		}
		if !inImage && (!golang || frontend) {
			t.Errorf("in process: Go toolchain %v, frontend image %v", golang, frontend)
		}
	}
}

// Run from its image, the frontend starts a Python or Rust app's zig
// warm-up from the zig libraries that image carries; in process, from
// nothing.
func TestZigLibrariesFromTheFrontendImage(t *testing.T) {
	for _, dir := range []string{"../examples/python-app", "../examples/rust-app"} {
		for _, inImage := range []bool{true, false} {
			ops := solvedOps(t, dir, map[string]string{"platform": "linux/amd64,linux/arm64"}, inImage)
			if copied := copies(ops, "/usr/lib/strata/zig-cache/0.11.0/*"); copied != inImage {
				t.Errorf("%s from the frontend image %v: zig libraries copied %v", dir, inImage, copied)
			}
		}
	}
}
