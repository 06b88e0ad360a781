package frontend

import (
	"context"
	"errors"
	"strings"
	"sync"
)

// failures settles which error a multi-platform build reports. dockerui
// solves the platforms at once and returns the first error any of them
// returns. The platform whose step failed is the slow one: it reads the
// tool's own error from the failed step. Meanwhile another platform's
// solve may fail in BuildKit's clean-up of a failed exec (v0.34 releases
// its read-only inputs twice: "releasing already released reference"),
// or be cancelled, and that error would replace the real one. So a
// failing platform cancels the others and waits for all of them, and
// every failing platform returns the same, most telling error.
type failures struct {
	mu      sync.Mutex
	cond    *sync.Cond
	pending int
	cancels map[int]context.CancelFunc
	errs    []error
}

func newFailures(platforms int) *failures {
	f := &failures{pending: platforms, cancels: map[int]context.CancelFunc{}}
	f.cond = sync.NewCond(&f.mu)
	return f
}

// start gives platform i a context the others' failure cancels.
func (f *failures) start(ctx context.Context, i int) context.Context {
	ctx, cancel := context.WithCancel(ctx)
	f.mu.Lock()
	f.cancels[i] = cancel
	f.mu.Unlock()
	return ctx
}

// done reports platform i's end; with an error it waits for the others and
// returns the error the build reports.
func (f *failures) done(i int, err error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pending--
	delete(f.cancels, i)
	if err == nil {
		f.cond.Broadcast()
		return nil
	}
	f.errs = append(f.errs, err)
	for _, cancel := range f.cancels {
		cancel()
	}
	f.cond.Broadcast()
	for f.pending > 0 {
		f.cond.Wait()
	}
	return mostTelling(f.errs)
}

// mostTelling is the first error that carries a tool's own error, else the
// first that is neither a cancellation nor BuildKit's clean-up failure.
func mostTelling(errs []error) error {
	for _, err := range errs {
		var te *toolError
		if errors.As(err, &te) {
			return err
		}
	}
	for _, err := range errs {
		if !errors.Is(err, context.Canceled) && !strings.Contains(err.Error(), "context canceled") &&
			!strings.Contains(err.Error(), "releasing already released reference") {
			return err
		}
	}
	return errs[0]
}
