package frontend

import (
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/solver/pb"
)

func TestInstalled(t *testing.T) {
	status := "Package: libc6\nStatus: install ok installed\nArchitecture: arm64\n\n" +
		"Package: libssl3\nStatus: deinstall ok config-files\n\n" +
		"Package: tzdata\nVersion: 2024a\nStatus: install ok installed\n"
	if got := installed([]byte(status)); !slices.Equal(got, []string{"libc6", "tzdata"}) {
		t.Errorf("installed = %v", got)
	}
	if got := installed(nil); len(got) != 0 {
		t.Errorf("no status: %v", got)
	}
}

func TestCodename(t *testing.T) {
	for in, want := range map[string]string{
		"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n": "bookworm",
		"VERSION_CODENAME=\"trixie\"\n": "trixie",
		"ID=alpine\n":                   "",
	} {
		if got := codename([]byte(in)); got != want {
			t.Errorf("codename(%q) = %q, want %q", in, got, want)
		}
	}
}

// An app's sysroot and its run-time packages come from the same archive:
// each architecture's are made by one apt step, not two, in every
// language's graph.
func TestOneAptStepPerArchitecture(t *testing.T) {
	for _, example := range []string{"go-sqlite", "rust-tls", "python-app"} {
		g := newFakeGateway("../examples/"+example, "strata.yaml", map[string]string{"target": example, "platform": goldenPlatforms})
		res, err := buildWith(t, g)
		if err != nil {
			t.Fatalf("%s: %v", example, err)
		}
		for id, ref := range res.Refs {
			steps := map[string]int{} // by ARCH
			for _, dt := range ref.(*fakeRef).def.Def {
				op := &pb.Op{}
				if err := op.UnmarshalVT(dt); err != nil {
					t.Fatal(err)
				}
				e := op.GetExec()
				if e == nil || !slices.Contains(e.Meta.Args, "/strata/debian.sh") {
					continue
				}
				var arch string
				for _, kv := range e.Meta.Env {
					arch, _ = strings.CutPrefix(kv, "ARCH=")
					if arch != "" {
						break
					}
				}
				steps[arch]++
				if !slices.Contains(e.Meta.Env, "SETS=2") {
					t.Errorf("%s %s: an apt step for %s with one set: %v", example, id, arch, e.Meta.Env)
				}
			}
			if len(steps) == 0 {
				t.Errorf("%s %s: no apt step", example, id)
			}
			for arch, n := range steps {
				if n != 1 {
					t.Errorf("%s %s: %d apt steps for %s, want one", example, id, n, arch)
				}
			}
		}
	}
}
