package frontend

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/grpcerrors"
	"github.com/strata-build/strata/spec"
)

// solveError is an exec failure as the frontend gets it from the gateway.
func solveError(args ...string) error {
	op := &pb.Op{
		Platform: &pb.Platform{OS: "linux", Architecture: "amd64"},
		Op:       &pb.Op_Exec{Exec: &pb.ExecOp{Meta: &pb.Meta{Args: args}, Mounts: []*pb.Mount{{Dest: "/"}}}},
	}
	err := errdefs.WithOp(errors.New(`process "sh -ec ..." did not complete successfully: exit code: 101`), op, nil)
	err = errdefs.WithSolveError(err, nil, []string{"input0"}, []string{"mount0"})
	return grpcerrors.FromGRPC(grpcerrors.ToGRPC(context.Background(), err))
}

// The line stays at the end of the message when the error crosses the
// gateway again (frontend image or in-process CLI), and the SolveError
// stays in it; a plain wrap would lose the line there.
func TestToolErrorCrossesGateway(t *testing.T) {
	ctx := context.Background()
	const line = "error[E0308]: mismatched types"
	orig := solveError("sh", "-e", "/strata/step/cargo.sh")
	got := grpcerrors.FromGRPC(grpcerrors.ToGRPC(ctx, &toolError{err: orig, line: line}))
	if want := orig.Error() + ": " + line; got.Error() != want {
		t.Errorf("message %q, want %q", got.Error(), want)
	}
	var se *errdefs.SolveError
	if !errors.As(got, &se) || len(se.MountIDs) != 1 || se.MountIDs[0] != "mount0" || se.Op.GetExec() == nil {
		t.Errorf("the SolveError is lost: %#v", se)
	}
	if plain := grpcerrors.FromGRPC(grpcerrors.ToGRPC(ctx, fmt.Errorf("%w: %s", orig, line))); strings.HasSuffix(plain.Error(), line) {
		t.Logf("a plain wrap keeps the line now; GRPCStatus may be unneeded")
	}
}

// Errors of other steps pass unchanged, without reading anything (the
// builder has no client: a read would panic).
func TestWithCargoErrorOthers(t *testing.T) {
	b := &builder{}
	b.build.OS, b.build.Architecture = "linux", "amd64"
	for _, err := range []error{
		errors.New("not a solve error"),
		solveError("sh", "-ec", "apt-get install -y ffmpeg"),
		solveError("/strata/zig/zig", "cc", "-o", "x"),
	} {
		if got := b.withToolError(context.Background(), err); got != err {
			t.Errorf("%v became %v", err, got)
		}
	}
}

// apt's error for a name Debian lacks points at the name in the spec: in
// the list of the failed step's line, else the first that names it.
func TestAptErrorAtPackage(t *testing.T) {
	s, err := spec.Load("strata.yaml", []byte("version: 1\napps:\n  web:\n    lang: go\n    go: {cgo: true}\n"+
		"    packages: [libnope1]\n    build_packages:\n      - libsqlite3-dev\n      - libnope1\n"))
	if err != nil {
		t.Fatal(err)
	}
	b := &builder{spec: s}
	at := func(line int32) []*errdefs.Source {
		return []*errdefs.Source{{Ranges: []*pb.Range{{Start: &pb.Position{Line: line}}}}}
	}
	for _, c := range []struct {
		sources []*errdefs.Source
		want    string
	}{
		{at(7), "strata.yaml:9:9: apps.web.build_packages[1]: E: Unable to locate package libnope1"},
		{at(6), "strata.yaml:6:16: apps.web.packages[0]: E: Unable to locate package libnope1"},
		{nil, "strata.yaml:9:9: apps.web.build_packages[1]: E: Unable to locate package libnope1"},
	} {
		if got := b.atPackage("E: Unable to locate package libnope1", c.sources); got != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
	}
	if got := b.atPackage("E: Unable to locate package other", nil); got != "E: Unable to locate package other" {
		t.Errorf("a name the spec does not have: %s", got)
	}
}
