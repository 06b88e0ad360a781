package graph

import (
	"io/fs"
	"path"
	"strings"

	"github.com/moby/buildkit/client/llb"
)

// Helper compiles a helper program from its embedded sources (a main
// package under cmd/NAME of this module) for the build platform. The result
// holds it at /NAME. Its key is the sources' content, so it is built once.
func Helper(name string, sources fs.FS, toolchain llb.State, build Platforms) (llb.State, error) {
	const src = "/src/strata"
	files := llb.Mkdir(src, 0o755, llb.WithParents(true), llb.WithCreatedTime(epoch)).
		Mkfile(src+"/go.mod", 0o644, []byte("module github.com/strata-build/strata\n\ngo 1.26\n"), llb.WithCreatedTime(epoch))
	dirs := map[string]bool{}
	err := fs.WalkDir(sources, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, "_test.go") {
			return err
		}
		dt, err := fs.ReadFile(sources, p)
		if err != nil {
			return err
		}
		if dir := path.Dir(p); !dirs[dir] {
			dirs[dir] = true
			files = files.Mkdir(path.Join(src, dir), 0o755, llb.WithParents(true), llb.WithCreatedTime(epoch))
		}
		files = files.Mkfile(path.Join(src, p), 0o644, dt, llb.WithCreatedTime(epoch))
		return nil
	})
	if err != nil {
		return llb.State{}, err
	}
	goos, goarch, variant := goTarget(build.Build)
	st := toolchain.Platform(build.Build).File(files, llb.WithCustomNamef("[strata] %s sources", name))
	if variant[0] != "" {
		st = st.AddEnv(variant[0], variant[1])
	}
	run := st.Run(
		llb.Args([]string{"go", "build", "-trimpath", "-ldflags", "-s -w", "-o", "/out/" + name, "./cmd/" + name}),
		llb.Dir(src),
		llb.AddEnv("PATH", buildPath),
		llb.AddEnv("GOOS", goos), llb.AddEnv("GOARCH", goarch),
		llb.AddEnv("CGO_ENABLED", "0"), llb.AddEnv("GOPROXY", "off"), llb.AddEnv("GOTOOLCHAIN", "local"),
		llb.AddEnv("GOFLAGS", "-mod=mod -buildvcs=false"),
		llb.AddMount("/root/.cache/go-build", llb.Scratch(), llb.AsPersistentCacheDir("strata-go-build", llb.CacheMountShared)),
		llb.WithCustomNamef("[strata] build %s", name),
	)
	return run.AddMount("/out", llb.Scratch()), nil
}

// helperRoot is the root filesystem of a helper step (the helper is
// static): empty but for /tmp. Not the helper's own state, which is
// mounted at /strata: when a step whose root and another mount are one
// result fails, BuildKit (v0.34) releases that result twice and reports
// "releasing already released reference" instead of the step's error.
func helperRoot() llb.State {
	return llb.Scratch().File(llb.Mkdir("/tmp", 0o1777, llb.WithCreatedTime(epoch)), llb.WithCustomName("[strata] helper root"))
}

// FrontendHelperDir is where the frontend image holds the helper for each
// build platform, as linux-ARCH/NAME (the Dockerfile builds them).
const FrontendHelperDir = "/usr/lib/strata"

// FrontendHelpers are the build platforms whose helper the frontend image
// holds.
var FrontendHelpers = []string{"amd64", "arm64"}

// FrontendHelper takes the helper NAME for the build platform from the
// frontend's own image: the result holds it at /NAME, as Helper's does,
// with one file copy instead of the Go toolchain and a compile.
func FrontendHelper(name string, frontend llb.State, build Platforms) llb.State {
	src := path.Join(FrontendHelperDir, build.Build.OS+"-"+build.Build.Architecture, name)
	return llb.Scratch().File(llb.Copy(frontend, src, "/"+name, &llb.CopyInfo{CreatedTime: &epoch}),
		llb.WithCustomNamef("[strata] %s from the frontend image", name))
}
