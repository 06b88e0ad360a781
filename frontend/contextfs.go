package frontend

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"testing/fstest"

	"github.com/moby/buildkit/client/llb"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/strata-build/strata/cargo"
)

// contextFiles reads the build context's files that match patterns, through
// the gateway, before the rest of the graph exists: only these files are
// transferred, and they are held in memory (fstest.MapFS is simply an
// in-memory fs.FS). The files read says to read are read whole (meant for
// small files such as manifests); the others are only listed, with an
// empty content: their presence is what counts, and a large generated
// source must cost nothing (BuildKit refuses to read files over 16 MiB).
func (b *builder) contextFiles(ctx context.Context, name string, patterns []string, read func(path string) bool) (fs.FS, error) {
	st, err := b.bc.MainContext(ctx, llb.IncludePatterns(patterns))
	if err != nil {
		return nil, err
	}
	def, err := st.Marshal(ctx, llb.WithCustomName(name))
	if err != nil {
		return nil, err
	}
	ref, err := b.solve(ctx, def)
	if err != nil {
		return nil, err
	}
	files := fstest.MapFS{}
	if ref == nil { // an empty context
		return files, nil
	}
	budget := int64(cargo.MaxInput)
	return files, readTree(ctx, ref, "", files, read, &budget)
}

// readTree copies the regular files under dir of a solved reference into
// files (those read refuses, empty); symbolic links are left out, so
// nothing can point outside.
func readTree(ctx context.Context, ref gwclient.Reference, dir string, files fstest.MapFS, read func(string) bool, budget *int64) error {
	entries, err := ref.ReadDir(ctx, gwclient.ReadDirRequest{Path: "/" + dir})
	if err != nil {
		return err
	}
	for _, e := range entries {
		p := path.Join(dir, path.Base(e.Path))
		mode := os.FileMode(e.Mode)
		switch {
		case mode.IsDir():
			if err := readTree(ctx, ref, p, files, read, budget); err != nil {
				return err
			}
		case mode.IsRegular() && !read(p):
			files[p] = &fstest.MapFile{Mode: 0o644}
		case mode.IsRegular():
			// Bounded before anything is read: the files come from the
			// client, and the planner's own limits apply to what it reads.
			if e.Size > cargo.MaxFile {
				return fmt.Errorf("%s: %.1f MiB is over the %d MiB limit for a file read to plan the build", p, float64(e.Size)/(1<<20), cargo.MaxFile>>20)
			}
			if *budget -= e.Size; *budget < 0 {
				return fmt.Errorf("%s: the files read to plan the build are over the %d MiB limit", p, cargo.MaxInput>>20)
			}
			dt, err := ref.ReadFile(ctx, gwclient.ReadRequest{Filename: "/" + p})
			if err != nil {
				return err
			}
			files[p] = &fstest.MapFile{Data: dt, Mode: 0o644}
		}
	}
	return nil
}
