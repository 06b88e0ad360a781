package graph

import (
	"slices"

	"github.com/moby/buildkit/client/llb"
	"github.com/strata-build/strata/layer"
)

// ImageCheck is the step that checks an app image's programs with the
// helper, on the build platform: the image's root is mounted, nothing of
// it runs. A library the image lacks, or a glibc symbol newer than the
// image's glibc (glibc; "" for unknown), fails it. Its output holds
// nothing; the frontend solves it before it returns the image.
func (r AppImage) ImageCheck(image, helper llb.State, glibc, made string) (llb.State, error) {
	var programs []string
	for _, p := range r.App.Programs() {
		programs = append(programs, "/usr/local/bin/"+p)
	}
	request, err := helperRequest(layer.Request{Name: r.Name, Out: "/out",
		Check: &layer.CheckRequest{Root: "/rootfs", Programs: programs, Glibc: glibc, Image: made}}, "")
	if err != nil {
		return llb.State{}, err
	}
	run := helperRoot().Platform(r.Platforms.Build).Run(
		llb.Args(helperArgs),
		llb.AddMount("/strata", helper, llb.Readonly),
		llb.AddMount(layer.RequestDir, request, llb.Readonly),
		llb.AddMount("/rootfs", image, llb.Readonly),
		llb.WithCustomNamef("[%s] check the image's libraries (%s)", r.Name, platformString(r.Platforms.Target)),
		r.Loc.at("apps."+r.Name+".packages"),
	)
	return run.AddMount("/out", llb.Scratch()), nil
}

// LeavesError tells whether an exec's arguments are those of a step that
// leaves its tool's error at layer.ErrorFile: the helper, apt.
func LeavesError(args []string) bool {
	return slices.Equal(args, helperArgs) || slices.Equal(args, debianArgs)
}
