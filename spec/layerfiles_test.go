package spec

import (
	"strings"
	"testing"
)

// A layer's files, env and renamed binaries are checked with their place.
func TestLayerFilesAndEnv(t *testing.T) {
	layer := func(body string) string {
		return "version: 1\nlayers:\n  im:\n    runtime: al2023\n    sources: {debian: {packages: [imagemagick]}}\n" + body
	}
	ok := layer("    binaries: [convert=convert-im6.q16]\n    files:\n      - {from: \"usr/lib/$MULTIARCH/ImageMagick-6.*/modules-Q16\", to: lib/im}\n" +
		"    env: {MAGICK_CONFIGURE_PATH: \"${PREFIX}/etc\"}\n")
	s, err := Load("strata.yaml", []byte(ok))
	if err != nil {
		t.Fatal(err)
	}
	if l := s.Layers["im"]; l.Files[0].To != "lib/im" || l.Env["MAGICK_CONFIGURE_PATH"] != "${PREFIX}/etc" {
		t.Errorf("loaded %+v", l)
	}
	for _, tc := range []struct{ body, want string }{
		{"    binaries: [\"con vert=x\"]\n", `layers.im.binaries[0]: "con vert=x": expected NAME=PROGRAM`},
		{"    binaries: [\"convert=../bin/x\"]\n", `layers.im.binaries[0]: path "../bin/x" has a ".." element`},
		{"    binaries: [x]\n    files: [{from: ../etc, to: etc}]\n", `layers.im.files[0].from: path "../etc" has a ".." element`},
		{"    binaries: [x]\n    files: [{from: etc, to: /etc}]\n", `layers.im.files[0].to: to "/etc" must be a clean relative path`},
		{"    binaries: [x]\n    files: [{from: etc, to: ../x}]\n", `layers.im.files[0].to: to "../x" must be a clean relative path`},
		{"    binaries: [x]\n    env: {PATH: /x}\n", `layers.im.env.PATH: PATH is the runtime's`},
		{"    binaries: [x]\n    env: {\"A-B\": x}\n", `invalid variable name "A-B"`},
		{"    binaries: [\"file=\"]\n", `"file=": expected NAME=PROGRAM`},
		{"    binaries: [x]\n    files: [{to: etc}]\n", `layers.im.files[0]: missing key "from"`},
		{"    binaries: [x]\n    files: [{from: etc}]\n", `layers.im.files[0]: missing key "to"`},
	} {
		if _, err := Load("strata.yaml", []byte(layer(tc.body))); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %s", tc.body, err, tc.want)
		}
	}
}
