package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	digest "github.com/opencontainers/go-digest"
)

// store writes a fake buildx store: instances as buildx writes them (the
// dev environment's remote builder "strata" is one), and its current file.
func store(t *testing.T, current string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"instances/strata": `{"Name":"strata","Driver":"remote","Nodes":[{"Name":"strata0","Endpoint":"unix:///var/lib/strata-dev/buildkitd.sock","Platforms":null,"DriverOpts":null,"Flags":null,"Files":null}],"Dynamic":false}`,
		"instances/tls":    `{"Name":"tls","Driver":"remote","Nodes":[{"Name":"tls0","Endpoint":"tcp://buildkit:1234","DriverOpts":{"cacert":"/c/ca.pem","cert":"/c/cert.pem","key":"/c/key.pem","servername":"buildkit"}}]}`,
		"instances/box":    `{"Name":"box","Driver":"docker-container","Nodes":[{"Name":"box0","Endpoint":"unix:///var/run/docker.sock"}]}`,
		"instances/kube":   `{"Name":"kube","Driver":"kubernetes","Nodes":[{"Name":"kube0","Endpoint":"kubernetes:///kube"}]}`,
		"instances/empty":  `{"Name":"empty","Driver":"remote","Nodes":[]}`,
	}
	if current != "" {
		files["current"] = current
	}
	for name, dt := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(dt), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func envOf(m map[string]string) env { return func(k string) string { return m[k] } }

// --builder, then BUILDKIT_HOST, BUILDX_BUILDER, buildx's current builder,
// the default socket.
func TestFindBuilder(t *testing.T) {
	dir := store(t, `{"Key":"unix:///var/run/docker.sock","Name":"box","Global":false}`)
	for _, tc := range []struct {
		flag string
		env  map[string]string
		addr string
		from string
	}{
		{"strata", map[string]string{"BUILDKIT_HOST": "tcp://h:1", "BUILDX_BUILDER": "tls"}, "unix:///var/lib/strata-dev/buildkitd.sock", `builder "strata" (--builder)`},
		{"", map[string]string{"BUILDKIT_HOST": "tcp://h:1", "BUILDX_BUILDER": "tls"}, "tcp://h:1", "BUILDKIT_HOST"},
		{"", map[string]string{"BUILDX_BUILDER": "tls"}, "tcp://buildkit:1234", `builder "tls" (BUILDX_BUILDER)`},
		{"", map[string]string{"BUILDX_BUILDER": "Strata"}, "unix:///var/lib/strata-dev/buildkitd.sock", `builder "strata" (BUILDX_BUILDER)`},
		{"", nil, "docker-container://buildx_buildkit_box0", `builder "box" (buildx's current builder)`},
		// The current builder is another docker endpoint's.
		{"", map[string]string{"DOCKER_HOST": "tcp://docker:2375"}, defaultHost, "the default socket"},
	} {
		e := map[string]string{"BUILDX_CONFIG": dir}
		for k, v := range tc.env {
			e[k] = v
		}
		ep, err := findBuilder(tc.flag, envOf(e))
		if err != nil || ep.addr != tc.addr || ep.from != tc.from || ep.store != dir {
			t.Errorf("--builder %q, %v: %+v, %v; want %s from %s", tc.flag, tc.env, ep, err, tc.addr, tc.from)
		}
	}
	ep, err := findBuilder("tls", envOf(map[string]string{"BUILDX_CONFIG": dir}))
	if err != nil || len(ep.opts) != 2 {
		t.Errorf("a remote builder with TLS: %+v, %v, want its CA and client certificate", ep, err)
	}
	for name, want := range map[string]string{"nope": `no builder "nope"`, "../strata": "builder name", "kube": `driver "kubernetes"`, "empty": "no nodes"} {
		if _, err := findBuilder(name, envOf(map[string]string{"BUILDX_CONFIG": dir})); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("--builder %s: %v, want %q", name, err, want)
		}
	}
}

// buildx's current file: global, for this docker endpoint, or the
// endpoint's default; the docker driver's default builder is none.
func TestCurrentBuilder(t *testing.T) {
	for current, want := range map[string]string{
		`{"Key":"tcp://elsewhere:2375","Name":"strata","Global":true}`:   "strata",
		`{"Key":"tcp://elsewhere:2375","Name":"strata","Global":false}`:  "",
		`{"Key":"unix:///var/run/docker.sock","Name":"","Global":false}`: "",
		``: "",
	} {
		dir := store(t, current)
		if got, err := currentBuilder(envOf(map[string]string{"BUILDX_CONFIG": dir})); err != nil || got != want {
			t.Errorf("current %s: %q, %v, want %q", current, got, err, want)
		}
	}
	dir := store(t, `{"Key":"unix:///var/run/docker.sock"}`)
	def := filepath.Join(dir, "defaults", digest.FromString("unix:///var/run/docker.sock").Encoded()[:20])
	if err := os.MkdirAll(filepath.Dir(def), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(def, []byte("tls"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := currentBuilder(envOf(map[string]string{"BUILDX_CONFIG": dir})); err != nil || got != "tls" {
		t.Errorf("the endpoint's default: %q, %v", got, err)
	}
}

// The store is $BUILDX_CONFIG, else beside the docker config.
func TestBuildxDir(t *testing.T) {
	for want, e := range map[string]map[string]string{
		"/b":                {"BUILDX_CONFIG": "/b", "DOCKER_CONFIG": "/d", "HOME": "/h"},
		"/d/buildx":         {"DOCKER_CONFIG": "/d", "HOME": "/h"},
		"/h/.docker/buildx": {"HOME": "/h"},
	} {
		if got := buildxDir(envOf(e)); got != want {
			t.Errorf("%v: %s, want %s", e, got, want)
		}
	}
}

// When no BuildKit answers: one message with every way to choose one and
// how to start one.
func TestUnreachable(t *testing.T) {
	ep := endpoint{addr: "unix://" + filepath.Join(t.TempDir(), "none.sock"), from: "the default socket", store: "/s/buildx"}
	_, _, err := connect(context.Background(), ep)
	if err == nil {
		t.Fatal("connected to nothing")
	}
	for _, want := range []string{ep.addr, "the default socket", "--builder NAME", "BUILDKIT_HOST", "BUILDX_BUILDER", "current builder", defaultHost, "/s/buildx", "buildkitd", "docker buildx create"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the message lacks %q:\n%v", want, err)
		}
	}
}
