package llb

import (
	"sort"
	"strings"

	"github.com/containerd/platforms"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// goTarget maps an OCI platform to GOOS, GOARCH and GOARM.
func goTarget(p ocispecs.Platform) (goos, goarch, goarm string) {
	goos, goarch = p.OS, p.Architecture
	if goarch == "arm" {
		goarm = strings.TrimPrefix(p.Variant, "v")
		if goarm == "" {
			goarm = "7"
		}
	}
	return goos, goarch, goarm
}

func platformString(p ocispecs.Platform) string { return platforms.Format(p) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
