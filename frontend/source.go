package frontend

import (
	"errors"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"
	pkgerrors "github.com/pkg/errors"
	"github.com/strata-build/strata/graph"
	"github.com/strata-build/strata/spec"
)

type locOpt = llb.ConstraintsOpt

// locator maps spec paths to source-map locations, so that buildx shows the
// spec's lines with a failing step.
func locator(s *spec.Spec, sm *llb.SourceMap) func(string) locOpt {
	return func(path string) locOpt {
		return sm.Location([]*pb.Range{rangeOf(s.Pos(path))})
	}
}

func (b *builder) locator() graph.Locator { return graph.Locator(b.loc) }

func rangeOf(p spec.Pos) *pb.Range {
	end := p.EndLine
	if end < p.Line {
		end = p.Line
	}
	col := int32(p.Col - 1)
	if col < 0 {
		col = 0
	}
	return &pb.Range{Start: &pb.Position{Line: int32(p.Line), Character: col}, End: &pb.Position{Line: int32(end)}}
}

// withSpecSource attaches the spec's text and the place of each problem to
// an error, which buildx prints with the offending lines. An error that
// carries them already is left as it is (buildx would print them twice).
func withSpecSource(err error, sm *llb.SourceMap) error {
	var list spec.Errors
	var one *spec.Error
	switch {
	case len(errdefs.Sources(err)) > 0:
		return err
	case errors.As(err, &list):
	case errors.As(err, &one):
		list = spec.Errors{one}
	default:
		return err
	}
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].Pos.Line == 0 {
			continue
		}
		err = errdefs.WithSource(err, &errdefs.Source{Info: sourceInfo(sm), Ranges: []*pb.Range{rangeOf(list[i].Pos)}})
	}
	return err
}

func sourceInfo(sm *llb.SourceMap) *pb.SourceInfo {
	return &pb.SourceInfo{Data: sm.Data, Filename: sm.Filename, Language: sm.Language, Definition: sm.Definition.ToPB()}
}

// specError places an error found while building at a spec path, so that
// buildx shows the spec's lines with it.
func (b *builder) specError(path string, err error) error {
	p := b.spec.Pos(path)
	err = pkgerrors.Wrapf(err, "%s:%d:%d: %s", b.spec.File(), p.Line, p.Col, path)
	return errdefs.WithSource(err, &errdefs.Source{Info: sourceInfo(b.sm), Ranges: []*pb.Range{rangeOf(p)}})
}
