package frontend

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/containerd/platforms"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/grpcerrors"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/strata-build/strata/graph"
	"github.com/strata-build/strata/layer"
	"github.com/strata-build/strata/spec"
	"google.golang.org/grpc/status"
)

// How much of a failed step's tool error is read, and how long that may
// take.
const (
	stderrChunk   = 1 << 20
	stderrMax     = 64 << 20
	stderrTimeout = time.Minute
	// helperErrorMax bounds the helper's error line (a list of missing
	// libraries can be long).
	helperErrorMax = 2000
)

// withToolError adds a failed tool's own error to the error of a solve,
// so that it ends the build's final error (BuildKit's own says only
// `process "..." did not complete successfully: exit code: 101`): cargo's
// first error line for a cargo step, the error the helper or apt left.
// Both steps keep it in their root filesystem, which BuildKit keeps for
// the error (the SolveError's mount IDs, as for buildx's debug shell); the
// frontend reads it from a container on that root, which runs no process.
// Any other error, or one whose tool error cannot be read, is returned
// unchanged.
func (b *builder) withToolError(ctx context.Context, err error) error {
	var se *errdefs.SolveError
	if !errors.As(err, &se) || se.Solve == nil {
		return err
	}
	exec := se.Op.GetExec()
	if exec == nil || exec.Meta == nil {
		return err
	}
	read := b.readCargoError
	switch {
	case graph.KeepsCargoStderr(exec.Meta.Args):
	case graph.LeavesError(exec.Meta.Args):
		read = readHelperError
	default:
		return err
	}
	p := se.Op.GetPlatform()
	if p == nil || !platforms.OnlyStrict(b.build).Match(ocispecs.Platform{OS: p.OS, Architecture: p.Architecture, Variant: p.Variant}) {
		return err // these steps run on the build platform
	}
	root := ""
	for i, m := range exec.Mounts {
		if m.Dest == pb.RootMount && i < len(se.MountIDs) {
			root = se.MountIDs[i]
		}
	}
	if root == "" {
		return err
	}
	// Not cancelled with the build: another platform's failure cancels
	// this one's solve, and the error read here is the one to report.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stderrTimeout)
	defer cancel()
	ctr, cerr := b.c.NewContainer(ctx, gwclient.NewContainerRequest{
		Mounts:   []gwclient.Mount{{Dest: pb.RootMount, ResultID: root, MountType: pb.MountType_BIND, Readonly: true}},
		NetMode:  pb.NetMode_NONE,
		Platform: p,
	})
	if cerr != nil {
		return err
	}
	defer ctr.Release(context.WithoutCancel(ctx))
	line, rerr := read(ctx, ctr)
	if rerr != nil || line == "" {
		return err
	}
	return &toolError{err: err, line: b.atPackage(line, errdefs.Sources(err))}
}

// aptUnknown is apt's error for a package name its lists do not have.
const aptUnknown = "E: Unable to locate package "

// atPackage puts the spec's place of an unknown package name before apt's
// error: the name in the list the failed step installs (the one on the
// step's source line), else the first list that names it.
func (b *builder) atPackage(line string, sources []*errdefs.Source) string {
	name, ok := strings.CutPrefix(line, aptUnknown)
	if !ok || b.spec == nil {
		return line
	}
	stepLine := int32(0)
	for _, s := range sources {
		for _, r := range s.GetRanges() {
			stepLine = r.GetStart().GetLine()
		}
	}
	lists := b.spec.PackageLists()
	var at string
	for _, p := range slices.Sorted(maps.Keys(lists)) {
		i := slices.Index(lists[p], name)
		if i < 0 {
			continue
		}
		q := fmt.Sprintf("%s[%d]", p, i)
		if at == "" || int32(b.spec.Pos(p).Line) == stepLine {
			at = q
		}
	}
	if at == "" {
		return line
	}
	e := &spec.Error{File: b.spec.File(), Pos: b.spec.Pos(at), Path: at, Msg: line}
	return e.Error()
}

// readHelperError reads the error the helper left (layer.ErrorFile), its
// first line, bounded.
func readHelperError(ctx context.Context, ctr gwclient.Container) (string, error) {
	dt, err := ctr.ReadFile(ctx, gwclient.ReadContainerRequest{ReadRequest: gwclient.ReadRequest{
		Filename: layer.ErrorFile, Range: &gwclient.FileRange{Length: helperErrorMax},
	}})
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(string(dt), "\n")
	if len(line) > helperErrorMax-1 {
		line = line[:helperErrorMax-1] + "…"
	}
	return strings.TrimSpace(line), nil
}

// readCargoError reads cargo's first error line from the kept stderr in a
// failed step's root, chunk by chunk, stopping at the first error.
func (b *builder) readCargoError(ctx context.Context, ctr gwclient.Container) (string, error) {
	var pending []byte // an incomplete last line
	for off := 0; off < stderrMax; off += stderrChunk {
		dt, err := ctr.ReadFile(ctx, gwclient.ReadContainerRequest{ReadRequest: gwclient.ReadRequest{
			Filename: graph.CargoStderr,
			Range:    &gwclient.FileRange{Offset: off, Length: stderrChunk},
		}})
		if err != nil {
			return "", err
		}
		pending = append(pending, dt...)
		if len(dt) < stderrChunk { // the end of the file
			return graph.CargoFirstError(pending), nil
		}
		complete := pending
		if i := bytes.LastIndexByte(pending, '\n'); i >= 0 {
			complete, pending = pending[:i+1], append([]byte(nil), pending[i+1:]...)
		} else {
			complete = nil
		}
		if line := graph.CargoFirstError(complete); line != "" {
			return line, nil
		}
	}
	return "", nil
}

// toolError is a failed step's error ending with the tool's own first
// error line. The original error stays wrapped: its SolveError, vertex and
// source (the spec's line) still reach buildx.
type toolError struct {
	err  error
	line string
}

func (e *toolError) Error() string { return e.err.Error() + ": " + e.line }

func (e *toolError) Unwrap() error { return e.err }

// GRPCStatus keeps the line when the error crosses the gateway: BuildKit's
// grpcerrors.ToGRPC takes the message of the first gRPC status in the
// chain, which would be the solve error's own, and drop it. The typed
// details are collected from the chain as before.
func (e *toolError) GRPCStatus() *status.Status {
	return status.New(grpcerrors.Code(e.err), e.Error())
}
