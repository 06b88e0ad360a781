package layer

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"syscall"
)

// A Tree is a file or directory of the sources shipped with its layout at
// To under the prefix: data, configuration, plugin modules (ImageMagick's
// coders with their .la files, Ghostscript's resources).
type Tree struct {
	From string `json:"from"` // in the root; $MULTIARCH is the target's multiarch directory, a wildcard must match one path
	To   string `json:"to"`   // under the prefix
}

// addTrees adds every file of the trees, and the closure of the ELF files
// among them: a module dlopen()ed by the program needs its libraries in
// lib/ like the program does.
func (a *assembly) addTrees(trees []Tree) error {
	for _, t := range trees {
		from := strings.NewReplacer("${MULTIARCH}", multiarch(a.machine), "$MULTIARCH", multiarch(a.machine)).Replace(t.From)
		if strings.Contains(from, "$") {
			return fmt.Errorf("files: %s: unknown variable (the one known is $MULTIARCH)", t.From)
		}
		matches := a.r.glob(path.Join("/", from))
		switch {
		case len(matches) == 0:
			return fmt.Errorf("files: %s (%s) is not in the layer's sources", t.From, from)
		case len(matches) > 1:
			return fmt.Errorf("files: %s (%s) matches %d paths of the layer's sources, want one: %s", t.From, from, len(matches), strings.Join(matches, ", "))
		}
		real, err := a.r.resolve(matches[0])
		if err != nil {
			return fmt.Errorf("files: %s: %v", t.From, err)
		}
		a.trees = append(a.trees, real)
	}
	for i, t := range trees {
		real := a.trees[i]
		if err := a.addTree(real, t.To); err != nil {
			return fmt.Errorf("files: %s: %v", t.From, err)
		}
	}
	return nil
}

// addTree adds the regular file real, or every regular file under the
// directory real, at to. Symbolic links are followed inside the root; a
// link to a directory is not entered (it could loop).
func (a *assembly) addTree(real, to string) error {
	fi, err := os.Stat(a.r.host(real))
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return a.addData(real, to, fi.Mode())
	}
	entries, err := os.ReadDir(a.r.host(real))
	if err != nil {
		return err
	}
	for _, e := range entries {
		p := path.Join(real, e.Name())
		if e.Type()&fs.ModeSymlink != 0 {
			target, err := a.r.resolve(p)
			if err != nil {
				continue // a dangling link ships nothing, as cp would fail
			}
			if st, err := os.Stat(a.r.host(target)); err == nil && st.Mode().IsRegular() {
				if err := a.addData(target, path.Join(to, e.Name()), st.Mode()); err != nil {
					return err
				}
			}
			continue
		}
		if e.IsDir() {
			if err := a.addTree(p, path.Join(to, e.Name())); err != nil {
				return err
			}
			continue
		}
		if e.Type().IsRegular() {
			info, err := e.Info()
			if err != nil {
				return err
			}
			if err := a.addData(p, path.Join(to, e.Name()), info.Mode()); err != nil {
				return err
			}
		}
	}
	return nil
}

// addData adds one file; an ELF file must be for the layer's machine and
// brings its libraries. A file already shipped in the same directory (a
// hard link, a link: git's many names of one program) is a link to it.
func (a *assembly) addData(real, to string, mode fs.FileMode) error {
	id := fileID(a.r.host(real))
	if first, ok := a.shippedData[id]; ok && id != "" && path.Dir(first) == path.Dir(to) {
		a.entries = append(a.entries, &Entry{Path: to, Link: path.Base(first), Mode: fs.ModeSymlink | 0o777})
		return nil
	}
	if id != "" {
		if _, ok := a.shippedData[id]; !ok {
			a.shippedData[id] = to
		}
	}
	a.entries = append(a.entries, &Entry{Path: to, Source: real, Mode: mode.Perm() & 0o755})
	if !isELF(a.r.host(real)) {
		return nil
	}
	o, err := a.read(real)
	if err != nil {
		return fmt.Errorf("%s: %v", real, err)
	}
	if o.machine != a.machine {
		return fmt.Errorf("%s is for %v, the layer for %v", real, o.machine, a.machine)
	}
	a.objs = append(a.objs, o)
	a.walk(o)
	return nil
}

func isELF(host string) bool {
	f, err := os.Open(host)
	if err != nil {
		return false
	}
	defer f.Close()
	magic := make([]byte, 4)
	_, err = io.ReadFull(f, magic)
	return err == nil && bytes.Equal(magic, []byte("\x7fELF"))
}

// glob expands the wildcards of pattern one component at a time, listing
// directories inside the root (never following a link out of it).
func (r rootFS) glob(pattern string) []string {
	cur := []string{"/"}
	for _, c := range components(pattern) {
		var next []string
		for _, d := range cur {
			if !strings.ContainsAny(c, "*?[") {
				next = append(next, path.Join(d, c))
				continue
			}
			real, err := r.resolve(d)
			if err != nil {
				continue
			}
			entries, _ := os.ReadDir(r.host(real))
			for _, e := range entries {
				if ok, _ := path.Match(c, e.Name()); ok {
					next = append(next, path.Join(d, e.Name()))
				}
			}
		}
		cur = next
	}
	var out []string
	for _, p := range cur {
		if _, err := r.resolve(p); err == nil {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// fileID identifies a file by device and inode, "" where it cannot.
func fileID(host string) string {
	fi, err := os.Stat(host)
	if err != nil {
		return ""
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return fmt.Sprintf("%d:%d", st.Dev, st.Ino)
	}
	return ""
}
