package frontend

import (
	"context"

	bk "github.com/moby/buildkit/client/llb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/pkg/errors"
	strata "github.com/strata-build/strata"
	strllb "github.com/strata-build/strata/llb"
	"github.com/strata-build/strata/spec"
)

// aptImage is the image whose apt resolves a layer's Debian packages, on
// the build platform (named context "debian" replaces it).
const aptImage = "debian:bookworm"

// layer is the graph of a function layer for one target platform: a
// filesystem holding the archive, its manifest and its size report.
func (b *builder) layer(ctx context.Context, target ocispecs.Platform) (bk.State, *dockerspec.DockerOCIImage, *dockerspec.DockerOCIImage, error) {
	l := b.t.Layer
	ps := strllb.Platforms{Build: b.build, Target: target}
	lb := strllb.LayerBuild{Name: b.t.Name, Layer: l, Platforms: ps, Loc: b.locator(),
		Epoch: b.bc.BuildArgs["SOURCE_DATE_EPOCH"], Apps: map[string]strllb.AppBinary{}}
	fail := func(err error) (bk.State, *dockerspec.DockerOCIImage, *dockerspec.DockerOCIImage, error) {
		return bk.State{}, nil, nil, err
	}
	if l.Sources.Debian != nil {
		apt, err := b.input(ctx, "debian", aptImage, b.build)
		if err != nil {
			return fail(errors.Wrap(err, "apt image"))
		}
		lb.Apt = apt.State
	}
	for _, im := range l.Sources.Images {
		in, err := b.input(ctx, "", im.Ref, target)
		if err != nil {
			return fail(errors.Wrapf(err, "layer source %s", im.Ref))
		}
		lb.Images = append(lb.Images, in.State)
	}
	if len(l.Sources.Context) > 0 {
		src, err := b.bc.MainContext(ctx)
		if err != nil {
			return fail(err)
		}
		lb.Context = *src
	}
	for _, name := range l.Sources.Apps {
		a := b.spec.Apps[name]
		bin, err := b.goBinary(ctx, name, a, target)
		if err != nil {
			return fail(err)
		}
		lb.Apps[name] = strllb.AppBinary{Name: a.Binary, State: bin}
	}
	toolchain, err := b.input(ctx, "golang", "golang:"+spec.DefaultGoVersion+"-bookworm", b.build)
	if err != nil {
		return fail(errors.Wrap(err, "Go toolchain for strata-layer"))
	}
	if lb.Helper, err = strllb.Helper("strata-layer", strata.HelperSources, toolchain.State, ps); err != nil {
		return fail(err)
	}
	st, err := lb.Archive()
	if err != nil {
		return fail(b.specError(b.t.Path, err))
	}
	img := &dockerspec.DockerOCIImage{}
	img.Platform = target
	img.RootFS.Type = "layers"
	return st, img, nil, nil
}
