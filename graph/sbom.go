package graph

import (
	"github.com/moby/buildkit/client/llb"
	"github.com/strata-build/strata/facts"
	"github.com/strata-build/strata/layer"
)

// ImageSBOM is the step that writes the app image's SPDX document with
// the helper, on the build platform, from the image's root mounted
// read-only (nothing of it runs): every package of its dpkg status (the
// base's and the app's packages), its Go programs' modules, a Python
// app's venv, and what known lists (a Rust app's crates, a Python app's
// uv.lock). Its output holds NAME.spdx.json (layer.SBOMName), the image's
// SBOM attestation.
func (r AppImage) ImageSBOM(image, helper llb.State, known layer.SBOMInfo, epoch string) (llb.State, error) {
	req := layer.SBOMRequest{Root: "/rootfs", Image: r.App.Image.Base}
	for _, p := range r.App.Programs() {
		req.Programs = append(req.Programs, "/usr/local/bin/"+p)
	}
	if r.Venv != nil {
		req.Python = []string{facts.PythonVenv + "/lib/python*/site-packages"}
	}
	request, err := helperRequest(layer.Request{Name: r.Name, Out: "/out", ImageSBOM: &req, SBOM: SBOMInfo(r.Platforms.Target, "", known)}, epoch)
	if err != nil {
		return llb.State{}, err
	}
	run := helperRoot().Platform(r.Platforms.Build).Run(
		llb.Args(helperArgs),
		llb.AddMount("/strata", helper, llb.Readonly),
		llb.AddMount(layer.RequestDir, request, llb.Readonly),
		llb.AddMount("/rootfs", image, llb.Readonly, byKey),
		llb.WithCustomName(ImageSBOMStep(r.Name, r.Platforms.Target)),
		r.Loc.at("apps."+r.Name),
	)
	return run.AddMount("/out", llb.Scratch()), nil
}
