package frontend

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/buildkit/solver/pb"
)

// A read-only mount whose input's key already names its content (zig, an
// image, the cargo dependency step's output, the image a check reads) is
// keyed by that, not by a checksum of every file BuildKit would make
// before the step runs; what a step's key must follow by content (a
// sysroot, the project's files) keeps the checksum.
func TestContentCacheByKey(t *testing.T) {
	byKey := func(dest string) bool {
		switch dest {
		case "/strata/zig", "/strata/target", "/strata/uv", "/strata/deps", "/rootfs":
			return true
		}
		return strings.HasPrefix(dest, "/added/")
	}
	byContent := func(dest string) bool {
		return strings.HasPrefix(dest, "/strata/sysroot/") || dest == "/src"
	}
	examples, err := filepath.Glob("../examples/*/strata.yaml")
	if err != nil || len(examples) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	seen := map[string]bool{}
	for _, file := range examples {
		for _, target := range specTargets(t, file) {
			ops := solvedOps(t, filepath.Dir(file), map[string]string{"target": target, "platform": goldenPlatforms}, false)
			for _, op := range ops {
				for _, m := range op.GetExec().GetMounts() {
					if m.Input < 0 || m.MountType != pb.MountType_BIND {
						continue
					}
					switch {
					case byKey(m.Dest):
						seen[m.Dest] = true
						if m.ContentCache != pb.MountContentCache_OFF {
							t.Errorf("%s, target %s: the mount at %s is keyed by a checksum of its files", file, target, m.Dest)
						}
					case byContent(m.Dest):
						seen["content"] = true
						if m.ContentCache != pb.MountContentCache_DEFAULT {
							t.Errorf("%s, target %s: the mount at %s is not keyed by its content", file, target, m.Dest)
						}
					}
				}
			}
		}
	}
	// /strata/deps (a Rust target cache's seed) is graph's TestRustTargetCache's.
	for _, d := range []string{"/strata/zig", "/strata/target", "/strata/uv", "/rootfs", "content"} {
		if !seen[d] {
			t.Errorf("no example's graph mounts %s: the test checks nothing of it", d)
		}
	}
}
