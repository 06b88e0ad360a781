package frontend

import (
	"io/fs"
	"path"
	"strings"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/frontend/dockerui"
	gatewaypb "github.com/moby/buildkit/frontend/gateway/pb"
	"github.com/moby/buildkit/solver/result"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/pelletier/go-toml/v2"
	"github.com/strata-build/strata/cargo"
	"github.com/strata-build/strata/layer"
	"github.com/strata-build/strata/pywheel"
	"github.com/strata-build/strata/spec"

	gwclient "github.com/moby/buildkit/frontend/gateway/client"
)

// SBOMs: with --sbom=true (the build option attest:sbom) every platform's
// result carries Strata's own SPDX document as its SBOM attestation, so
// that BuildKit runs no scanner image: a layer's or code package's
// NAME.spdx.json, which the helper writes beside every archive anyway, or
// for an app image the document of a helper step over the image's root.

// predicateSPDX is the in-toto predicate type of an SPDX document.
const predicateSPDX = "https://spdx.dev/Document"

// ownSBOM tells whether the build asks for an SBOM that Strata makes: any
// --sbom but one naming a scanner image other than BuildKit's default
// (docker/buildkit-syft-scanner), which BuildKit then runs as it would.
func (b *builder) ownSBOM() bool {
	s := b.bc.SBOM
	return s != nil && (s.Generator == "" || strings.Contains(s.Generator, "/buildkit-syft-scanner:"))
}

// platformID is the key dockerui gives a platform's result.
func platformID(tp *ocispecs.Platform) string {
	p := platforms.DefaultSpec()
	if tp != nil {
		p = *tp
	}
	return platforms.FormatAll(platforms.Normalize(p))
}

// sbomAttestation is the attestation of the document at file in ref.
func sbomAttestation(ref gwclient.Reference, file string) gwclient.Attestation {
	return gwclient.Attestation{
		Kind:     gatewaypb.AttestationKind_InToto,
		Ref:      ref,
		Path:     "/" + file,
		Metadata: map[string][]byte{result.AttestationReasonKey: []byte(result.AttestationReasonSBOM)},
		InToto:   result.InTotoAttestation{PredicateType: predicateSPDX},
	}
}

// addAttestations adds each platform's attestations to the result.
func (b *builder) addAttestations(rb *dockerui.ResultBuilder) {
	b.attestMu.Lock()
	defer b.attestMu.Unlock()
	for id, as := range b.attestations {
		for _, a := range as {
			rb.AddAttestation(id, a)
		}
	}
}

// known is what the SBOM of an app (or a Python layer) lists from its lock
// files for the target: a Rust app's crates (Cargo.lock), uv.lock's
// packages with their files for the target's machine (the helper lists
// those installed). The app's or layer's build has read them already.
func (b *builder) known(name string, target ocispecs.Platform) layer.SBOMInfo {
	var info layer.SBOMInfo
	b.inputsMu.Lock()
	defer b.inputsMu.Unlock()
	if e, ok := b.rust[name]; ok {
		info.Packages = e.crates
	}
	if pp, ok := b.python[name]; ok && pp.lock != nil {
		info.Python = pythonKnown(pp.lock, target)
	}
	return info
}

// pythonKnown are uv.lock's registry packages with their sdist and the
// wheels that may be for the target (its machine, or any).
func pythonKnown(l *pywheel.Lock, target ocispecs.Platform) []layer.SBOMPackage {
	machine := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[target.Architecture]
	var out []layer.SBOMPackage
	for _, p := range l.Packages {
		if p.Registry == "" {
			continue
		}
		sp := layer.SBOMPackage{Kind: "pypi", Name: p.Name, Version: p.Version}
		add := func(f pywheel.File) {
			sp.Files = append(sp.Files, layer.SBOMFile{Name: f.Name(), URL: f.URL, SHA256: strings.TrimPrefix(f.Hash, "sha256:")})
		}
		if p.Sdist != nil {
			add(*p.Sdist)
		}
		for _, w := range p.Wheels {
			plat := w.Name()[strings.LastIndex(strings.TrimSuffix(w.Name(), ".whl"), "-")+1:]
			if strings.Contains(plat, "any") || (machine != "" && strings.Contains(plat, "linux") && strings.Contains(plat, machine)) {
				add(w)
			}
		}
		out = append(out, sp)
	}
	return out
}

// lockedCrates are the crates of the workspace's Cargo.lock that the app's
// package depends on, for its SBOM.
func lockedCrates(files fs.FS, root string, a *spec.App) ([]layer.SBOMPackage, error) {
	lock, err := fs.ReadFile(files, path.Join(root, "Cargo.lock"))
	if err != nil {
		return nil, nil // cargo.Plan has said what it needs
	}
	var roots []string
	if a.Rust.Package != "" {
		roots = []string{a.Rust.Package}
	} else if dt, err := fs.ReadFile(files, path.Join(a.Path, "Cargo.toml")); err == nil {
		var m struct {
			Package struct {
				Name string `toml:"name"`
			} `toml:"package"`
		}
		if toml.Unmarshal(dt, &m) == nil && m.Package.Name != "" {
			roots = []string{m.Package.Name}
		}
	}
	crates, err := cargo.LockedCrates(lock, roots)
	if err != nil {
		return nil, err
	}
	var out []layer.SBOMPackage
	for _, c := range crates {
		out = append(out, layer.SBOMPackage{Kind: "cargo", Name: c.Name, Version: c.Version, Download: c.Download(), SHA256: c.Checksum})
	}
	return out, nil
}
