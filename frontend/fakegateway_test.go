package frontend

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/containerd/platforms"
	"github.com/distribution/reference"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	gwpb "github.com/moby/buildkit/frontend/gateway/pb"
	"github.com/moby/buildkit/solver/pb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/pkg/errors"
)

// fakeGateway is BuildKit's side of the gateway, without BuildKit: it
// serves the build options, image configs (fakeImages), the local
// directories of the build (the context, the spec's directory, named
// contexts) and the solved images' files, and keeps every definition it is
// asked to solve. Nothing runs: a graph with steps solves to a reference
// that holds its definition and no files.
type fakeGateway struct {
	opts   map[string]string
	locals map[string]string // local name (context, dockerfile, context:NAME) -> directory

	mu       sync.Mutex
	solved   []*pb.Definition
	resolved []string // image references asked for, as they were asked
	warnings []fakeWarning
}

// fakeWarning is a build warning the frontend sent (gateway Warn).
type fakeWarning struct {
	msg  string
	opts gwclient.WarnOpts
}

// newFakeGateway serves dir as the build context and the spec's directory,
// with the spec at filename, and opts as frontend options (target,
// platform, build-arg:NAME, context:NAME, requestid, ...).
func newFakeGateway(dir, filename string, opts map[string]string) *fakeGateway {
	g := &fakeGateway{opts: map[string]string{"filename": filename}, locals: map[string]string{"context": dir, "dockerfile": dir}}
	for k, v := range opts {
		g.opts[k] = v
	}
	return g
}

// withLocal serves dir as the named context name (--build-context name=DIR).
func (g *fakeGateway) withLocal(name, dir string) *fakeGateway {
	local := "context:" + name
	g.locals[local] = dir
	g.opts["context:"+name] = "local:" + local
	return g
}

var fakeBuildPlatform = platforms.MustParse("linux/amd64")

func (g *fakeGateway) BuildOpts() gwclient.BuildOpts {
	opts := map[string]string{}
	for k, v := range g.opts {
		opts[k] = v
	}
	return gwclient.BuildOpts{
		Opts:      opts,
		SessionID: "fake-session",
		Workers:   []gwclient.WorkerInfo{{ID: "fake", Platforms: []ocispecs.Platform{fakeBuildPlatform}}},
		Product:   "strata-fake-gateway",
		LLBCaps:   pb.Caps.CapSet(pb.Caps.All()),
		Caps:      gwpb.Caps.CapSet(gwpb.Caps.All()),
	}
}

func (g *fakeGateway) Solve(ctx context.Context, req gwclient.SolveRequest) (*gwclient.Result, error) {
	if req.Definition == nil {
		return &gwclient.Result{}, nil
	}
	g.mu.Lock()
	g.solved = append(g.solved, req.Definition)
	g.mu.Unlock()
	out, err := outputOp(req.Definition)
	if err != nil {
		return nil, err
	}
	ref := &fakeRef{def: req.Definition, files: fileTree{}}
	if src := out.GetSource(); src != nil {
		if ref.files, err = g.sourceFiles(src); err != nil {
			return nil, err
		}
	}
	res := gwclient.NewResult()
	res.SetRef(ref)
	return res, nil
}

// outputOp is the op whose output a definition returns: the input of its
// last op, which has no operation of its own.
func outputOp(def *pb.Definition) (*pb.Op, error) {
	if len(def.Def) == 0 {
		return nil, errors.New("empty definition")
	}
	var last pb.Op
	if err := last.UnmarshalVT(def.Def[len(def.Def)-1]); err != nil {
		return nil, err
	}
	if last.Op != nil || len(last.Inputs) != 1 {
		return nil, errors.New("definition does not end with its output")
	}
	for _, dt := range def.Def {
		if digest.FromBytes(dt) == digest.Digest(last.Inputs[0].Digest) {
			var op pb.Op
			return &op, op.UnmarshalVT(dt)
		}
	}
	return nil, errors.Errorf("output %s not in the definition", last.Inputs[0].Digest)
}

// sourceFiles are the files of a source: a local directory (filtered as
// the client filters it) or a fake image's files.
func (g *fakeGateway) sourceFiles(src *pb.SourceOp) (fileTree, error) {
	kind, name, _ := strings.Cut(src.Identifier, "://")
	switch kind {
	case "local":
		dir, ok := g.locals[name]
		if !ok {
			return nil, errors.Errorf("local %q is not served", name)
		}
		return localFiles(dir, src.Attrs)
	case "docker-image":
		img, _, err := lookupImage(name)
		if err != nil {
			return nil, err
		}
		return img.files, nil
	}
	return nil, errors.Errorf("source %s cannot be read", src.Identifier)
}

func (g *fakeGateway) ResolveImageConfig(ctx context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	g.mu.Lock()
	g.resolved = append(g.resolved, ref)
	g.mu.Unlock()
	img, named, err := lookupImage(ref)
	if err != nil {
		return "", "", nil, err
	}
	p := fakeBuildPlatform
	if opt.ImageOpt != nil && opt.ImageOpt.Platform != nil {
		p = *opt.ImageOpt.Platform
	}
	dt, err := img.config(named, p)
	if err != nil {
		return "", "", nil, err
	}
	return ref, digest.FromBytes(dt), dt, nil
}

func (g *fakeGateway) ResolveSourceMetadata(ctx context.Context, op *pb.SourceOp, opt sourceresolver.Opt) (*sourceresolver.MetaResponse, error) {
	kind, ref, _ := strings.Cut(op.Identifier, "://")
	if kind != "docker-image" {
		return &sourceresolver.MetaResponse{Op: op}, nil
	}
	_, dgst, dt, err := g.ResolveImageConfig(ctx, ref, opt)
	if err != nil {
		return nil, err
	}
	return &sourceresolver.MetaResponse{Op: op, Image: &sourceresolver.ResolveImageResponse{Digest: dgst, Config: dt}}, nil
}

func (g *fakeGateway) Inputs(context.Context) (map[string]llb.State, error) {
	return map[string]llb.State{}, nil
}

func (g *fakeGateway) NewContainer(context.Context, gwclient.NewContainerRequest) (gwclient.Container, error) {
	return nil, errors.New("the fake gateway runs no containers")
}

func (g *fakeGateway) Warn(_ context.Context, _ digest.Digest, msg string, opts gwclient.WarnOpts) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.warnings = append(g.warnings, fakeWarning{msg, opts})
	return nil
}

// lookupImage finds a fake image by reference (any tag of a known repository).
func lookupImage(ref string) (fakeImage, reference.Named, error) {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return fakeImage{}, nil, err
	}
	img, ok := fakeImages[named.Name()]
	if !ok {
		return fakeImage{}, nil, fmt.Errorf("%s: not found (the fake gateway knows %v)", ref, slices.Sorted(maps.Keys(fakeImages)))
	}
	return img, named, nil
}

// config is an image's OCI config for a platform, the same bytes every time.
func (img fakeImage) config(named reference.Named, p ocispecs.Platform) ([]byte, error) {
	var c dockerspec.DockerOCIImage
	c.Platform = ocispecs.Platform{OS: p.OS, Architecture: p.Architecture, Variant: p.Variant}
	c.Config.Env, c.Config.Cmd, c.Config.WorkingDir = img.env, img.cmd, img.workdir
	c.RootFS.Type = "layers"
	c.RootFS.DiffIDs = []digest.Digest{digest.FromString(named.String() + " " + platforms.Format(p))}
	return json.Marshal(c)
}

// solvedOps builds a spec of dir with opts, run from the frontend image
// (frontendImageGateway) or in process, and returns the ops of every graph
// it solved.
func solvedOps(t *testing.T, dir string, opts map[string]string, inImage bool) []*pb.Op {
	t.Helper()
	g := newFakeGateway(dir, "strata.yaml", opts)
	var err error
	if inImage {
		_, err = Build(context.Background(), frontendImageGateway{g, frontendTestImage})
	} else {
		_, err = Build(context.Background(), g)
	}
	if err != nil {
		t.Fatalf("%s %v: %v", dir, opts, err)
	}
	var out []*pb.Op
	for _, def := range g.solved {
		for _, dt := range def.Def {
			var op pb.Op
			if err := op.UnmarshalVT(dt); err != nil {
				t.Fatal(err)
			}
			out = append(out, &op)
		}
	}
	return out
}
