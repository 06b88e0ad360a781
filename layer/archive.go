package layer

import (
	"archive/tar"
	"archive/zip"
	"compress/flate"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"maps"
	"math"
	"os"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/strata-build/strata/facts"
)

// zipEpoch and zipEnd are the first and last times a zip entry can carry
// (an MS-DOS date and time, in two-second steps).
var (
	zipEpoch = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
	zipEnd   = time.Date(2107, 12, 31, 23, 59, 58, 0, time.UTC)
)

// compressionLevel is the deflate level of zip entries and of tar.gz: the
// default (6), as gzip and zip use. The best level (9) took 3.4x as long
// on the FFmpeg layer (232 MiB of programs and libraries: 19.7 s against
// 5.8 s on one core) for an archive 0.1 % smaller (99.3 against 99.4 MiB).
const compressionLevel = flate.DefaultCompression

// zipTime is the time of every entry of a zip for mtime (SOURCE_DATE_EPOCH):
// in UTC, to the two seconds of an MS-DOS time so that every time field of
// the zip says the same, 1980-01-01 00:00:00 for anything earlier. Past
// 2107 it is an error: a zip cannot carry the time asked for.
func zipTime(mtime time.Time) (time.Time, error) {
	if mtime.Before(zipEpoch) {
		return zipEpoch, nil
	}
	s := mtime.Unix()
	if s > zipEnd.Unix()+1 {
		return time.Time{}, fmt.Errorf("the archive time %s (SOURCE_DATE_EPOCH=%d) is after %s, the last a zip can carry",
			mtime.UTC().Format(time.RFC3339), s, zipEnd.Format(time.RFC3339))
	}
	return time.Unix(s-s%2, 0).UTC(), nil
}

// WriteArchive writes the layer as a deterministic archive: entries sorted
// (with their directories), one fixed time, owner 0, Unix modes and
// symlinks kept. It fills each entry's size and sha256.
func (l *Layer) WriteArchive(w io.Writer, root, format string, mtime time.Time) error {
	return l.writeArchive(w, root, format, mtime, &budget{})
}

// writeArchive is WriteArchive within a compressed-size limit: past it, it
// stops compressing and returns an *overZipped.
func (l *Layer) writeArchive(w io.Writer, root, format string, mtime time.Time, lim *budget) error {
	r := rootFS{root}
	w = limitWriter{w, lim}
	var aw archiveWriter
	switch format {
	case facts.Zip:
		t, err := zipTime(mtime)
		if err != nil {
			return err
		}
		aw = newZipArchive(zip.NewWriter(w), t)
	case facts.TarGz:
		gz, err := gzip.NewWriterLevel(w, compressionLevel)
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
		if err := l.writeZipEntries(z, r, lim); err != nil {
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
		if err := l.writeTarFile(t, r, e, lim); err != nil {
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
func (l *Layer) writeTarFile(t *tarArchive, r rootFS, e *Entry, lim *budget) error {
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
	if _, err := io.Copy(io.MultiWriter(w, h), sourceReader{f, lim, nil}); err != nil {
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

// zipArchive writes every entry raw, its header whole: the same MS-DOS
// date and time (CreateRaw leaves them as given, CreateHeader sets them
// from Modified), the same extended timestamp, "made by" Unix with the
// Unix mode and type in the external attributes, and no data descriptor.
type zipArchive struct {
	zw         *zip.Writer
	date, time uint16 // MS-DOS
	extra      []byte // the extended timestamp, if the time fits it
}

func newZipArchive(zw *zip.Writer, t time.Time) *zipArchive {
	z := &zipArchive{zw: zw,
		date: uint16(t.Day() + int(t.Month())<<5 + (t.Year()-1980)<<9),
		time: uint16(t.Second()/2 + t.Minute()<<5 + t.Hour()<<11)}
	// Info-ZIP's extended timestamp (0x5455), mtime only, the same in the
	// local and central headers: unzip then sets the time in UTC, not the
	// DOS time in its own time zone. Its 32 bits are read as signed, so
	// after 2038 there is none, in no entry.
	if s := t.Unix(); s <= math.MaxInt32 {
		z.extra = []byte{0x55, 0x54, 5, 0, 1, byte(s), byte(s >> 8), byte(s >> 16), byte(s >> 24)}
	}
	return z
}

// create starts an entry whose data, already compressed by method, is
// csize bytes of size uncompressed with the given CRC-32.
func (z *zipArchive) create(name string, mode fs.FileMode, method uint16, crc uint32, size, csize uint64) (io.Writer, error) {
	h := &zip.FileHeader{Name: name, Method: method, CRC32: crc, UncompressedSize64: size, CompressedSize64: csize,
		ModifiedDate: z.date, ModifiedTime: z.time, Extra: slices.Clone(z.extra)}
	h.SetMode(mode)
	h.CreatorVersion = 3<<8 | 20 // made by Unix, zip 2.0
	h.ReaderVersion = 20
	if !isASCII(name) && utf8.ValidString(name) {
		h.Flags |= 0x800 // the name is UTF-8
	}
	return z.zw.CreateRaw(h)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func (z *zipArchive) dir(name string) error {
	_, err := z.create(name, fs.ModeDir|0o755, zip.Store, 0, 0, 0)
	return err
}

// symlink stores the link as Info-ZIP does: Unix mode S_IFLNK, the target as
// content, its CRC and sizes in the header (no data descriptor, which some
// readers refuse on stored entries). A zip that flattened soname links
// would hold each library twice.
func (z *zipArchive) symlink(name, target string) error {
	n := uint64(len(target))
	w, err := z.create(name, fs.ModeSymlink|0o777, zip.Store, crc32.ChecksumIEEE([]byte(target)), n, n)
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
