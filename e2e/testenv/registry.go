package testenv

import (
	"encoding/json"
	"io"
	"net/http"
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
	get := func(url, accept string) []byte {
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
	accept := strings.Join([]string{ocispecs.MediaTypeImageIndex, ocispecs.MediaTypeImageManifest,
		"application/vnd.docker.distribution.manifest.list.v2+json", "application/vnd.docker.distribution.manifest.v2+json"}, ", ")
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
			sub := get(base+"/manifests/"+d.Digest.String(), accept)
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
	top := get(base+"/manifests/"+tag, accept)
	out = append(out, RegistryBlob{tag, top})
	walk(top)
	return out
}
