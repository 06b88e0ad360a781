package graph

import (
	"context"
	"testing"

	"github.com/moby/buildkit/client/llb"
)

// stepNames are the names of a graph's steps, as BuildKit shows them.
func stepNames(t *testing.T, st llb.State) map[string]bool {
	t.Helper()
	def, err := st.Marshal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, m := range def.Metadata {
		names[m.Description["llb.customname"]] = true
	}
	return names
}

// TestStepNames: the steps the e2e tests look for are named by the
// functions of steps.go.
func TestStepNames(t *testing.T) {
	goNames := stepNames(t, goBinary(t, loadApp(t, webSpec), arm64))
	rb := rustBuild(t, rustSpec, rustContext("1.0.0", "fn main() {}", ""), arm64, amd64)
	out := rb.Output()
	for _, tc := range []struct {
		names map[string]bool
		want  []string
	}{
		{goNames, []string{GoDownloadStep("web"), GoBuildStep("web", ".", arm64)}},
		{stepNames(t, out), []string{CargoDependenciesStep("web"), CargoBuildStep("web", "x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu")}},
	} {
		for _, w := range tc.want {
			if !tc.names[w] {
				t.Errorf("no step %q among %v", w, tc.names)
			}
		}
	}
}
