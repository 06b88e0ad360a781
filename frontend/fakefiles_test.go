package frontend

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"testing/fstest"

	"github.com/moby/buildkit/client/llb"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/pb"
	"github.com/tonistiigi/fsutil"
	fstypes "github.com/tonistiigi/fsutil/types"
)

// fileTree is the files of a solved reference, by path without a leading slash.
type fileTree = fstest.MapFS

// fakeImage is an image the fake gateway resolves: its config's env, cmd
// and workdir, and the files the frontend reads from it.
type fakeImage struct {
	env     []string
	cmd     []string
	workdir string
	files   fileTree
}

const fakePath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// debianAccounts are a Debian image's /etc/passwd and /etc/group, which an
// app image extends.
var debianAccounts = fileTree{
	"etc/passwd": {Data: []byte("root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"), Mode: 0o644},
	"etc/group":  {Data: []byte("root:x:0:\nnogroup:x:65534:\n"), Mode: 0o644},
}

// fakeImages are the images the examples resolve, by repository name (any
// tag): fake but valid configs, close to the official images'.
var fakeImages = map[string]fakeImage{
	"docker.io/library/debian": {env: []string{fakePath}, cmd: []string{"bash"}, files: debianAccounts},
	"docker.io/library/golang": {
		env:     []string{"PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "GOLANG_VERSION=1.26.0", "GOTOOLCHAIN=local", "GOPATH=/go"},
		cmd:     []string{"bash"},
		workdir: "/go",
		files:   debianAccounts,
	},
	"docker.io/library/rust": {
		env:   []string{"RUSTUP_HOME=/usr/local/rustup", "CARGO_HOME=/usr/local/cargo", "PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "RUST_VERSION=1.85.0"},
		cmd:   []string{"bash"},
		files: debianAccounts,
	},
	"docker.io/library/python": {
		env:   []string{"PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", "PYTHON_VERSION=3.11.14"},
		cmd:   []string{"python3"},
		files: withFiles(debianAccounts, fileTree{"etc/os-release": {Data: []byte("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n"), Mode: 0o644}}),
	},
	"ghcr.io/astral-sh/uv": {},
	// An image that replaces a toolchain in the tests of named contexts.
	"docker.io/mirror/golang": {env: []string{fakePath, "GOLANG_VERSION=mirror"}, files: debianAccounts},
}

// localFiles are a local directory's files as the client sends them:
// filtered by the source's include and exclude patterns (with fsutil, as
// the client filters them), symbolic links as links.
func localFiles(dir string, attrs map[string]string) (fileTree, error) {
	var opt fsutil.FilterOpt
	for key, dst := range map[string]*[]string{pb.AttrIncludePatterns: &opt.IncludePatterns, pb.AttrExcludePatterns: &opt.ExcludePatterns, pb.AttrFollowPaths: &opt.FollowPaths} {
		if v, ok := attrs[key]; ok {
			if err := json.Unmarshal([]byte(v), dst); err != nil {
				return nil, fmt.Errorf("%s: %w", key, err)
			}
		}
	}
	base, err := fsutil.NewFS(dir)
	if err != nil {
		return nil, err
	}
	filtered, err := fsutil.NewFilterFS(base, &opt)
	if err != nil {
		return nil, err
	}
	files := fileTree{}
	err = filtered.Walk(context.Background(), "", func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		f := &fstest.MapFile{Mode: info.Mode(), ModTime: info.ModTime()}
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			f.Data = []byte(info.Sys().(*fstypes.Stat).Linkname)
		case info.Mode().IsRegular():
			r, err := filtered.Open(p)
			if err != nil {
				return err
			}
			defer r.Close()
			if f.Data, err = io.ReadAll(r); err != nil {
				return err
			}
		}
		files[p] = f
		return nil
	})
	return files, err
}

// fakeRef is a solved reference: the definition it was solved from, and
// the files of a source (none for a graph with steps, which nothing runs).
type fakeRef struct {
	def   *pb.Definition
	files fileTree
}

func (r *fakeRef) ToState() (llb.State, error) {
	return llb.State{}, errors.New("the fake gateway keeps no states")
}

func (r *fakeRef) Evaluate(context.Context) error { return nil }

// pathError says what BuildKit says of a missing file.
func pathError(p string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: no such file or directory", p)
	}
	return err
}

func clean(p string) string {
	if p = strings.Trim(path.Clean("/"+p), "/"); p == "" {
		return "."
	}
	return p
}

func (r *fakeRef) ReadFile(_ context.Context, req gwclient.ReadRequest) ([]byte, error) {
	dt, err := fs.ReadFile(r.files, clean(req.Filename))
	if err != nil {
		return nil, pathError(req.Filename, err)
	}
	if rg := req.Range; rg != nil {
		dt = dt[min(rg.Offset, len(dt)):]
		if rg.Length > 0 && rg.Length < len(dt) {
			dt = dt[:rg.Length]
		}
	}
	return dt, nil
}

func (r *fakeRef) StatFile(_ context.Context, req gwclient.StatRequest) (*fstypes.Stat, error) {
	info, err := fs.Stat(r.files, clean(req.Path))
	if err != nil {
		return nil, pathError(req.Path, err)
	}
	return &fstypes.Stat{Path: req.Path, Mode: uint32(info.Mode()), Size: info.Size()}, nil
}

func (r *fakeRef) ReadDir(_ context.Context, req gwclient.ReadDirRequest) ([]*fstypes.Stat, error) {
	entries, err := fs.ReadDir(r.files, clean(req.Path))
	if err != nil {
		return nil, pathError(req.Path, err)
	}
	var out []*fstypes.Stat
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			return nil, err
		}
		out = append(out, &fstypes.Stat{Path: e.Name(), Mode: uint32(info.Mode()), Size: info.Size()})
	}
	return out, nil
}

// withFiles is a copy of a with b's files added.
func withFiles(a, b fileTree) fileTree {
	out := fileTree{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}
