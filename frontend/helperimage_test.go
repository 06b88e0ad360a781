package frontend

import (
	"context"
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

// Run from its image, the frontend takes the layer helper from that image:
// a layer's graph copies it from there and never pulls the Go toolchain
// image to compile it. In process there is no such image, and it is
// compiled as before.
func TestHelperFromTheFrontendImage(t *testing.T) {
	const image = "localhost:5000/strata/frontend:test"
	for _, inImage := range []bool{true, false} {
		g := newFakeGateway("../examples/ffmpeg-layer", "strata.yaml", map[string]string{"target": "ffmpeg-fc", "platform": "linux/arm64"})
		var err error
		if inImage {
			_, err = Build(context.Background(), frontendImageGateway{g, image})
		} else {
			_, err = Build(context.Background(), g)
		}
		if err != nil {
			t.Fatal(err)
		}
		var golang, frontend, copied bool
		for _, def := range g.solved {
			for _, dt := range def.Def {
				var op pb.Op
				if err := op.UnmarshalVT(dt); err != nil {
					t.Fatal(err)
				}
				if src := op.GetSource(); src != nil {
					golang = golang || strings.Contains(src.Identifier, "library/golang")
					frontend = frontend || strings.Contains(src.Identifier, image)
				}
				for _, a := range op.GetFile().GetActions() {
					if c := a.GetCopy(); c != nil && c.Src == "/usr/lib/strata/linux-amd64/strata-layer" {
						copied = true
					}
				}
			}
		}
		if inImage && (golang || !frontend || !copied) {
			t.Errorf("from the frontend image: Go toolchain %v, frontend image %v, helper copied %v", golang, frontend, copied)
		}
		if !inImage && (!golang || frontend) {
			t.Errorf("in process: Go toolchain %v, frontend image %v", golang, frontend)
		}
	}
}
