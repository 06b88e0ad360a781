package layer

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"slices"
	"strings"
	"time"
)

// Formats of a layer archive.
const (
	Zip   = "zip"
	TarGz = "tar.gz"
)

// zipEpoch is the earliest time a zip entry can carry (MS-DOS time).
var zipEpoch = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// WriteArchive writes the layer as a deterministic archive: entries sorted
// (with their directories), one fixed time, owner 0, Unix modes and
// symlinks kept. It fills each entry's size and sha256.
func (l *Layer) WriteArchive(w io.Writer, root, format string, mtime time.Time) error {
	r := rootFS{root}
	var aw archiveWriter
	switch format {
	case Zip:
		zw := zip.NewWriter(w)
		if mtime.Before(zipEpoch) {
			mtime = zipEpoch
		}
		aw = &zipArchive{zw: zw, mtime: mtime}
	case TarGz:
		gz, err := gzip.NewWriterLevel(w, gzip.BestCompression)
		if err != nil {
			return err
		}
		aw = &tarArchive{gz: gz, tw: tar.NewWriter(gz), mtime: mtime}
	default:
		return fmt.Errorf("unknown archive format %q (expected zip or tar.gz)", format)
	}
	if err := l.checkPaths(); err != nil {
		return err
	}
	dirs := map[string]bool{}
	for _, e := range l.Entries {
		for d := path.Dir(e.Path); d != "." && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	for _, d := range slices.Sorted(maps.Keys(dirs)) {
		if err := aw.dir(d + "/"); err != nil {
			return err
		}
	}
	if z, ok := aw.(*zipArchive); ok {
		if err := l.writeZipEntries(z, r); err != nil {
			return err
		}
		return aw.close()
	}
	t := aw.(*tarArchive)
	for _, e := range l.Entries {
		if e.Link != "" {
			e.Size = int64(len(e.Link))
			if err := aw.symlink(e.Path, e.Link); err != nil {
				return err
			}
			continue
		}
		if err := l.writeTarFile(t, r, e); err != nil {
			return err
		}
	}
	return aw.close()
}

// checkPaths refuses entries that are not plain relative paths: an archive
// or tree must never write outside the layer.
func (l *Layer) checkPaths() error {
	for _, e := range l.Entries {
		if !fs.ValidPath(e.Path) || e.Path == "." || strings.Contains(e.Path, "\\") {
			return fmt.Errorf("invalid path in the layer: %q", e.Path)
		}
		if e.Link != "" && (path.IsAbs(e.Link) || strings.Contains(e.Link, "/")) {
			return fmt.Errorf("invalid link in the layer: %s -> %q", e.Path, e.Link)
		}
	}
	return nil
}

// writeTarFile streams one file into a tar (zip files are compressed ahead,
// in writeZipEntries).
func (l *Layer) writeTarFile(t *tarArchive, r rootFS, e *Entry) error {
	f, err := os.Open(r.host(e.Source))
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	e.Size = fi.Size()
	mode := e.Mode.Perm()
	if fi.Mode().Perm()&0o111 != 0 {
		mode |= 0o111 // keep execute bits of libraries that have them
	}
	w, err := t.file(e.Path, mode, e.Size)
	if err != nil {
		return err
	}
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(w, h), f); err != nil {
		return err
	}
	e.SHA256 = hex.EncodeToString(h.Sum(nil))
	return nil
}

type archiveWriter interface {
	dir(name string) error
	symlink(name, target string) error
	close() error
}

type zipArchive struct {
	zw    *zip.Writer
	mtime time.Time
}

func (z *zipArchive) header(name string, mode fs.FileMode, method uint16) *zip.FileHeader {
	h := &zip.FileHeader{Name: name, Method: method, Modified: z.mtime}
	h.SetMode(mode)
	return h
}

func (z *zipArchive) dir(name string) error {
	_, err := z.zw.CreateHeader(z.header(name, fs.ModeDir|0o755, zip.Store))
	return err
}

// symlink stores the link as Info-ZIP does: Unix mode S_IFLNK, the target as
// content. A zip that flattened soname links would hold each library twice.
func (z *zipArchive) symlink(name, target string) error {
	h := z.header(name, fs.ModeSymlink|0o777, zip.Store)
	// Raw, with its CRC and sizes in the header: no data descriptor, which
	// some readers refuse on stored entries.
	h.CRC32 = crc32.ChecksumIEEE([]byte(target))
	h.CompressedSize64, h.UncompressedSize64 = uint64(len(target)), uint64(len(target))
	w, err := z.zw.CreateRaw(h)
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, target)
	return err
}

func (z *zipArchive) close() error { return z.zw.Close() }

type tarArchive struct {
	gz    *gzip.Writer
	tw    *tar.Writer
	mtime time.Time
}

func (t *tarArchive) write(h *tar.Header) error {
	h.ModTime, h.Uid, h.Gid, h.Format = t.mtime, 0, 0, tar.FormatPAX
	return t.tw.WriteHeader(h)
}

func (t *tarArchive) dir(name string) error {
	return t.write(&tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: 0o755})
}

func (t *tarArchive) symlink(name, target string) error {
	return t.write(&tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: 0o777})
}

func (t *tarArchive) file(name string, mode fs.FileMode, size int64) (io.Writer, error) {
	return t.tw, t.write(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: int64(mode), Size: size})
}

func (t *tarArchive) close() error {
	if err := t.tw.Close(); err != nil {
		return err
	}
	return t.gz.Close()
}
