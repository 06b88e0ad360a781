package frontend

import (
	"context"
	"encoding/json"
	"strings"
	"sync"

	"github.com/containerd/platforms"
	"github.com/distribution/reference"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerui"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/pkg/errors"
	"github.com/strata-build/strata/graph"
)

// resolved is an external input: its filesystem and, for an image, its config.
type resolved struct {
	State  llb.State
	Config *dockerspec.DockerOCIImage
}

// input resolves an external input for a platform. A named context wins:
// --build-context NAME=... by the input's short name (golang) or by its image
// reference (golang:1.26-bookworm), as the Dockerfile frontend does for FROM.
// Otherwise the image is resolved and pinned to the digest of its config.
func (b *builder) input(ctx context.Context, name, ref string, p ocispecs.Platform) (*resolved, error) {
	// Resolved once per build, so that every target platform's steps use
	// the same toolchain even if a tag moves meanwhile.
	return once(&b.inputsMu, b.inputs, name+"|"+ref+"|"+platforms.FormatAll(p),
		func() (*resolved, error) { return b.resolveInput(ctx, name, ref, p) })
}

// onceEntry is a value made once, and the error of making it.
type onceEntry[T any] struct {
	once sync.Once
	v    T
	err  error
}

// once is the value of key in m, made by mk the first time it is asked
// for; mu guards m, not the making, so that different keys are made at
// once and the same key waits for its one making.
func once[T any](mu *sync.Mutex, m map[string]*onceEntry[T], key string, mk func() (T, error)) (T, error) {
	mu.Lock()
	e, ok := m[key]
	if !ok {
		e = &onceEntry[T]{}
		m[key] = e
	}
	mu.Unlock()
	e.once.Do(func() { e.v, e.err = mk() })
	return e.v, e.err
}

func (b *builder) resolveInput(ctx context.Context, name, ref string, p ocispecs.Platform) (*resolved, error) {
	for _, n := range []string{name, ref} {
		if n == "" {
			continue
		}
		nc, err := b.bc.NamedContext(n, dockerui.ContextOpt{Platform: &p, ResolveMode: b.bc.ImageResolveMode.String()})
		if err != nil {
			return nil, err
		}
		if nc != nil {
			st, img, err := nc.Load(ctx)
			if err != nil {
				return nil, err
			}
			return &resolved{State: *st, Config: img}, nil
		}
	}
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return nil, errors.Wrapf(err, "image %q", ref)
	}
	named = reference.TagNameOnly(named)
	_, dgst, dt, err := b.c.ResolveImageConfig(ctx, named.String(), sourceresolver.Opt{
		LogName:  "[strata] resolve image " + reference.FamiliarString(named),
		ImageOpt: &sourceresolver.ResolveImageOpt{Platform: &p, ResolveMode: b.bc.ImageResolveMode.String()},
	})
	if err != nil {
		return nil, err
	}
	var img dockerspec.DockerOCIImage
	if err := json.Unmarshal(dt, &img); err != nil {
		return nil, errors.Wrapf(err, "image %q: bad config", ref)
	}
	if dgst != "" {
		if d, err := reference.WithDigest(named, dgst); err == nil {
			named = d
		}
	}
	st := llb.Image(named.String(), llb.Platform(p), llb.WithCustomNamef("[strata] %s", reference.FamiliarString(named)))
	st, err = st.WithImageConfig(dt)
	if err != nil {
		return nil, err
	}
	return &resolved{State: st, Config: &img}, nil
}

// baseImage resolves an app's base image for the target platform and
// reads its account files, which the app files extends. Read once per
// build: the app's archive, a sysroot's run-time packages and the
// platform's image all ask for it.
func (b *builder) baseImage(ctx context.Context, ref string, target ocispecs.Platform) (graph.Base, error) {
	return once(&b.inputsMu, b.bases, ref+"|"+platforms.FormatAll(target),
		func() (graph.Base, error) { return b.readBase(ctx, ref, target) })
}

// readBase is baseImage's work.
func (b *builder) readBase(ctx context.Context, ref string, target ocispecs.Platform) (graph.Base, error) {
	if ref == "scratch" {
		return graph.Base{Scratch: true}, nil
	}
	in, err := b.input(ctx, "", ref, target)
	if err != nil {
		return graph.Base{}, errors.Wrapf(err, "runtime base %s", ref)
	}
	base := graph.Base{State: in.State, Config: in.Config}
	def, err := in.State.Marshal(ctx, llb.Platform(target))
	if err != nil {
		return base, err
	}
	ref0, err := b.solve(ctx, def)
	if err != nil {
		return base, err
	}
	if base.Passwd, err = readIfExists(ctx, ref0, "/etc/passwd"); err != nil {
		return base, err
	}
	if base.Group, err = readIfExists(ctx, ref0, "/etc/group"); err != nil {
		return base, err
	}
	if base.DpkgStatus, err = readIfExists(ctx, ref0, "/var/lib/dpkg/status"); err != nil {
		return base, err
	}
	// Debian's /etc/os-release is a link to this file.
	if base.OSRelease, err = readIfExists(ctx, ref0, "/usr/lib/os-release"); err != nil || base.OSRelease != nil {
		return base, err
	}
	base.OSRelease, err = readIfExists(ctx, ref0, "/etc/os-release")
	return base, err
}

// readIfExists reads a file of a solved image; a file that is not there is
// nil, any other failure an error (a guess would drop the base's accounts).
func readIfExists(ctx context.Context, ref gwclient.Reference, name string) ([]byte, error) {
	if ref == nil {
		return nil, nil
	}
	if _, err := ref.StatFile(ctx, gwclient.StatRequest{Path: name}); err != nil {
		if strings.Contains(err.Error(), "no such file") || strings.Contains(err.Error(), "not found") {
			return nil, nil
		}
		return nil, err
	}
	return ref.ReadFile(ctx, gwclient.ReadRequest{Filename: name})
}
