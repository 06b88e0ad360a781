package lint

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/strata-build/strata/facts"
	"github.com/strata-build/strata/spec"
)

const pinned = "debian:bookworm-slim@sha256:0000000000000000000000000000000000000000000000000000000000000000"

func load(t *testing.T, yaml string) *spec.Spec {
	t.Helper()
	s, err := spec.Load("strata.yaml", []byte(yaml))
	if err != nil {
		t.Fatalf("%v\n%s", err, yaml)
	}
	return s
}

// found runs one rule and lists its warnings as "line: detail" (line 0
// for none).
func found(t *testing.T, rule string, in Input) []string {
	t.Helper()
	var skip []string
	for _, r := range Rules {
		if r.Name != rule {
			skip = append(skip, r.Name)
		}
	}
	var out []string
	for _, w := range Run(in, Config{Skip: skip}) {
		line := 0
		if w.Path != "" {
			line = in.Spec.Pos(w.Path).Line
		}
		out = append(out, fmt.Sprintf("%d: %s", line, w.Detail))
	}
	return out
}

func check(t *testing.T, rule string, in Input, want ...string) {
	t.Helper()
	got := found(t, rule, in)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n got %q\nwant %q", rule, got, want)
	}
}

func TestUnpinnedBaseImage(t *testing.T) {
	s := load(t, `version: 1
apps:
  a:
    lang: go
  b:
    lang: go
    image: {base: debian:bookworm-slim}
  c:
    lang: go
    image: {base: `+pinned+`}
  d:
    lang: go
    image: {base: scratch}
  e:
    lang: python
    python: {module: app}
layers:
  l:
    runtime: al2023
    sources:
      images:
        - {ref: "alpine:3", paths: [/bin]}
        - {ref: "alpine@sha256:0000000000000000000000000000000000000000000000000000000000000000", paths: [/bin]}
    binaries: [sh]
`)
	check(t, "UnpinnedBaseImage", Input{Spec: s},
		"3: apps.a.image.base: the default base debian:bookworm-slim is a tag, not a digest: set image.base with @sha256:",
		"7: apps.b.image.base: base image debian:bookworm-slim is not pinned by digest",
		"14: apps.e.image.base: the default base python:VERSION-slim-bookworm is a tag, not a digest: set image.base with @sha256:",
		"22: layers.l.sources.images[0].ref: source image alpine:3 is not pinned by digest")
}

func TestDebianSuiteOf(t *testing.T) {
	for ref, want := range map[string]string{
		"debian:bullseye-slim":                  "bullseye",
		"debian:bookworm":                       "bookworm",
		"python:3.11-slim-bookworm":             "bookworm",
		"rust:1.85-trixie":                      "trixie",
		"debian:12-slim":                        "bookworm",
		"debian:11.9":                           "bullseye",
		"debian:13":                             "trixie",
		"gcr.io/distroless/cc-debian12":         "bookworm",
		"gcr.io/distroless/cc-debian11:nonroot": "bullseye",
		pinned:                                  "bookworm",
		"ubuntu:22.04":                          "",
		"python:3.11-slim":                      "",
		"debian@sha256:0000000000000000000000000000000000000000000000000000000000000000": "",
		"myorg/debian:12": "",
		"scratch":         "",
	} {
		if got := DebianSuiteOf(ref); got != want {
			t.Errorf("%s: %q, want %q", ref, got, want)
		}
	}
}

// Every Debian suite Strata knows has its release number and its glibc.
func TestDebianVersions(t *testing.T) {
	for _, s := range facts.DebianSuites {
		if debianVersions[s] == "" || facts.DebianGlibc[s] == "" {
			t.Errorf("suite %s: release %q, glibc %q", s, debianVersions[s], facts.DebianGlibc[s])
		}
	}
}

func TestGlibcAboveBaseImage(t *testing.T) {
	s := load(t, `version: 1
apps:
  old:
    lang: rust
    rust: {glibc: "2.34"}
    image: {base: "debian:bullseye-slim"}
  ok:
    lang: rust
    rust: {glibc: "2.36"}
  new:
    lang: rust
    rust: {glibc: "2.38"}
  unknown:
    lang: rust
    rust: {glibc: "2.38"}
    image: {base: "ubuntu:24.04"}
  musl:
    lang: rust
    rust: {libc: musl}
    image: {base: "debian:bullseye"}
  default:
    lang: rust
    image: {base: "debian:bullseye"}
  cgo:
    lang: go
    go: {cgo: true, glibc: "2.34"}
    image: {base: "gcr.io/distroless/cc-debian11"}
`)
	check(t, "GlibcAboveBaseImage", Input{Spec: s},
		"5: apps.old.rust.glibc: glibc 2.34 is above 2.31, the glibc of debian:bullseye-slim (Debian bullseye): the program would not start in its image",
		"12: apps.new.rust.glibc: glibc 2.38 is above 2.36, the glibc of debian:bookworm-slim (Debian bookworm): the program would not start in its image",
		"26: apps.cgo.go.glibc: glibc 2.34 is above 2.31, the glibc of gcr.io/distroless/cc-debian11 (Debian bullseye): the program would not start in its image")
}

func TestMissingCargoLock(t *testing.T) {
	s := load(t, `version: 1
apps:
  a:
    lang: rust
  b:
    lang: rust
    path: svc
  c:
    lang: go
`)
	if got := strings.Join(Needs(s), " "); got != "Cargo.lock svc/Cargo.lock" {
		t.Errorf("needs %s", got)
	}
	check(t, "MissingCargoLock", Input{Spec: s}) // nothing known: silent
	check(t, "MissingCargoLock", Input{Spec: s, Context: map[string]bool{"Cargo.lock": true, "svc/Cargo.lock": false}},
		"7: apps.b: the build context has no svc/Cargo.lock (or .dockerignore leaves it out)")
	check(t, "MissingCargoLock", Input{Spec: s, Context: map[string]bool{"Cargo.lock": false, "svc/Cargo.lock": true}},
		"3: apps.a: the build context has no Cargo.lock (or .dockerignore leaves it out)")
}

func TestUnstrippedFunction(t *testing.T) {
	s := load(t, `version: 1
apps:
  r:
    lang: rust
    rust: {strip: false}
    functions: [lambda, fc]
  image-only:
    lang: rust
    rust: {strip: false}
  stripped:
    lang: rust
    rust: {strip: true}
    functions: [fc]
  g:
    lang: go
    go: {ldflags: "-w -X main.v=1"}
    functions: [lambda]
  gs:
    lang: go
    go: {ldflags: "-s -w"}
    functions: [lambda]
`)
	check(t, "UnstrippedFunction", Input{Spec: s},
		"5: apps.r.rust.strip: false, and the app has function code packages (lambda, fc)",
		`16: apps.g.go.ldflags: "-w -X main.v=1" has no -s, and the app has function code packages (lambda)`)
}

func TestTargetCacheNotExported(t *testing.T) {
	s := load(t, `version: 1
apps:
  r:
    lang: rust
    rust: {target_cache: true}
  plain:
    lang: rust
`)
	check(t, "TargetCacheNotExported", Input{Spec: s})
	check(t, "TargetCacheNotExported", Input{Spec: s, CacheImports: []string{"registry", "gha", "registry"}},
		"5: apps.r.rust.target_cache: this build imports a cache (--cache-from type=gha,registry), so its builder may be fresh: the target cache then starts from the dependency step's layer, a copy, and gains nothing")
}

func TestSecretInBuildArg(t *testing.T) {
	s := load(t, "version: 1\napps:\n  a:\n    lang: go\n")
	args := map[string]string{
		"GITHUB_TOKEN":                  "x",
		"DB_PASSWORD":                   "x",
		"api_key":                       "x",
		"AUTH":                          "x",
		"PUBLIC_KEY":                    "x", // allowed, as BuildKit's rule allows it
		"KEY_FILE":                      "x",
		"KEYBOARD":                      "x", // not a word
		"SOURCE_DATE_EPOCH":             "0",
		"GOPROXY":                       "https://user:hunter2@proxy.example.com",
		"GOPRIVATE":                     "example.com/*",
		"BUILDKIT_DOCKERFILE_CHECK":     "error=true",
		"BUILDKIT_SECRET_TOKEN_EXAMPLE": "x",
	}
	got := found(t, "SecretInBuildArg", Input{Spec: s, BuildArgs: args})
	want := []string{
		"0: build arg AUTH: its name looks like a secret's",
		"0: build arg DB_PASSWORD: its name looks like a secret's",
		"0: build arg GITHUB_TOKEN: its name looks like a secret's",
		"0: build arg GOPROXY: its value holds a URL with user:password@",
		"0: build arg api_key: its name looks like a secret's",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got %q\nwant %q", got, want)
	}
	for _, w := range got {
		if strings.Contains(w, "hunter2") {
			t.Errorf("a warning shows the secret: %s", w)
		}
	}
}

func TestSecretInImageEnv(t *testing.T) {
	s := load(t, `version: 1
apps:
  a:
    lang: go
    image:
      env:
        API_TOKEN: x
        MODE: prod
        UPSTREAM: "https://u:p@example.com"
layers:
  l:
    runtime: al2023
    sources: {debian: {packages: [curl]}}
    binaries: [curl]
    env: {CURL_SECRET: x, CURL_HOME: /opt}
`)
	check(t, "SecretInImageEnv", Input{Spec: s},
		"7: apps.a.image.env.API_TOKEN: its name looks like a secret's",
		"9: apps.a.image.env.UPSTREAM: its value holds a URL with user:password@",
		"15: layers.l.env.CURL_SECRET: its name looks like a secret's")
}

// Skipping: by name, or all; and a target keeps its own warnings.
func TestRunSkipAndWithin(t *testing.T) {
	s := load(t, `version: 1
apps:
  a:
    lang: rust
    rust: {strip: false}
    functions: [lambda]
    image: {base: "debian:bookworm", layers: [l]}
  b:
    lang: go
layers:
  l:
    runtime: al2023
    sources: {images: [{ref: "alpine:3", paths: [/bin]}]}
    binaries: [sh]
`)
	in := Input{Spec: s, BuildArgs: map[string]string{"TOKEN": "x"}}
	names := func(ws []Warning) string {
		var out []string
		for _, w := range ws {
			out = append(out, w.Rule.Name+"@"+w.Path)
		}
		return strings.Join(out, " ")
	}
	all := Run(in, Config{})
	if got, want := names(all), "SecretInBuildArg@ UnstrippedFunction@apps.a.rust.strip UnpinnedBaseImage@apps.a.image.base UnpinnedBaseImage@apps.b UnpinnedBaseImage@layers.l.sources.images[0].ref"; got != want {
		t.Errorf("all:\n got %s\nwant %s", got, want)
	}
	if got := names(Run(in, Config{SkipAll: true})); got != "" {
		t.Errorf("skip=all: %s", got)
	}
	if got, want := names(Run(in, Config{Skip: []string{"UnpinnedBaseImage", "Nope"}})), "SecretInBuildArg@ UnstrippedFunction@apps.a.rust.strip"; got != want {
		t.Errorf("skip: %s", got)
	}
	for target, want := range map[string]string{
		"a":        "SecretInBuildArg@ UnpinnedBaseImage@apps.a.image.base UnpinnedBaseImage@layers.l.sources.images[0].ref",
		"a-lambda": "SecretInBuildArg@ UnstrippedFunction@apps.a.rust.strip",
		"b":        "SecretInBuildArg@ UnpinnedBaseImage@apps.b",
		"l":        "SecretInBuildArg@ UnpinnedBaseImage@layers.l.sources.images[0].ref",
	} {
		tg, err := s.Target(target)
		if err != nil {
			t.Fatal(err)
		}
		if got := names(Within(all, tg)); got != want {
			t.Errorf("target %s:\n got %s\nwant %s", target, got, want)
		}
	}
}

// The README documents every rule: its id, its description, its fix.
func TestREADMEListsRules(t *testing.T) {
	dt, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(dt)
	for _, r := range Rules {
		row := "| `" + r.Name + "` | " + r.Description + " | " + r.Fix + " |"
		if !strings.Contains(readme, row) {
			t.Errorf("README.md lacks the row of %s:\n%s", r.Name, row)
		}
	}
}
