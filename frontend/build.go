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
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/strata-build/strata/graph"
	"github.com/strata-build/strata/layer"
	"github.com/strata-build/strata/spec"
)

// requestIDKey is the frontend option that makes a build a subrequest
// (buildx's --call, strata llb).
const requestIDKey = "requestid"

// Build is the frontend's entry point, used by the frontend image and by the
// strata CLI in-process alike. It is the one place that decides between
// answering a subrequest and building the target for every platform.
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
	if _, ok := bc.BuildOpts().Opts[requestIDKey]; ok {
		res, err := answer(ctx, c, bc, s, src.SourceMap)
		return res, withSpecSource(err, src.SourceMap)
	}
	b, err := newBuilder(c, bc, s, src.SourceMap)
	if err != nil {
		return nil, err
	}
	if err := lintBuild(ctx, bc, s, b.t, src); err != nil {
		return nil, err
	}
	rb, err := bc.Build(ctx, b.solvePlatform)
	if err != nil {
		return nil, err
	}
	b.addAttestations(rb)
	return rb.Finalize()
}

// newBuilder checks what holds for every platform (the target, the target
// platforms, SOURCE_DATE_EPOCH) before any graph is made.
func newBuilder(c gwclient.Client, bc *dockerui.Client, s *spec.Spec, sm *llb.SourceMap) (*builder, error) {
	t, err := s.Target(bc.Target)
	if err != nil {
		return nil, withSpecSource(err, sm)
	}
	if v, ok := bc.BuildArgs["SOURCE_DATE_EPOCH"]; ok {
		if _, err := strconv.ParseUint(v, 10, 63); err != nil {
			return nil, fmt.Errorf("build arg SOURCE_DATE_EPOCH=%q: expected seconds since 1970", v)
		}
	}
	b := &builder{
		bc:          bc,
		c:           c,
		spec:        s,
		t:           t,
		sm:          sm,
		inputs:      map[string]*onceEntry[*resolved]{},
		bases:       map[string]*onceEntry[graph.Base]{},
		debianTrees: map[string]llb.State{},
		loc:         locator(s, sm),
		build:       buildPlatform(bc),
	}
	b.failures = newFailures(len(b.targetPlatforms()))
	for _, p := range b.targetPlatforms() {
		if p.OS != "linux" {
			return nil, fmt.Errorf("platform %s: Strata builds for linux only", platforms.Format(p))
		}
	}
	return b, nil
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
	inputs   map[string]*onceEntry[*resolved]
	bases    map[string]*onceEntry[graph.Base] // app base images read, by reference and platform
	// marshalMu makes the platforms' graphs marshal one at a time: they
	// share states (the toolchains, a Rust build), and BuildKit's llb
	// computes some of a state's values lazily with unguarded writes (a
	// relative Dir, which WithImageConfig sets for an image with no working
	// directory), a data race when two graphs are marshalled at once.
	marshalMu sync.Mutex
	rust      map[string]*rustEntry // by app name, guarded by inputsMu
	// python are the Python apps' projects, by app name; guarded by inputsMu.
	python map[string]*pythonProject
	// debianTrees are the run-time packages unpacked in the apt step of a
	// sysroot, by graph.DebianPackages.Key; guarded by inputsMu.
	debianTrees map[string]llb.State
	// usesHelper tells that a graph runs the helper; guarded by inputsMu.
	usesHelper bool
	loc        func(string) locOpt
	build      ocispecs.Platform
	failures   *failures

	// attestations are each platform's SBOM attestation (ownSBOM), by
	// dockerui's platform key.
	attestMu     sync.Mutex
	attestations map[string][]gwclient.Attestation
}

// platformGraph is a target's graph for one platform, the config of the
// image it makes and the config of that image's base (nil when it has none:
// scratch, or files rather than an image to run).
type platformGraph struct {
	state llb.State
	image *dockerspec.DockerOCIImage
	base  *dockerspec.DockerOCIImage
	// checks are steps that must succeed for the result to be returned,
	// though it holds nothing of theirs (an image's library check).
	checks []llb.State
	// sbom holds the target's SPDX document at /NAME.spdx.json: nil when
	// the result itself holds it (a layer, a code package), or when no
	// SBOM is asked for.
	sbom *llb.State
}

// targetGraph is the target's graph for one platform.
func (b *builder) targetGraph(ctx context.Context, target ocispecs.Platform) (platformGraph, error) {
	switch {
	case b.t.Function != "":
		return b.function(ctx, target)
	case b.t.App != nil:
		return b.app(ctx, target)
	}
	return b.layer(ctx, target)
}

// definition is the target's marshalled graph for one platform. It applies
// --no-cache (for all targets, or this one), which BuildKit leaves to the
// frontend.
func (b *builder) definition(ctx context.Context, g platformGraph) (*llb.Definition, error) {
	var opts []llb.ConstraintsOpt
	if b.bc.IsNoCache(b.t.Name) {
		opts = append(opts, llb.IgnoreCache)
	}
	b.marshalMu.Lock()
	defer b.marshalMu.Unlock()
	return g.state.Marshal(ctx, opts...)
}

// targetPlatform maps dockerui's nil (no platform asked for) to the build platform.
func (b *builder) targetPlatform(tp *ocispecs.Platform) ocispecs.Platform {
	if tp == nil {
		return b.build
	}
	return platforms.Normalize(*tp)
}

// solve runs a graph and returns its one result.
func (b *builder) solve(ctx context.Context, def *llb.Definition) (gwclient.Reference, error) {
	res, err := b.c.Solve(ctx, gwclient.SolveRequest{Definition: def.ToPB(), CacheImports: b.bc.CacheImports})
	if err != nil {
		return nil, err
	}
	return res.SingleRef()
}

// solvePlatform builds the target for one platform (dockerui's Build calls
// it for each, and puts the results together).
func (b *builder) solvePlatform(ctx context.Context, tp *ocispecs.Platform, i int) (*dockerui.BuildResult, error) {
	ctx = b.failures.start(ctx, i)
	res, err := b.solveOne(ctx, tp)
	return res, b.failures.done(i, err)
}

func (b *builder) solveOne(ctx context.Context, tp *ocispecs.Platform) (*dockerui.BuildResult, error) {
	res, sbom, err := b.solveTarget(ctx, tp)
	if err != nil || !b.ownSBOM() {
		return res, err
	}
	// The SBOM: the document the result holds, or the image's own step.
	att := sbomAttestation(res.Reference, layer.SBOMName(b.t.Name))
	if sbom != nil {
		def, err := b.definition(ctx, platformGraph{state: *sbom})
		if err != nil {
			return nil, err
		}
		if att.Ref, err = b.solve(ctx, def); err != nil {
			return nil, b.withToolError(ctx, err)
		}
	}
	b.attestMu.Lock()
	if b.attestations == nil {
		b.attestations = map[string][]gwclient.Attestation{}
	}
	b.attestations[platformID(tp)] = []gwclient.Attestation{att}
	b.attestMu.Unlock()
	return res, nil
}

// solveTarget solves the target's graph for one platform; the state of
// its SBOM when that is not in the result.
func (b *builder) solveTarget(ctx context.Context, tp *ocispecs.Platform) (*dockerui.BuildResult, *llb.State, error) {
	g, err := b.targetGraph(ctx, b.targetPlatform(tp))
	if err != nil {
		return nil, nil, err
	}
	for _, check := range g.checks {
		def, err := b.definition(ctx, platformGraph{state: check})
		if err != nil {
			return nil, nil, err
		}
		if _, err := b.c.Solve(ctx, gwclient.SolveRequest{Definition: def.ToPB(), CacheImports: b.bc.CacheImports, Evaluate: true}); err != nil {
			return nil, nil, b.withToolError(ctx, err)
		}
	}
	def, err := b.definition(ctx, g)
	if err != nil {
		return nil, nil, err
	}
	// A graph with a cargo or helper step is evaluated here rather than by
	// the exporter once the frontend has returned, so that a failed step's
	// error passes through the frontend, which adds the tool's own error.
	// The whole graph, not those steps alone: waiting for them first would
	// hold back the rest of the image until they are done.
	res, err := b.c.Solve(ctx, gwclient.SolveRequest{Definition: def.ToPB(), CacheImports: b.bc.CacheImports, Evaluate: b.evaluates()})
	if err != nil {
		return nil, nil, b.withToolError(ctx, err)
	}
	ref, err := res.SingleRef()
	if err != nil {
		return nil, nil, err
	}
	return &dockerui.BuildResult{Reference: ref, Image: g.image, BaseImage: g.base}, g.sbom, nil
}
