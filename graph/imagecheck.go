package graph

import (
	"github.com/moby/buildkit/client/llb"
	"github.com/strata-build/strata/facts"
	"github.com/strata-build/strata/layer"
)

// ImageCheck is the step that checks an app image's programs, and every
// ELF file its packages and a Python app's venv add, with the helper, on the build platform: the
// image's root is mounted, nothing of it runs. check says what the programs must hold to (the image's glibc,
// the spec's floor); its root and programs are filled in here. A library
// the image lacks, or one that needs a newer glibc, fails it. Its output
// holds nothing; the frontend solves it before it returns the image.
func (r AppImage) ImageCheck(image, helper llb.State, check layer.CheckRequest) (llb.State, error) {
	check.Root, check.Programs, check.Added, check.Arch = "/rootfs", nil, nil, r.Platforms.Target.Architecture
	var mounts []llb.RunOption
	add := func(dir, at string, st *llb.State) {
		if st != nil {
			check.Added = append(check.Added, layer.Added{Dir: dir, At: at})
			mounts = append(mounts, llb.AddMount(dir, *st, llb.Readonly, byKey))
		}
	}
	add("/added/packages", "/", r.Packages)
	add("/added/venv", facts.PythonVenv, r.Venv)
	add("/added/project", facts.PythonVenv, r.Project)
	for _, p := range r.App.Programs() {
		check.Programs = append(check.Programs, "/usr/local/bin/"+p)
	}
	request, err := helperRequest(layer.Request{Name: r.Name, Out: "/out", Check: &check}, "")
	if err != nil {
		return llb.State{}, err
	}
	opts := append([]llb.RunOption{
		llb.Args(helperArgs),
		llb.AddMount("/strata", helper, llb.Readonly),
		llb.AddMount(layer.RequestDir, request, llb.Readonly),
		llb.AddMount("/rootfs", image, llb.Readonly, byKey),
		llb.WithCustomName(ImageCheckStep(r.Name, r.Platforms.Target)),
		r.Loc.at("apps." + r.Name + ".packages"),
	}, mounts...)
	run := helperRoot().Platform(r.Platforms.Build).Run(opts...)
	return run.AddMount("/out", llb.Scratch()), nil
}
