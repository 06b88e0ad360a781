package frontend

import (
	"context"
	"strings"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerui"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	lintpb "github.com/moby/buildkit/frontend/subrequests/lint"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"
	"github.com/pkg/errors"
	"github.com/strata-build/strata/lint"
	"github.com/strata-build/strata/spec"
)

// checkConfig is the lint configuration of a build, with the Dockerfile
// frontend's syntax and precedence: the build argument
// BUILDKIT_DOCKERFILE_CHECK (which dockerui parses into LinterConfig),
// else a `# check=` line among the spec's first comment lines, as a
// Dockerfile's directive (skip=RULE,RULE|all; error=true).
func checkConfig(bc *dockerui.Client, data []byte) (*linter.Config, error) {
	if bc.LinterConfig != nil {
		return bc.LinterConfig, nil
	}
	v, _, _, _ := parser.ParseDirective("check", data)
	cfg, err := linter.ParseLintOptions(v)
	if err != nil {
		return nil, errors.Wrap(err, "the spec's # check= line")
	}
	return cfg, nil
}

// lintInput is what the rules read; with needs, the context paths they
// ask for are looked up in the build context (one transfer of those
// files only).
func lintInput(ctx context.Context, c gwclient.Client, bc *dockerui.Client, s *spec.Spec, needs []string) (lint.Input, error) {
	in := lint.Input{Spec: s, BuildArgs: bc.BuildArgs}
	for _, ci := range bc.CacheImports {
		in.CacheImports = append(in.CacheImports, ci.Type)
	}
	if len(needs) == 0 {
		return in, nil
	}
	st, err := bc.MainContext(ctx, llb.IncludePatterns(needs))
	if err != nil {
		return in, err
	}
	def, err := st.Marshal(ctx, llb.WithCustomName("[lint] read the context"))
	if err != nil {
		return in, err
	}
	res, err := c.Solve(ctx, gwclient.SolveRequest{Definition: def.ToPB()})
	if err != nil {
		return in, err
	}
	ref, err := res.SingleRef()
	if err != nil {
		return in, err
	}
	in.Context = map[string]bool{}
	for _, p := range needs {
		in.Context[p] = false
	}
	if ref == nil { // an empty context
		return in, nil
	}
	for _, p := range needs {
		if _, err := ref.StatFile(ctx, gwclient.StatRequest{Path: "/" + p}); err == nil {
			in.Context[p] = true
		}
	}
	return in, nil
}

func lintRun(in lint.Input, cfg *linter.Config) []lint.Warning {
	return lint.Run(in, lint.Config{SkipAll: cfg.SkipAll, Skip: cfg.SkipRules})
}

// lintViolation is the error of a build whose check options say error=true,
// worded as the Dockerfile frontend words it.
func lintViolation(ws []lint.Warning) error {
	return errors.Errorf("lint violation found for rules: %s", strings.Join(lint.RuleNames(ws), ", "))
}

// answerLint answers frontend.lint (docker buildx build --call check,
// --check): every rule over the whole spec, or over the target's part of
// it with --target. With error=true the result carries the violation as
// its error, which buildx prints after the warnings and fails with.
func answerLint(ctx context.Context, c gwclient.Client, bc *dockerui.Client, s *spec.Spec, sm *llb.SourceMap) (*lintpb.LintResults, error) {
	cfg, err := checkConfig(bc, sm.Data)
	if err != nil {
		return nil, err
	}
	in, err := lintInput(ctx, c, bc, s, lint.Needs(s))
	if err != nil {
		return nil, err
	}
	ws := lintRun(in, cfg)
	if bc.Target != "" {
		t, err := s.Target(bc.Target)
		if err != nil {
			return nil, err
		}
		ws = lint.Within(ws, t)
	}
	res := &lintpb.LintResults{}
	idx := res.AddSource(sm)
	for _, w := range ws {
		loc := &pb.Location{SourceIndex: -1}
		if w.Path != "" {
			loc = &pb.Location{SourceIndex: int32(idx), Ranges: []*pb.Range{lineOf(s, w.Path)}}
		}
		res.Warnings = append(res.Warnings, lintpb.Warning{
			RuleName: w.Rule.Name, Description: w.Rule.Description, Detail: w.Detail, Location: loc,
		})
	}
	if cfg.ReturnAsError && len(ws) > 0 {
		res.Error = &lintpb.BuildError{Message: lintViolation(ws).Error(), Location: pb.Location{SourceIndex: int32(idx)}}
	}
	return res, nil
}

// lineOf is the first line of a spec path's place: the line of its key.
func lineOf(s *spec.Spec, path string) *pb.Range {
	r := rangeOf(s.Pos(path))
	r.End = &pb.Position{Line: r.Start.Line}
	return r
}

// lintBuild checks the target before it is built, as the Dockerfile
// frontend checks a Dockerfile: each warning is a build warning (buildx
// prints them after the build), and with error=true the build fails.
// Rules that read the build context are left to --check: the build itself
// reads those files and fails more precisely.
func lintBuild(ctx context.Context, bc *dockerui.Client, s *spec.Spec, t *spec.Target, src *dockerui.Source) error {
	cfg, err := checkConfig(bc, src.Data)
	if err != nil {
		return err
	}
	in, err := lintInput(ctx, nil, bc, s, nil)
	if err != nil {
		return err
	}
	ws := lint.Within(lintRun(in, cfg), t)
	for _, w := range ws {
		opts := gwclient.WarnOpts{Level: 1, Detail: [][]byte{[]byte(w.Rule.Description)}}
		line := 0
		if w.Path != "" {
			r := lineOf(s, w.Path)
			opts.Range, line = []*pb.Range{r}, int(r.Start.Line)
		}
		if src.Warn != nil {
			src.Warn(ctx, linter.LintFormatShort(w.Rule.Name, w.Detail, line), opts)
		}
	}
	if !cfg.ReturnAsError || len(ws) == 0 {
		return nil
	}
	// With the warnings' lines, so that buildx shows them rather than
	// the line of the # syntax= that the forwarding frontend would add.
	err = lintViolation(ws)
	for i := len(ws) - 1; i >= 0; i-- {
		if ws[i].Path != "" {
			err = errdefs.WithSource(err, &errdefs.Source{Info: sourceInfo(src.SourceMap), Ranges: []*pb.Range{lineOf(s, ws[i].Path)}})
		}
	}
	return err
}
