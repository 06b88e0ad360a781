package testenv

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A TarFile is an entry of an image layer; regular files under 64 MiB
// keep their content.
type TarFile struct {
	Header *tar.Header
	Data   []byte
}

// readImageLayer applies a gzipped image layer to files, whiteouts
// included.
func readImageLayer(t *testing.T, path string, files map[string]*TarFile) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(strings.TrimPrefix(h.Name, "./"), "/")
		if base := filepath.Base(name); strings.HasPrefix(base, ".wh.") {
			delete(files, filepath.Join(filepath.Dir(name), strings.TrimPrefix(base, ".wh.")))
			continue
		}
		tf := &TarFile{Header: h}
		if h.Typeflag == tar.TypeReg && h.Size < 64<<20 {
			if tf.Data, err = io.ReadAll(tr); err != nil {
				t.Fatal(err)
			}
		}
		files[name] = tf
	}
}

// Unzip extracts an archive as a function runtime does, symlinks kept.
func Unzip(t *testing.T, zipPath, dest string) {
	t.Helper()
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		p := filepath.Join(dest, f.Name)
		if !strings.HasPrefix(p, dest+"/") {
			t.Fatalf("entry %q escapes the archive's directory", f.Name)
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case f.FileInfo().IsDir():
			err = os.MkdirAll(p, 0o755)
		case f.Mode()&os.ModeSymlink != 0:
			var target []byte
			if target, err = io.ReadAll(r); err == nil {
				err = os.Symlink(string(target), p)
			}
		default:
			var w *os.File
			if w, err = os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, f.Mode().Perm()); err == nil {
				_, err = io.Copy(w, r)
				w.Close()
			}
		}
		r.Close()
		if err != nil {
			t.Fatalf("unzipping %s: %v", f.Name, err)
		}
	}
}

// UnzipOne checks that an archive holds one entry, the executable name, at
// its root (a function's code package) and returns it extracted.
func UnzipOne(t *testing.T, zipPath, name string) string {
	t.Helper()
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	var entries []string
	for _, f := range zr.File {
		entries = append(entries, f.Name+" "+f.Mode().String())
	}
	zr.Close()
	if len(entries) != 1 || entries[0] != name+" -rwxr-xr-x" {
		t.Fatalf("%s holds %q, want one executable %s", filepath.Base(zipPath), entries, name)
	}
	dir := t.TempDir()
	Unzip(t, zipPath, dir)
	return filepath.Join(dir, name)
}

// Holds says whether data, or its gunzipped content, holds s.
func Holds(t *testing.T, data, s []byte) bool {
	t.Helper()
	if bytes.Contains(data, s) {
		return true
	}
	if zr, err := gzip.NewReader(bytes.NewReader(data)); err == nil {
		plain, err := io.ReadAll(zr)
		if err != nil {
			t.Errorf("gunzip: %v", err)
		}
		return bytes.Contains(plain, s)
	}
	return false
}
