package layer

import (
	"reflect"
	"strings"
	"testing"
)

// A request reads back as it was written, every field set.
func TestRequestRoundTrip(t *testing.T) {
	zipped, unzipped := int64(1000), int64(2000)
	for _, req := range []Request{
		{Name: "im", Out: "/out", Epoch: 1700000000, Layer: &LayerRequest{
			Root: "/rootfs", Runtime: "custom", Glibc: "2.28", Exclude: []string{"libz.so.1"},
			MaxZipped: &zipped, MaxUnzipped: &unzipped,
			Binaries: []string{"convert=convert-im6.q16"}, DLOpen: []string{"libgomp.so.1"},
			Files: []Tree{{From: "usr/lib/$MULTIARCH/IM-*", To: "lib/im"}}, Env: map[string]string{"A": "${PREFIX}/a", "B": "b"},
			Wrapped: true, Format: "tar.gz", Prefix: "/opt", Tree: "/out/tree", Strip: "/usr/bin/strip",
		}},
		{Name: "fn-lambda", Out: "/out", Package: &PackageRequest{Files: map[string]string{"bootstrap": "/app/fn"}}},
	} {
		data, err := req.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseRequest(data)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, req) {
			t.Errorf("read back\n%+v\nwrote\n%+v\n%s", got, req, data)
		}
	}
}

// The helper refuses what the frontend could not have meant.
func TestRequestRefused(t *testing.T) {
	for data, want := range map[string]string{
		`{"name": "l", "out": "/out"}`: "exactly one of layer, package, check and image_sbom",
		`{"name": "l", "out": "/out", "layer": {"runtime": "al2023"}, "package": {"files": {}}}`: "exactly one of layer, package, check and image_sbom",
		`{"out": "/out", "package": {"files": {}}}`:                                              "name and out are required",
		`{"name": "l", "out": "/out", "layer": {"runtime": "al2023", "bins": ["x"]}}`:            `unknown field "bins"`,
		`{"name": "l", "out": "/out", "package": {"files": {}}} {}`:                              "trailing data",
	} {
		if _, err := ParseRequest([]byte(data)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", data, err, want)
		}
	}
	req := Request{Name: "l", Out: "/out", Layer: &LayerRequest{Runtime: "al2024"}}
	if _, err := req.BuildOptions(); err == nil || !strings.Contains(err.Error(), "expected al2023, al2,") {
		t.Errorf("unknown runtime: %v", err)
	}
}
