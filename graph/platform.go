package graph

import (
	"strings"

	"github.com/containerd/platforms"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// goTarget maps an OCI platform to GOOS, GOARCH and the variable of its
// variant (GOARM=7 for arm/v7, GOAMD64=v3 for amd64/v3), if any.
func goTarget(p ocispecs.Platform) (goos, goarch string, variant [2]string) {
	goos, goarch = p.OS, p.Architecture
	switch goarch {
	case "arm":
		v := strings.TrimPrefix(p.Variant, "v")
		if v == "" {
			v = "7"
		}
		variant = [2]string{"GOARM", v}
	case "amd64":
		if p.Variant != "" && p.Variant != "v1" {
			variant = [2]string{"GOAMD64", p.Variant}
		}
	}
	return goos, goarch, variant
}

func platformString(p ocispecs.Platform) string { return platforms.Format(p) }
