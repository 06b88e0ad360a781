package spec

import (
	"errors"
	"strings"
	"testing"

	"github.com/strata-build/strata/facts"
)

const goodSpec = `# syntax=localhost:5000/strata/frontend:dev
version: 1
apps:
  web:
    lang: go
    path: ./svc
    go:
      package: ./cmd/web
      tags: [netgo]
    image:
      ports: [8080, 9090/udp]
      env:
        MODE: production
      labels:
        org.opencontainers.image.title: web
`

func TestLoadDefaults(t *testing.T) {
	s, err := Load("strata.yaml", []byte(goodSpec))
	if err != nil {
		t.Fatal(err)
	}
	a := s.Apps["web"]
	if a.Path != "svc" || a.Binary != "web" || a.Go.Version != facts.DefaultGoVersion || a.Go.Ldflags != facts.DefaultGoLdflags {
		t.Errorf("defaults not applied: %+v %+v", a, a.Go)
	}
	if a.Image.Base != facts.DefaultBaseImage || a.Image.User.UID != facts.DefaultUID || a.Image.User.GID != facts.DefaultUID {
		t.Errorf("image defaults not applied: %+v %+v", a.Image, a.Image.User)
	}
	if got := strings.Join(a.Image.Entrypoint, " "); got != "/usr/local/bin/web" {
		t.Errorf("entrypoint = %q", got)
	}
	if got := strings.Join(a.Image.Ports, ","); got != "8080,9090/udp" {
		t.Errorf("ports = %q", got)
	}
	if p := s.Pos("apps.web.image.ports[1]"); p.Line != 11 || p.Col != 21 {
		t.Errorf("position of ports[1] = %+v", p)
	}
	if p := s.Pos("apps.web"); p.Line != 4 || p.EndLine != 15 {
		t.Errorf("position of apps.web = %+v", p)
	}
	// A defaulted value has no position of its own: its parent's stands in.
	if p := s.Pos("apps.web.image.base"); p.Line != 10 {
		t.Errorf("position of a default = %+v", p)
	}
}

func TestRustDefaults(t *testing.T) {
	s, err := Load("strata.yaml", []byte("version: 1\napps:\n  api:\n    lang: rust\n    rust:\n      bins: [server, cli]\n"))
	if err != nil {
		t.Fatal(err)
	}
	a := s.Apps["api"]
	r := a.Rust
	if a.Binary != "server" || r.Version != facts.DefaultRustVersion || r.Profile != "release" || r.Libc != "gnu" ||
		r.Glibc != "2.17" || !*r.Strip || r.Zig != facts.DefaultZig {
		t.Errorf("defaults: binary %q, %+v", a.Binary, r)
	}
	if got := strings.Join(a.Programs(), ","); got != "server,cli" {
		t.Errorf("programs = %q", got)
	}
	if a.Image.Entrypoint[0] != "/usr/local/bin/server" {
		t.Errorf("entrypoint = %v", a.Image.Entrypoint)
	}
}

func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct {
		name, spec, want string
	}{
		{"unknown language", "version: 1\napps:\n  web:\n    lang: rsut\n",
			`strata.yaml:4:5: apps.web.lang: unknown language "rsut" (expected go, rust, python)`},
		{"unknown key", "version: 1\napps:\n  web:\n    lang: go\n    lnag: go\n",
			`strata.yaml:5:5: apps.web: unknown key "lnag" (expected binary, build_packages, debian, functions, go, image, lang, packages, path, python, rust)`},
		{"wrong type", "version: 1\napps:\n  web:\n    lang: go\n    go:\n      cgo: maybe\n",
			`strata.yaml:6:12: apps.web.go.cgo: expected true or false, got "maybe"`},
		{"list for string", "version: 1\napps:\n  web:\n    lang: [go]\n",
			`strata.yaml:4:11: apps.web.lang: expected a string, got a list`},
		{"version", "version: 2\napps:\n  web:\n    lang: go\n",
			`strata.yaml:1:1: version: unsupported version 2 (expected 1)`},
		{"missing version", "apps:\n  web:\n    lang: go\n",
			`strata.yaml:1:1: missing key "version" (expected version: 1)`},
		{"version as string", "version: \"1\"\napps:\n  web: {lang: go}\n",
			`strata.yaml:1:10: version: expected an integer, got "1"`},
		{"rust binary not a bin", "version: 1\napps:\n  web:\n    lang: rust\n    rust:\n      bins: [api, worker]\n    binary: web\n",
			`strata.yaml:6:7: apps.web.rust.bins: the app's binary "web" must be one of bins (api, worker)`},
		{"rust glibc", "version: 1\napps:\n  web:\n    lang: rust\n    rust: {glibc: \"2.12\"}\n",
			`strata.yaml:5:12: apps.web.rust.glibc: glibc 2.12 is older than 2.17`},
		{"python version", "version: 1\napps:\n  web:\n    lang: python\n    python: {version: \"3.7\", module: app}\n",
			`strata.yaml:5:14: apps.web.python.version: unknown Python version "3.7" (expected 3.9, 3.10, 3.11, 3.12 or 3.13)`},
		{"python entry", "version: 1\napps:\n  web:\n    lang: python\n",
			`strata.yaml:3:3: apps.web.python: what the image runs: set one of module`},
		{"python two entries", "version: 1\napps:\n  web:\n    lang: python\n    python: {module: app, script: app.py}\n",
			`strata.yaml:5:27: apps.web.python.script: module and script both say what the image runs`},
		{"go glibc", "version: 1\napps:\n  web:\n    lang: go\n    go: {cgo: true, glibc: \"2.12\"}\n",
			`strata.yaml:5:21: apps.web.go.glibc: glibc 2.12 is older than 2.17`},
		{"go glibc without cgo", "version: 1\napps:\n  web:\n    lang: go\n    go: {glibc: \"2.28\"}\n",
			`strata.yaml:5:10: apps.web.go.glibc: a glibc floor is for cgo programs`},
		{"rust libc", "version: 1\napps:\n  web:\n    lang: rust\n    rust: {libc: uclibc}\n",
			`strata.yaml:5:12: apps.web.rust.libc: unknown libc "uclibc" (expected gnu or musl)`},
		{"rust options on go", "version: 1\napps:\n  web:\n    lang: go\n    rust: {}\n",
			`strata.yaml:5:5: apps.web.rust: rust options on a go app`},
		{"package name", "version: 1\napps:\n  web:\n    lang: rust\n    packages: [libssl3, \"Bad Name\"]\n",
			`strata.yaml:5:25: apps.web.packages[1]: invalid package name "Bad Name"`},
		{"build packages name", "version: 1\napps:\n  web:\n    lang: rust\n    build_packages:\n      - libssl-dev\n      - -oops\n",
			`strata.yaml:7:9: apps.web.build_packages[1]: invalid package name "-oops"`},
		{"build packages musl", "version: 1\napps:\n  web:\n    lang: rust\n    rust: {libc: musl}\n    build_packages: [libssl-dev]\n",
			`strata.yaml:6:5: apps.web.build_packages: build_packages are Debian's, linked against glibc: they need rust.libc gnu`},
		{"build packages go", "version: 1\napps:\n  web:\n    lang: go\n    build_packages: [libsqlite3-dev]\n",
			`strata.yaml:5:5: apps.web.build_packages: build_packages are for C code: a Go app needs go.cgo: true`},
		{"app mirror", "version: 1\napps:\n  web:\n    lang: go\n    debian: {mirror: \"http://mirror.example/deb\"}\n",
			`strata.yaml:5:5: apps.web.debian.security: security updates are looked up at MIRROR-security`},
		{"app suite", "version: 1\napps:\n  web:\n    lang: go\n    debian: {suite: jessie}\n",
			`strata.yaml:5:14: apps.web.debian.suite: unknown suite "jessie" (expected bookworm, bullseye or trixie)`},
		{"no targets", "version: 1\n", `strata.yaml:1:1: no targets: add an entry under apps or layers`},
		{"empty", "# syntax=x\n", `strata.yaml:1:1: the spec is empty`},
		{"syntax", "version: 1\napps:\n  web:\n    lang: go\n   bad: [\n",
			`invalid YAML: did not find expected key`},
		{"escape", "version: 1\napps:\n  web:\n    lang: go\n    path: ../other\n",
			`strata.yaml:5:5: apps.web.path: path "../other" leaves the build context`},
		{"absolute", "version: 1\napps:\n  web:\n    lang: go\n    path: /etc\n",
			`strata.yaml:5:5: apps.web.path: path "/etc" must be relative to the build context`},
		{"root user", "version: 1\napps:\n  web:\n    lang: go\n    image:\n      user: {name: x, uid: 0}\n",
			`strata.yaml:6:23: apps.web.image.user.uid: uid 0 is not allowed`},
		{"port", "version: 1\napps:\n  web:\n    lang: go\n    image:\n      ports: [http]\n",
			`strata.yaml:6:15: apps.web.image.ports[0]: invalid port "http"`},
		{"duplicate", "version: 1\napps:\n  web:\n    lang: go\n    lang: go\n",
			`strata.yaml:5:5: apps.web: duplicate key "lang"`},
		{"two documents", "version: 1\napps: {web: {lang: go}}\n---\nversion: 1\n",
			`a spec is one YAML document`},
		{"bad name", "version: 1\napps:\n  Web:\n    lang: go\n",
			`strata.yaml:3:3: apps.Web: invalid target name "Web"`},
		{"null app", "version: 1\napps:\n  web:\n",
			`strata.yaml:3:3: apps.web: expected a mapping with at least lang`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load("strata.yaml", []byte(tc.spec))
			if err == nil {
				t.Fatalf("no error; want %s", tc.want)
			}
			if !strings.HasPrefix(err.Error(), tc.want) && !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error:\n%s\nwant:\n%s", err, tc.want)
			}
			var list Errors
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error is %T, want Errors", err)
			}
		})
	}
}

func TestTargetSelection(t *testing.T) {
	s, err := Load("s.yaml", []byte("version: 1\napps:\n  a: {lang: go}\n  b: {lang: go}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Target(""); err == nil || !strings.Contains(err.Error(), "choose one with --target (one of a, b)") {
		t.Errorf("no target among several: %v", err)
	}
	if _, err := s.Target("c"); err == nil || !strings.Contains(err.Error(), `unknown target "c" (expected one of a, b)`) {
		t.Errorf("unknown target: %v", err)
	}
	if tg, err := s.Target("b"); err != nil || tg.App != s.Apps["b"] || tg.Path != "apps.b" {
		t.Errorf("target b: %+v %v", tg, err)
	}
}

func TestAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 9; i++ {
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			b.WriteString("*a" + string(rune('0'+i-1)) + ",")
		}
		b.WriteString("]\n")
	}
	b.WriteString("version: 1\napps:\n  web:\n    lang: go\n    go:\n      tags: *a8\n")
	_, err := Load("s.yaml", []byte(b.String()))
	if err == nil {
		t.Fatal("an alias bomb loaded")
	}
}

const layerSpec = `version: 1
apps:
  tool:
    lang: go
layers:
  ffmpeg:
    runtime: al2023
    sources:
      debian:
        packages: [ffmpeg]
      apps: [tool]
    binaries: [ffmpeg, ffprobe]
    dlopen: [libva-drm.so.2]
`

func TestLoadLayer(t *testing.T) {
	s, err := Load("strata.yaml", []byte(layerSpec))
	if err != nil {
		t.Fatal(err)
	}
	l := s.Layers["ffmpeg"]
	if l.Prefix != "/opt" || l.Format != "zip" || l.Sources.Debian.Suite != "bookworm" || l.Sources.Debian.Mirror != facts.DefaultDebianMirror {
		t.Errorf("layer defaults: %+v %+v", l, l.Sources.Debian)
	}
	if got := strings.Join(s.Targets(), ","); got != "tool,ffmpeg" {
		t.Errorf("targets = %s", got)
	}
}

func TestLayerErrors(t *testing.T) {
	for _, tc := range []struct{ edit, want string }{
		{"runtime: al2023\n", `apps.tool: unknown key`},
		{"runtime: lambda\n", `layers.ffmpeg.runtime: unknown runtime "lambda" (expected al2023, al2, fc-debian10, fc-debian11, fc-debian12, custom)`},
		{"runtime: custom\n", `layers.ffmpeg.glibc: a custom runtime needs its glibc version`},
		{"apps: [nope]\n", `layers.ffmpeg.sources.apps[0]: unknown app "nope" (expected one of tool)`},
		{"packages: [Bad_Name]\n", `layers.ffmpeg.sources.debian.packages[0]: invalid package name "Bad_Name"`},
		{"binaries: []\n", `missing key "binaries"`},
	} {
		key := strings.SplitN(tc.edit, ":", 2)[0]
		var out []string
		for _, line := range strings.Split(layerSpec, "\n") {
			if strings.TrimSpace(line) != "" && strings.HasPrefix(strings.TrimSpace(line), key+":") && strings.Contains(line, "    ") {
				line = line[:strings.Index(line, key)] + strings.TrimSuffix(tc.edit, "\n")
			}
			out = append(out, line)
		}
		if tc.want == `apps.tool: unknown key` {
			out = append(out[:4], append([]string{"    runtime: al2023"}, out[4:]...)...)
		}
		_, err := Load("strata.yaml", []byte(strings.Join(out, "\n")))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %s", tc.edit, err, tc.want)
		}
	}
}

// A layer's size limits are integers of bytes, which may be past 32 bits.
func TestLayerSizeLimits(t *testing.T) {
	s, err := Load("strata.yaml", []byte(layerSpec+"    max_zipped: 5000000000\n    max_unzipped: 262144000\n"))
	if err != nil {
		t.Fatal(err)
	}
	if l := s.Layers["ffmpeg"]; l.MaxZipped == nil || *l.MaxZipped != 5000000000 || l.MaxUnzipped == nil || *l.MaxUnzipped != 262144000 {
		t.Errorf("limits %v %v", l.MaxZipped, l.MaxUnzipped)
	}
	if _, err := Load("strata.yaml", []byte(layerSpec+"    max_zipped: 50MB\n")); err == nil || !strings.Contains(err.Error(), "layers.ffmpeg.max_zipped: expected an integer") {
		t.Errorf("a limit that is no integer: %v", err)
	}
}
