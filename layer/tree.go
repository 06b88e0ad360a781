package layer

import (
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"time"

	"github.com/strata-build/strata/facts"
)

// WriteTree writes the layer's files as a directory tree, for an image
// that holds the layer at its prefix.
func (l *Layer) WriteTree(dir, root string) error {
	r := rootFS{root}
	if err := l.checkPaths(); err != nil {
		return err
	}
	for _, e := range l.Entries {
		dst := filepath.Join(dir, filepath.FromSlash(e.Path))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if e.Link != "" {
			if err := os.Symlink(e.Link, dst); err != nil {
				return err
			}
			continue
		}
		if err := copyFile(r.host(e.Source), dst, e.Mode.Perm()); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Package writes a function code package: each program at the zip's root
// under its name (bootstrap for AWS Lambda, main for Function Compute),
// executable, deterministic like a layer.
func Package(out io.Writer, files map[string]string, mtime time.Time) error {
	l := &Layer{}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if path.Base(name) != name {
			return fmt.Errorf("package entry %q must be a plain name", name)
		}
		l.Entries = append(l.Entries, &Entry{Path: name, Source: files[name], Mode: 0o755})
	}
	return l.WriteArchive(out, "/", facts.Zip, mtime)
}
