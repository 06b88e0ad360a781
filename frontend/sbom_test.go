package frontend

import (
	"strings"
	"testing"

	gatewaypb "github.com/moby/buildkit/frontend/gateway/pb"
)

// With attest:sbom (--sbom=true) every platform's result carries an SPDX
// attestation, so BuildKit runs no scanner: a layer's NAME.spdx.json from
// its own result, an app image's from the helper step over the image. A
// generator other than BuildKit's default scanner is left to BuildKit;
// without attest:sbom there is no attestation.
func TestSBOMAttestation(t *testing.T) {
	dir := specDir(t, twoTargets)
	for _, c := range []struct {
		target, sbom string
		want         bool
	}{
		{"web", "", true}, {"tools", "", true},
		{"web", "generator=docker/buildkit-syft-scanner:stable-1", true},
		{"web", "generator=example.com/my-scanner:1", false},
		{"web", "-", false},
	} {
		opts := map[string]string{"target": c.target, "platform": "linux/amd64,linux/arm64"}
		if c.sbom != "-" {
			opts["attest:sbom"] = c.sbom
		}
		res, ps := buildPlatforms(t, newFakeGateway(dir, "strata.yaml", opts))
		for _, p := range ps.Platforms {
			as := res.Attestations[p.ID]
			if !c.want {
				if len(as) != 0 {
					t.Errorf("%s %q: %s has attestations", c.target, c.sbom, p.ID)
				}
				continue
			}
			if len(as) != 1 || as[0].InToto.PredicateType != "https://spdx.dev/Document" || as[0].Kind != gatewaypb.AttestationKind_InToto ||
				as[0].Path != "/"+c.target+".spdx.json" || as[0].Ref == nil {
				t.Fatalf("%s: %s: attestations %+v", c.target, p.ID, as)
			}
			def := as[0].Ref.(*fakeRef).def
			var names []string
			for _, m := range def.Metadata {
				names = append(names, m.Description["llb.customname"])
			}
			want := "[" + c.target + "] SPDX document of the image (" + p.ID + ")"
			if c.target == "tools" {
				want = "[tools] assemble layer for fc-debian12 (" + p.ID + ")"
			}
			if !strings.Contains(strings.Join(names, "\n"), want) {
				t.Errorf("%s: the attestation's graph has no %q: %q", p.ID, want, names)
			}
		}
	}
}
