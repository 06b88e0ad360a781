package layer

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/hex"
	"hash/crc32"
	"io"
	"os"
	"runtime"
)

// deflated is one file compressed ahead of its place in the archive.
type deflated struct {
	data []byte
	crc  uint32
	size int64
	sum  string
	exec bool
	err  error
}

// writeZipEntries writes the entries of a zip in order while compressing
// the next files on every core: best compression of a 200 MB layer takes
// half a minute on one. Each entry is compressed on its own, so the bytes
// are the same whatever the scheduling.
func (l *Layer) writeZipEntries(z *zipArchive, r rootFS) error {
	results := make([]chan deflated, len(l.Entries))
	for i := range results {
		results[i] = make(chan deflated, 1)
	}
	slots := make(chan struct{}, runtime.GOMAXPROCS(0)+1)
	done := make(chan struct{})
	defer close(done)
	go func() {
		for i, e := range l.Entries {
			if e.Link != "" {
				continue
			}
			select {
			case slots <- struct{}{}:
			case <-done:
				return
			}
			go func() { results[i] <- deflate(r.host(e.Source)) }()
		}
	}()
	for i, e := range l.Entries {
		if e.Link != "" {
			e.Size = int64(len(e.Link))
			if err := z.symlink(e.Path, e.Link); err != nil {
				return err
			}
			continue
		}
		d := <-results[i]
		<-slots
		if d.err != nil {
			return d.err
		}
		e.Size, e.SHA256 = d.size, d.sum
		mode := e.Mode.Perm()
		if d.exec {
			mode |= 0o111 // keep execute bits of libraries that have them
		}
		h := z.header(e.Path, mode, zip.Deflate)
		h.CRC32, h.CompressedSize64, h.UncompressedSize64 = d.crc, uint64(len(d.data)), uint64(d.size)
		w, err := z.zw.CreateRaw(h)
		if err != nil {
			return err
		}
		if _, err := w.Write(d.data); err != nil {
			return err
		}
	}
	return nil
}

func deflate(file string) deflated {
	f, err := os.Open(file)
	if err != nil {
		return deflated{err: err}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return deflated{err: err}
	}
	var buf bytes.Buffer
	fw, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		return deflated{err: err}
	}
	c, h := crc32.NewIEEE(), sha256.New()
	n, err := io.Copy(io.MultiWriter(fw, c, h), f)
	if err == nil {
		err = fw.Close()
	}
	return deflated{data: buf.Bytes(), crc: c.Sum32(), size: n, sum: hex.EncodeToString(h.Sum(nil)),
		exec: fi.Mode().Perm()&0o111 != 0, err: err}
}
