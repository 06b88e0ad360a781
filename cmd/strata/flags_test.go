package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	digest "github.com/opencontainers/go-digest"
	"github.com/spf13/pflag"
)

func parseBuild(t *testing.T, withOutputs bool, args ...string) (*buildFlags, error) {
	t.Helper()
	var f buildFlags
	fs := pflag.NewFlagSet("strata build", pflag.ContinueOnError)
	fs.SetOutput(new(strings.Builder))
	f.register(fs, withOutputs)
	if err := fs.Parse(args); err != nil {
		return &f, err
	}
	return &f, f.parse(fs.Args())
}

// Flags may follow the context, as with buildx; --platform takes lists.
func TestParseBuildFlags(t *testing.T) {
	f, err := parseBuild(t, true, "ctx", "--platform", "linux/amd64, linux/arm64", "--target=web", "--platform=linux/arm/v7", "-o", "type=local,dest=out", "--build-arg", "A=1", "--build-arg", "B=2")
	if err != nil {
		t.Fatal(err)
	}
	if f.contextDir != "ctx" || f.file != filepath.Join("ctx", "strata.yaml") || f.target != "web" {
		t.Errorf("context %q, file %q, target %q", f.contextDir, f.file, f.target)
	}
	if got := strings.Join(f.platforms, " "); got != "linux/amd64 linux/arm64 linux/arm/v7" {
		t.Errorf("platforms %s", got)
	}
	if got := strings.Join(f.buildArgs, " "); got != "A=1 B=2" {
		t.Errorf("build args %s (a build arg is never split at commas)", got)
	}
	if f, err := parseBuild(t, true, "-f", "specs/x.yaml"); err != nil || f.contextDir != "." || f.file != "specs/x.yaml" {
		t.Errorf("-f without a context: %+v, %v", f, err)
	}
	var ue usageError
	if _, err := parseBuild(t, true, "a", "b"); !errors.As(err, &ue) {
		t.Errorf("two contexts: %v, want a usage error", err)
	}
	for _, bad := range [][]string{{"--platform", "linux/amd64,no/such/thing/here"}, {"--progress", "fancy"}, {"--call", "nope"}, {"--check", "--call", "outline"}} {
		if _, err := parseBuild(t, true, bad...); !errors.As(err, &ue) {
			t.Errorf("%q: %v, want a usage error", bad, err)
		}
	}
	if f, err := parseBuild(t, true, "--check"); err != nil || f.callFunc == nil || f.callFunc.name != "lint" {
		t.Errorf("--check: %+v, %v", f, err)
	}
	if _, err := parseBuild(t, false, "-o", "type=local,dest=out"); err == nil {
		t.Error("strata llb accepts -o")
	}
}

// solveOpt names the options as buildx does, which dockerui reads.
func TestSolveOpt(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	t.Setenv("FROM_ENV", "env value")
	dir, named := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "strata.yaml"), []byte("version: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := parseBuild(t, true, dir, "--platform", "linux/amd64,linux/arm64", "--target", "web", "--no-cache",
		"--build-arg", "A=x=y", "--build-arg", "FROM_ENV", "--build-arg", "UNSET_ANYWHERE",
		"--build-context", "golang=docker-image://mirror/golang:1", "--build-context", "zig="+named)
	if err != nil {
		t.Fatal(err)
	}
	opt, err := f.solveOpt(&outputFiles{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"filename": "strata.yaml", "target": "web", "platform": "linux/amd64,linux/arm64", "no-cache": "",
		"build-arg:A": "x=y", "build-arg:FROM_ENV": "env value",
		"context:golang": "docker-image://mirror/golang:1", "context:zig": "local:context:zig",
	}
	for k, v := range want {
		if got, ok := opt.FrontendAttrs[k]; !ok || got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if len(opt.FrontendAttrs) != len(want) {
		t.Errorf("attrs %v, want only %v", opt.FrontendAttrs, want)
	}
	for _, name := range []string{"context", "dockerfile", "context:zig"} {
		if opt.LocalMounts[name] == nil {
			t.Errorf("no local mount %s", name)
		}
	}
	if len(opt.LocalMounts) != 3 {
		t.Errorf("local mounts %v", opt.LocalMounts)
	}

	if _, err := (&buildFlags{contextDir: dir, file: filepath.Join(dir, "strata.yaml"), contexts: []string{"zig"}}).solveOpt(&outputFiles{}); err == nil {
		t.Error("--build-context without =REF accepted")
	}
}

// The shared key of the local transfers is the context's absolute path:
// two checkouts never share it, one directory always has the same.
func TestSharedKey(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	a, b := t.TempDir(), t.TempDir()
	key := func(dir string) string {
		f := &buildFlags{contextDir: dir, file: filepath.Join(dir, "strata.yaml")}
		opt, err := f.solveOpt(&outputFiles{})
		if err != nil {
			t.Fatal(err)
		}
		return opt.SharedKey
	}
	if key(a) != digest.FromString(a).Encoded() || key(a) == key(b) {
		t.Errorf("keys %s and %s", key(a), key(b))
	}
	t.Chdir(a)
	if key(".") != key(a) {
		t.Error("a relative context has another key than its absolute path")
	}
}

func TestIsLocalContext(t *testing.T) {
	for ref, want := range map[string]bool{
		"./zig": true, "/opt/zig": true, "zig": true,
		"docker-image://alpine": false, "oci-layout://dir": false, "target:frontend": false,
		"https://example.com/x.tar": false, "git@github.com:o/r.git": false, "input:x": false,
	} {
		if got := isLocalContext(ref); got != want {
			t.Errorf("%s: local %v, want %v", ref, got, want)
		}
	}
}
