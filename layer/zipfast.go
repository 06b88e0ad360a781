package layer

import (
	"archive/zip"
	"compress/flate"
	"crypto/sha256"
	"encoding/hex"
	"hash/crc32"
	"io"
	"os"
	"runtime"
	"sync"
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
// the next files on every core: compressing a 200 MB layer takes seconds
// on one. Each entry is compressed on its own, so the bytes
// are the same whatever the scheduling. Past lim, or on any error, every
// worker stops, and none is left running on return.
func (l *Layer) writeZipEntries(z *zipArchive, r rootFS, lim *budget) error {
	results := make([]chan deflated, len(l.Entries))
	for i := range results {
		results[i] = make(chan deflated, 1)
	}
	slots := make(chan struct{}, runtime.GOMAXPROCS(0)+1)
	done := make(chan struct{})
	var wg sync.WaitGroup
	defer func() {
		close(done)
		wg.Wait()
	}()
	wg.Go(func() {
		for i, e := range l.Entries {
			if e.Link != "" {
				continue
			}
			select {
			case slots <- struct{}{}:
			case <-done:
				return
			}
			wg.Go(func() { results[i] <- deflate(r.host(e.Source), lim, done) })
		}
	})
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
			if err := lim.failed(); err != nil {
				return err
			}
			return d.err
		}
		e.Size, e.SHA256 = d.size, d.sum
		mode := e.Mode.Perm()
		if d.exec {
			mode |= 0o111 // keep execute bits of libraries that have them
		}
		// The data moves from pending to out: counted once, never
		// more than it is.
		lim.pending.Add(-int64(len(d.data)))
		w, err := z.create(e.Path, mode, zip.Deflate, d.crc, uint64(d.size), uint64(len(d.data)))
		if err != nil {
			return err
		}
		if _, err := w.Write(d.data); err != nil {
			return err
		}
	}
	return nil
}

// deflate compresses a file at compressionLevel, counting its output in lim,
// until it is done, the archive is over lim or done is closed.
func deflate(file string, lim *budget, done <-chan struct{}) deflated {
	f, err := os.Open(file)
	if err != nil {
		return deflated{err: err}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return deflated{err: err}
	}
	buf := &pendingWriter{lim: lim, done: done}
	fw, err := flate.NewWriter(buf, compressionLevel)
	if err != nil {
		return deflated{err: err}
	}
	c, h := crc32.NewIEEE(), sha256.New()
	n, err := io.Copy(io.MultiWriter(fw, c, h), sourceReader{f, lim, done})
	if err == nil {
		err = fw.Close()
	}
	return deflated{data: buf.buf, crc: c.Sum32(), size: n, sum: hex.EncodeToString(h.Sum(nil)),
		exec: fi.Mode().Perm()&0o111 != 0, err: err}
}
