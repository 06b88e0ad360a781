package layer

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"
)

// budget is the compressed-size limit of an archive being written. It keeps
// a lower bound of the archive's size: the bytes written out so far plus
// what the workers have compressed of files not written out yet (a file's
// compressed data is at least what its compressor has put out so far).
// Once the bound passes the limit, the archive is certain to be over it and
// everything stops with an *overZipped, the output unfinished.
type budget struct {
	max          int64 // 0: no limit
	out, pending atomic.Int64
	stopped      atomic.Bool
	mu           sync.Mutex
	err          error
}

// overZipped is the error of an archive certain to be over its limit.
type overZipped struct{ atLeast, max int64 }

func (e *overZipped) Error() string {
	return "the archive is at least " + mb(e.atLeast) + " compressed, over the limit of " + mb(e.max)
}

// errStopped ends the compression of files whose archive failed.
var errStopped = errors.New("stopped: the archive failed")

// failed is the error that stopped the archive, if any.
func (b *budget) failed() error {
	if !b.stopped.Load() {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

func (b *budget) stop(err error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err == nil {
		b.err = err
		b.stopped.Store(true)
	}
	return b.err
}

// add counts n more bytes of c (out or pending) and checks the limit.
func (b *budget) add(c *atomic.Int64, n int64) error {
	if err := b.failed(); err != nil {
		return err
	}
	c.Add(n)
	if at := b.out.Load() + b.pending.Load(); b.max > 0 && at > b.max {
		return b.stop(&overZipped{atLeast: at, max: b.max})
	}
	return nil
}

// limitWriter is the archive's output: it refuses bytes past the limit.
type limitWriter struct {
	w   io.Writer
	lim *budget
}

func (w limitWriter) Write(p []byte) (int, error) {
	if err := w.lim.add(&w.lim.out, int64(len(p))); err != nil {
		return 0, err
	}
	return w.w.Write(p)
}

// pendingWriter holds a file's compressed data until it is written out.
type pendingWriter struct {
	buf  []byte
	lim  *budget
	done <-chan struct{}
}

func (w *pendingWriter) Write(p []byte) (int, error) {
	select {
	case <-w.done:
		return 0, errStopped
	default:
	}
	if err := w.lim.add(&w.lim.pending, int64(len(p))); err != nil {
		return 0, err
	}
	w.buf = append(w.buf, p...)
	return len(p), nil
}

// testHookRead, in tests, counts the bytes read from the layer's files to
// be archived.
var testHookRead func(n int)

// sourceReader reads a file into the archive until the archive fails.
type sourceReader struct {
	r    io.Reader
	lim  *budget
	done <-chan struct{}
}

func (r sourceReader) Read(p []byte) (int, error) {
	select {
	case <-r.done:
		return 0, errStopped
	default:
	}
	if err := r.lim.failed(); err != nil {
		return 0, err
	}
	n, err := r.r.Read(p)
	if testHookRead != nil {
		testHookRead(n)
	}
	return n, err
}
