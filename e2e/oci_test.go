package e2e

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// image is one platform's image of an OCI layout, read back for checks.
type image struct {
	Platform string
	Config   ocispecs.Image
	Files    map[string]*tarFile // path (no leading /) → file, the last layer's wins
}

type tarFile struct {
	Header *tar.Header
	Data   []byte
}

// readLayout reads every platform image of an OCI layout directory
// (-o type=oci,tar=false,dest=DIR).
func readLayout(t *testing.T, dir string, want ...string) map[string]*image {
	t.Helper()
	var idx ocispecs.Index
	readJSON(t, filepath.Join(dir, "index.json"), &idx)
	out := map[string]*image{}
	var walk func(ds []ocispecs.Descriptor)
	walk = func(ds []ocispecs.Descriptor) {
		for _, d := range ds {
			switch d.MediaType {
			case ocispecs.MediaTypeImageIndex, "application/vnd.docker.distribution.manifest.list.v2+json":
				var sub ocispecs.Index
				readJSON(t, blob(dir, d), &sub)
				walk(sub.Manifests)
			case ocispecs.MediaTypeImageManifest, "application/vnd.docker.distribution.manifest.v2+json":
				if d.Annotations["vnd.docker.reference.type"] == "attestation-manifest" {
					continue
				}
				var m ocispecs.Manifest
				readJSON(t, blob(dir, d), &m)
				img := &image{Files: map[string]*tarFile{}}
				readJSON(t, blob(dir, m.Config), &img.Config)
				img.Platform = img.Config.OS + "/" + img.Config.Architecture
				for _, l := range m.Layers {
					readLayer(t, blob(dir, l), img.Files)
				}
				out[img.Platform] = img
			}
		}
	}
	walk(idx.Manifests)
	for _, p := range want {
		if out[p] == nil {
			t.Fatalf("the layout has no %s image; it has %v", p, keys(out))
		}
	}
	if len(out) != len(want) {
		t.Fatalf("the layout has images for %v, want %v", keys(out), want)
	}
	return out
}

func blob(dir string, d ocispecs.Descriptor) string {
	return filepath.Join(dir, "blobs", d.Digest.Algorithm().String(), d.Digest.Encoded())
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	dt, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(dt, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// readLayer applies a layer to files; small files keep their content.
func readLayer(t *testing.T, path string, files map[string]*tarFile) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(h.Name, "./")
		name = strings.TrimSuffix(name, "/")
		if base := filepath.Base(name); strings.HasPrefix(base, ".wh.") {
			delete(files, filepath.Join(filepath.Dir(name), strings.TrimPrefix(base, ".wh.")))
			continue
		}
		tf := &tarFile{Header: h}
		if h.Typeflag == tar.TypeReg && h.Size < 64<<20 {
			if tf.Data, err = io.ReadAll(tr); err != nil {
				t.Fatal(err)
			}
		}
		files[name] = tf
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
