package testenv

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// A RegistryBlob is a manifest, config or layer in the local registry.
type RegistryBlob struct {
	Digest string
	Data   []byte
}

// RegistryBlobs are every blob a reference in hack/dev-env's registry
// (localhost:5000/REPO:TAG) reaches: its manifests, configs and layers.
func RegistryBlobs(t *testing.T, ref string) []RegistryBlob {
	t.Helper()
	repo, tag, _ := strings.Cut(strings.TrimPrefix(ref, "localhost:5000/"), ":")
	base := "http://127.0.0.1:5000/v2/" + repo
	get := func(url, accept string) []byte { return registryGet(t, url, accept) }
	var out []RegistryBlob
	var walk func(dt []byte)
	walk = func(dt []byte) {
		var m struct {
			Manifests []ocispecs.Descriptor `json:"manifests"`
			Layers    []ocispecs.Descriptor `json:"layers"`
			Config    *ocispecs.Descriptor  `json:"config"`
		}
		if json.Unmarshal(dt, &m) != nil {
			return
		}
		for _, d := range m.Manifests {
			sub := get(base+"/manifests/"+d.Digest.String(), manifestTypes)
			out = append(out, RegistryBlob{d.Digest.String(), sub})
			walk(sub)
		}
		descs := m.Layers
		if m.Config != nil {
			descs = append(descs, *m.Config)
		}
		for _, d := range descs {
			out = append(out, RegistryBlob{d.Digest.String(), get(base+"/blobs/"+d.Digest.String(), "")})
		}
	}
	top := get(base+"/manifests/"+tag, manifestTypes)
	out = append(out, RegistryBlob{tag, top})
	walk(top)
	return out
}

// manifestTypes are the manifest media types the registry is asked for.
var manifestTypes = strings.Join([]string{ocispecs.MediaTypeImageIndex, ocispecs.MediaTypeImageManifest,
	"application/vnd.docker.distribution.manifest.list.v2+json", "application/vnd.docker.distribution.manifest.v2+json"}, ", ")

// registryGet reads a URL of hack/dev-env's registry; the test fails
// unless it answers 200.
func registryGet(t *testing.T, url, accept string) []byte {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	dt, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, res.Status)
	}
	return dt
}

// RegistryImage reads the image of one architecture of a multi-platform
// image in hack/dev-env's registry (REPO:TAG, such as
// library/python:3.11-slim-bookworm, the stand-in of the public image):
// its config and its files, as ReadLayout reads a build's.
func RegistryImage(t *testing.T, ref, arch string) *Image {
	t.Helper()
	repo, tag, _ := strings.Cut(ref, ":")
	base := "http://127.0.0.1:5000/v2/" + repo
	var idx ocispecs.Index
	if err := json.Unmarshal(registryGet(t, base+"/manifests/"+tag, manifestTypes), &idx); err != nil {
		t.Fatal(err)
	}
	for _, d := range idx.Manifests {
		if d.Platform == nil || d.Platform.OS != "linux" || d.Platform.Architecture != arch {
			continue
		}
		var m ocispecs.Manifest
		if err := json.Unmarshal(registryGet(t, base+"/manifests/"+d.Digest.String(), manifestTypes), &m); err != nil {
			t.Fatal(err)
		}
		img := &Image{Platform: "linux/" + arch, Files: map[string]*TarFile{}}
		if err := json.Unmarshal(registryGet(t, base+"/blobs/"+m.Config.Digest.String(), ""), &img.Config); err != nil {
			t.Fatal(err)
		}
		for _, l := range m.Layers {
			f := filepath.Join(t.TempDir(), "layer.tar.gz")
			if err := os.WriteFile(f, registryGet(t, base+"/blobs/"+l.Digest.String(), ""), 0o644); err != nil {
				t.Fatal(err)
			}
			readImageLayer(t, f, img.Files)
		}
		return img
	}
	t.Fatalf("%s has no linux/%s image", ref, arch)
	return nil
}
