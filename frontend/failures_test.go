package frontend

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// A platform's real error wins over what another platform's solve returns
// first: BuildKit's clean-up failure or a cancellation. The first failure
// cancels the others, and every failing platform reports the same error.
func TestFailuresReportTheToolError(t *testing.T) {
	f := newFailures(3)
	real := &toolError{err: errors.New("process did not complete successfully"), line: "E: Unable to locate package libnope"}
	ctxs := []context.Context{f.start(context.Background(), 0), f.start(context.Background(), 1), f.start(context.Background(), 2)}
	got := make([]error, 3)
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { // fails first, with BuildKit's clean-up error
		defer wg.Done()
		got[0] = f.done(0, errors.New("failed to solve: releasing already released reference abc::def"))
	}()
	go func() { // cancelled by the first failure
		defer wg.Done()
		<-ctxs[1].Done()
		got[1] = f.done(1, ctxs[1].Err())
	}()
	go func() { // the slow one, with the tool's error
		defer wg.Done()
		<-ctxs[2].Done()
		time.Sleep(20 * time.Millisecond)
		got[2] = f.done(2, real)
	}()
	wg.Wait()
	for i, err := range got {
		if err != real {
			t.Errorf("platform %d reports %v", i, err)
		}
	}
	ok := newFailures(2)
	ok.start(context.Background(), 0)
	ok.start(context.Background(), 1)
	if err := ok.done(0, nil); err != nil {
		t.Errorf("a success: %v", err)
	}
	if err := ok.done(1, context.Canceled); err != context.Canceled {
		t.Errorf("only a cancellation: %v", err)
	}
}
