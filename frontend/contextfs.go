package frontend

import (
	"context"
	"io/fs"
	"os"
	"path"
	"testing/fstest"

	bk "github.com/moby/buildkit/client/llb"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
)

// contextFiles reads the build context's files that match patterns, through
// the gateway, before the rest of the graph exists: only these files are
// transferred, and they are held in memory (fstest.MapFS is simply an
// in-memory fs.FS). Meant for small files such as manifests.
func (b *builder) contextFiles(ctx context.Context, name string, patterns []string) (fs.FS, error) {
	st, err := b.bc.MainContext(ctx, bk.IncludePatterns(patterns))
	if err != nil {
		return nil, err
	}
	def, err := st.Marshal(ctx, bk.WithCustomName(name))
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
	return files, readTree(ctx, ref, "", files)
}

// readTree copies the regular files under dir of a solved reference into
// files; symbolic links are left out, so nothing can point outside.
func readTree(ctx context.Context, ref gwclient.Reference, dir string, files fstest.MapFS) error {
	entries, err := ref.ReadDir(ctx, gwclient.ReadDirRequest{Path: "/" + dir})
	if err != nil {
		return err
	}
	for _, e := range entries {
		p := path.Join(dir, path.Base(e.Path))
		mode := os.FileMode(e.Mode)
		switch {
		case mode.IsDir():
			if err := readTree(ctx, ref, p, files); err != nil {
				return err
			}
		case mode.IsRegular():
			dt, err := ref.ReadFile(ctx, gwclient.ReadRequest{Filename: "/" + p})
			if err != nil {
				return err
			}
			files[p] = &fstest.MapFile{Data: dt, Mode: 0o644}
		}
	}
	return nil
}
