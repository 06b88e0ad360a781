package llb

import (
	"io/fs"
	"path"
	"strings"

	bk "github.com/moby/buildkit/client/llb"
)

// Helper compiles a helper program from its embedded sources (a main
// package under cmd/NAME of this module) for the build platform. The result
// holds it at /NAME. Its key is the sources' content, so it is built once.
func Helper(name string, sources fs.FS, toolchain bk.State, build Platforms) (bk.State, error) {
	const src = "/src/strata"
	files := bk.Mkdir(src, 0o755, bk.WithParents(true), bk.WithCreatedTime(epoch)).
		Mkfile(src+"/go.mod", 0o644, []byte("module github.com/strata-build/strata\n\ngo 1.26\n"), bk.WithCreatedTime(epoch))
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
			files = files.Mkdir(path.Join(src, dir), 0o755, bk.WithParents(true), bk.WithCreatedTime(epoch))
		}
		files = files.Mkfile(path.Join(src, p), 0o644, dt, bk.WithCreatedTime(epoch))
		return nil
	})
	if err != nil {
		return bk.State{}, err
	}
	goos, goarch, variant := goTarget(build.Build)
	st := toolchain.Platform(build.Build).File(files, bk.WithCustomNamef("[strata] %s sources", name))
	if variant[0] != "" {
		st = st.AddEnv(variant[0], variant[1])
	}
	run := st.Run(
		bk.Args([]string{"go", "build", "-trimpath", "-ldflags", "-s -w", "-o", "/out/" + name, "./cmd/" + name}),
		bk.Dir(src),
		bk.AddEnv("PATH", buildPath),
		bk.AddEnv("GOOS", goos), bk.AddEnv("GOARCH", goarch),
		bk.AddEnv("CGO_ENABLED", "0"), bk.AddEnv("GOPROXY", "off"), bk.AddEnv("GOTOOLCHAIN", "local"),
		bk.AddEnv("GOFLAGS", "-mod=mod -buildvcs=false"),
		bk.AddMount("/root/.cache/go-build", bk.Scratch(), bk.AsPersistentCacheDir("strata-go-build", bk.CacheMountShared)),
		bk.WithCustomNamef("[strata] build %s", name),
	)
	return run.AddMount("/out", bk.Scratch()), nil
}
