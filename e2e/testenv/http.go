package testenv

import (
	"io"
	"net"
	"net/http"
	"os/exec"
	"testing"
	"time"
)

// Serve starts a server program on a free local port (start makes its
// command for the address host:port), asks it (ask gets the base URL)
// until it answers, for up to 5 seconds, stops it and returns the body of
// the answer.
func Serve(t *testing.T, start func(addr string) *exec.Cmd, ask func(base string) (*http.Response, error)) []byte {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := start(addr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	for i := 0; i < 50; i++ {
		resp, err := ask("http://" + addr)
		if err == nil {
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatalf("%s: reading the answer: %v", cmd.Path, err)
			}
			return body
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s did not answer on %s", cmd.Path, addr)
	return nil
}
