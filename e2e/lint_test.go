package e2e

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-build/strata/e2e/testenv"
)

// TestLintCheck: docker buildx build --call check (and --check) answered
// by the frontend's lint subrequest: no warnings for a spec whose base is
// pinned by digest; for an unpinned base and a secret-looking build arg,
// both rules, the base's with its line of the spec; with
// BUILDKIT_DOCKERFILE_CHECK=error=true, --check and the build itself fail.
func TestLintCheck(t *testing.T) {
	t.Parallel()
	// Never built: a digest of no image will do.
	clean, cleanFile := lintSpec(t, "debian:bookworm-slim@sha256:0000000000000000000000000000000000000000000000000000000000000000")
	out, err := testenv.Buildx(t, "build", "--call", "check", "-f", cleanFile, clean)
	if err != nil {
		t.Fatalf("check of a clean spec: %v\n%s", err, testenv.Tail(out, 30))
	}
	wantOutput(t, out, "Check complete, no warnings found.")

	dirty, file := lintSpec(t, "debian:bookworm-slim")
	out, err = testenv.Buildx(t, "build", "--call", "check", "--build-arg", "NPM_TOKEN=s3cr3t-v4lue", "-f", file, dirty)
	if err == nil {
		t.Errorf("check with warnings exited 0:\n%s", out)
	}
	wantOutput(t, out,
		"Check complete, 2 warnings have been found!",
		"WARNING: SecretInBuildArg\nbuild arg NPM_TOKEN: its name looks like a secret's\n",
		"WARNING: UnpinnedBaseImage\napps.web.image.base: base image debian:bookworm-slim is not pinned by digest\n"+file+":7\n",
		">>>       base: debian:bookworm-slim")
	if strings.Contains(out, "s3cr3t-v4lue") {
		t.Errorf("the output shows the build arg's value:\n%s", out)
	}

	errorTrue := []string{"--build-arg", "BUILDKIT_DOCKERFILE_CHECK=error=true", "-f", file}
	out, err = testenv.Buildx(t, append(append([]string{"build", "--check"}, errorTrue...), dirty)...)
	if err == nil {
		t.Errorf("--check with error=true passed:\n%s", out)
	}
	wantOutput(t, out, "WARNING: UnpinnedBaseImage", "ERROR: lint violation found for rules: UnpinnedBaseImage")

	out, err = testenv.Buildx(t, append(append([]string{"build", "--progress=plain", "-o", "type=cacheonly"}, errorTrue...), dirty)...)
	if err == nil {
		t.Fatalf("a build with error=true passed:\n%s", testenv.Tail(out, 30))
	}
	wantOutput(t, out, "UnpinnedBaseImage: apps.web.image.base: base image debian:bookworm-slim is not pinned by digest (line 7)",
		">>>       base: debian:bookworm-slim", "lint violation found for rules: UnpinnedBaseImage")
	if strings.Contains(out, "go mod download") {
		t.Errorf("a build with error=true ran steps:\n%s", testenv.Tail(out, 30))
	}

	// skip= drops a rule.
	out, err = testenv.Buildx(t, "build", "--check", "--build-arg", "BUILDKIT_DOCKERFILE_CHECK=skip=UnpinnedBaseImage;error=true", "-f", file, dirty)
	if err != nil {
		t.Errorf("--check with the rule skipped: %v\n%s", err, testenv.Tail(out, 20))
	}
	wantOutput(t, out, "Check complete, no warnings found.")
}

// lintSpec writes a spec of a Go app on base (its line 7) into a new
// context, and returns the context and the spec's path.
func lintSpec(t *testing.T, base string) (dir, file string) {
	dir = t.TempDir()
	testenv.WriteFiles(t, dir, map[string]string{"strata.yaml": testenv.SyntaxLine +
		"version: 1\napps:\n  web:\n    lang: go\n    image:\n      base: " + base + "\n"})
	return dir, filepath.Join(dir, "strata.yaml")
}
