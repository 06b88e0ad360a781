package frontend

import (
	"context"

	bk "github.com/moby/buildkit/client/llb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/pkg/errors"
	strllb "github.com/strata-build/strata/llb"
)

// goProxyArgs are the build args that reach the Go dependency step.
var goProxyArgs = []string{"GOPROXY", "GOPRIVATE", "GONOPROXY", "GONOSUMDB", "GOSUMDB", "GOINSECURE"}

// app is the graph of an app's runtime image for one target platform, its
// image config and the config of its base.
func (b *builder) app(ctx context.Context, target ocispecs.Platform) (bk.State, *dockerspec.DockerOCIImage, *dockerspec.DockerOCIImage, error) {
	a := b.t.App
	ps := strllb.Platforms{Build: b.build, Target: target}
	toolchain, err := b.input(ctx, "golang", "golang:"+a.Go.Version+"-bookworm", b.build)
	if err != nil {
		return bk.State{}, nil, nil, errors.Wrap(err, "Go toolchain")
	}
	src, err := b.bc.MainContext(ctx)
	if err != nil {
		return bk.State{}, nil, nil, err
	}
	proxy := map[string]string{}
	for _, k := range goProxyArgs {
		if v, ok := b.bc.BuildArgs[k]; ok {
			proxy[k] = v
		}
	}
	bin := strllb.GoBuild{
		Name: b.t.Name, App: a, Toolchain: toolchain.State, Context: *src,
		Platforms: ps, ProxyEnv: proxy, Loc: b.locator(),
	}.Binary()

	base, err := b.runtimeBase(ctx, a.Image.Base, target)
	if err != nil {
		return bk.State{}, nil, nil, err
	}
	st, img, err := strllb.Runtime{
		Name: b.t.Name, App: a, Base: base, Binary: bin, Platforms: ps, Loc: b.locator(),
	}.Image()
	if err != nil {
		return bk.State{}, nil, nil, b.specError(b.t.Path+".image.user", err)
	}
	return st, img, base.Config, nil
}
