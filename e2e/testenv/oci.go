package testenv

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// An Image is one platform's image of an OCI layout, read back for checks.
type Image struct {
	Platform string
	Config   ocispecs.Image
	Files    map[string]*TarFile // path (no leading /) → file, the last image layer's wins
}

// ReadLayout reads every platform's image of an OCI layout directory
// (-o type=oci,tar=false,dest=DIR); the test fails unless the layout holds
// exactly the platforms wanted.
func ReadLayout(t *testing.T, dir string, want ...string) map[string]*Image {
	t.Helper()
	out := map[string]*Image{}
	for _, m := range manifests(t, dir) {
		img := &Image{Files: map[string]*TarFile{}}
		ReadJSON(t, blob(dir, m.Config), &img.Config)
		img.Platform = img.Config.OS + "/" + img.Config.Architecture
		for _, l := range m.Layers {
			readImageLayer(t, blob(dir, l), img.Files)
		}
		out[img.Platform] = img
	}
	var got []string
	for p := range out {
		got = append(got, p)
	}
	slices.Sort(got)
	if !slices.Equal(got, slices.Sorted(slices.Values(want))) {
		t.Fatalf("the layout has images for %v, want %v", got, want)
	}
	return out
}

// LayerDigests lists the image layer digests of an OCI layout's one image.
func LayerDigests(t *testing.T, dir string) string {
	t.Helper()
	ms := manifests(t, dir)
	if len(ms) != 1 {
		t.Fatalf("the layout holds %d images, want one", len(ms))
	}
	var out []string
	for _, l := range ms[0].Layers {
		out = append(out, l.Digest.String())
	}
	return strings.Join(out, " ")
}

// manifests are the image manifests of a layout, through its indexes;
// attestations are left out.
func manifests(t *testing.T, dir string) []ocispecs.Manifest {
	t.Helper()
	var out []ocispecs.Manifest
	eachManifest(t, dir, func(d ocispecs.Descriptor) {
		if d.Annotations["vnd.docker.reference.type"] == "attestation-manifest" {
			return
		}
		var m ocispecs.Manifest
		ReadJSON(t, blob(dir, d), &m)
		out = append(out, m)
	})
	return out
}

// eachManifest calls fn with the descriptor of every manifest of a layout,
// through its indexes (attestation manifests too).
func eachManifest(t *testing.T, dir string, fn func(ocispecs.Descriptor)) {
	t.Helper()
	var idx ocispecs.Index
	ReadJSON(t, filepath.Join(dir, "index.json"), &idx)
	var walk func(ds []ocispecs.Descriptor)
	walk = func(ds []ocispecs.Descriptor) {
		for _, d := range ds {
			switch d.MediaType {
			case ocispecs.MediaTypeImageIndex, "application/vnd.docker.distribution.manifest.list.v2+json":
				var sub ocispecs.Index
				ReadJSON(t, blob(dir, d), &sub)
				walk(sub.Manifests)
			case ocispecs.MediaTypeImageManifest, "application/vnd.docker.distribution.manifest.v2+json":
				fn(d)
			}
		}
	}
	walk(idx.Manifests)
}

func blob(dir string, d ocispecs.Descriptor) string {
	return filepath.Join(dir, "blobs", d.Digest.Algorithm().String(), d.Digest.Encoded())
}

// Blobs are the paths of every blob of a layout.
func Blobs(dir string) []string {
	out, _ := filepath.Glob(filepath.Join(dir, "blobs/sha256/*"))
	return out
}

// SBOMs are the SPDX documents of an OCI layout's attestation manifests,
// by the platform of the image each attests (os/arch): the predicate of
// every in-toto statement whose predicate type is SPDX's.
func SBOMs(t *testing.T, dir string) map[string][][]byte {
	t.Helper()
	platformOf := map[string]string{} // image manifest digest → os/arch
	var attests []ocispecs.Descriptor
	eachManifest(t, dir, func(d ocispecs.Descriptor) {
		if d.Annotations["vnd.docker.reference.type"] == "attestation-manifest" {
			attests = append(attests, d)
			return
		}
		var m ocispecs.Manifest
		ReadJSON(t, blob(dir, d), &m)
		var c ocispecs.Image
		ReadJSON(t, blob(dir, m.Config), &c)
		platformOf[d.Digest.String()] = c.OS + "/" + c.Architecture
	})
	out := map[string][][]byte{}
	for _, d := range attests {
		p, ok := platformOf[d.Annotations["vnd.docker.reference.digest"]]
		if !ok {
			t.Fatalf("attestation manifest %s attests no image of the layout", d.Digest)
		}
		var m ocispecs.Manifest
		ReadJSON(t, blob(dir, d), &m)
		for _, l := range m.Layers {
			if l.Annotations["in-toto.io/predicate-type"] != "https://spdx.dev/Document" {
				continue
			}
			var st struct {
				PredicateType string          `json:"predicateType"`
				Predicate     json.RawMessage `json:"predicate"`
			}
			ReadJSON(t, blob(dir, l), &st)
			if st.PredicateType != "https://spdx.dev/Document" {
				t.Fatalf("%s: an SPDX layer holds a statement of %s", p, st.PredicateType)
			}
			out[p] = append(out[p], st.Predicate)
		}
	}
	return out
}
