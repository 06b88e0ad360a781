// Package frontend is Strata's gateway side: it reads the spec and the build
// options the way the Dockerfile frontend does (BuildKit's dockerui), answers
// buildx's subrequests, resolves every external input (a named context
// first), and returns one image per target platform.
package frontend

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/frontend/subrequests/convertllb"
	"github.com/moby/buildkit/solver/pb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/strata-build/strata/spec"
)

// Build is the frontend's entry point, used by the frontend image and by the
// strata CLI in-process alike.
func Build(ctx context.Context, c gwclient.Client) (*gwclient.Result, error) {
	bc, err := dockerui.NewClient(c)
	if err != nil {
		return nil, err
	}
	src, err := bc.ReadEntrypoint(ctx, "YAML")
	if err != nil {
		return nil, err
	}
	s, err := spec.Load(src.Filename, src.Data)
	if err != nil {
		return nil, withSpecSource(err, src.SourceMap)
	}
	t, err := s.Target(bc.Target)
	var b *builder
	h := subrequests(s, bc.Target)
	h.ConvertLLB = func(ctx context.Context) (*convertllb.Result, error) {
		if b == nil {
			return nil, withSpecSource(err, src.SourceMap)
		}
		return b.convert(ctx)
	}
	if err != nil {
		if res, ok, err := bc.HandleSubrequest(ctx, h); err != nil || ok {
			return res, err // listing targets needs no valid target
		}
		return nil, withSpecSource(err, src.SourceMap)
	}
	b = &builder{
		bc:     bc,
		c:      c,
		spec:   s,
		t:      t,
		sm:     src.SourceMap,
		inputs: map[string]*inputEntry{},
		loc:    locator(s, src.SourceMap),
		build:  buildPlatform(bc),
	}
	if res, ok, err := bc.HandleSubrequest(ctx, h); err != nil || ok {
		return res, err
	}
	rb, err := bc.Build(ctx, b.platform)
	if err != nil {
		return nil, err
	}
	return rb.Finalize()
}

// buildPlatform is where every command runs: the worker's own platform.
func buildPlatform(bc *dockerui.Client) ocispecs.Platform {
	if len(bc.BuildPlatforms) > 0 {
		return platforms.Normalize(bc.BuildPlatforms[0])
	}
	return platforms.Normalize(platforms.DefaultSpec())
}

// builder builds one target of a spec, once per target platform.
type builder struct {
	bc   *dockerui.Client
	c    gwclient.Client
	spec *spec.Spec
	t    *spec.Target
	sm   *llb.SourceMap

	inputsMu sync.Mutex
	inputs   map[string]*inputEntry
	rust     map[string]*rustEntry // by app name, guarded by inputsMu
	loc      func(string) locOpt
	build    ocispecs.Platform
}

// graph is the target's graph for one platform, its image config and the
// config of its base image.
func (b *builder) targetGraph(ctx context.Context, target ocispecs.Platform) (llb.State, *dockerspec.DockerOCIImage, *dockerspec.DockerOCIImage, error) {
	if v, ok := b.bc.BuildArgs["SOURCE_DATE_EPOCH"]; ok {
		if _, err := strconv.ParseUint(v, 10, 63); err != nil {
			return llb.State{}, nil, nil, fmt.Errorf("build arg SOURCE_DATE_EPOCH=%q: expected seconds since 1970", v)
		}
	}
	if target.OS != "linux" {
		return llb.State{}, nil, nil, fmt.Errorf("platform %s: Strata builds for linux only", platforms.Format(target))
	}
	if b.t.Function != "" {
		return b.function(ctx, target)
	}
	if b.t.App != nil {
		return b.app(ctx, target)
	}
	return b.layer(ctx, target)
}

// marshalOpts applies --no-cache (for all targets, or this one), which
// BuildKit leaves to the frontend.
func (b *builder) marshalOpts() []llb.ConstraintsOpt {
	if b.bc.IsNoCache(b.t.Name) {
		return []llb.ConstraintsOpt{llb.IgnoreCache}
	}
	return nil
}

// targetPlatform maps dockerui's nil (no platform asked for) to the build platform.
func (b *builder) targetPlatform(tp *ocispecs.Platform) ocispecs.Platform {
	if tp == nil {
		return b.build
	}
	return platforms.Normalize(*tp)
}

// definition is the target's marshalled graph for one platform, its image
// config and the config of its base image.
func (b *builder) definition(ctx context.Context, tp *ocispecs.Platform) (*llb.Definition, *dockerspec.DockerOCIImage, *dockerspec.DockerOCIImage, error) {
	st, img, baseImg, err := b.targetGraph(ctx, b.targetPlatform(tp))
	if err != nil {
		return nil, nil, nil, err
	}
	def, err := st.Marshal(ctx, b.marshalOpts()...)
	return def, img, baseImg, err
}

// solve runs a graph and returns its one result.
func (b *builder) solve(ctx context.Context, def *llb.Definition) (gwclient.Reference, error) {
	res, err := b.c.Solve(ctx, gwclient.SolveRequest{Definition: def.ToPB(), CacheImports: b.bc.CacheImports})
	if err != nil {
		return nil, err
	}
	return res.SingleRef()
}

func (b *builder) platform(ctx context.Context, tp *ocispecs.Platform, _ int) (*dockerui.BuildResult, error) {
	def, img, baseImg, err := b.definition(ctx, tp)
	if err != nil {
		return nil, err
	}
	// A graph with a Rust build is evaluated here rather than by the
	// exporter once the frontend has returned, so that a failed cargo step's
	// error passes through the frontend, which adds cargo's first error
	// line. The whole graph, not the cargo steps alone: waiting for those
	// first would hold back the rest of the image until cargo is done.
	res, err := b.c.Solve(ctx, gwclient.SolveRequest{Definition: def.ToPB(), CacheImports: b.bc.CacheImports, Evaluate: b.hasRust()})
	if err != nil {
		return nil, b.withCargoError(ctx, err)
	}
	ref, err := res.SingleRef()
	if err != nil {
		return nil, err
	}
	return &dockerui.BuildResult{Reference: ref, Image: img, BaseImage: baseImg}, nil
}

// convert answers the convertllb subrequest (strata llb): the graph for
// the first target platform, marshalled, not solved.
func (b *builder) convert(ctx context.Context) (*convertllb.Result, error) {
	var tp *ocispecs.Platform
	if len(b.bc.TargetPlatforms) > 0 {
		tp = &b.bc.TargetPlatforms[0]
	}
	def, _, _, err := b.definition(ctx, tp)
	if err != nil {
		return nil, err
	}
	res := &convertllb.Result{Def: map[digest.Digest]*pb.Op{}, Metadata: def.Metadata, Source: def.Source}
	for _, dt := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			return nil, err
		}
		res.Def[digest.FromBytes(dt)] = &op
	}
	return res, nil
}
