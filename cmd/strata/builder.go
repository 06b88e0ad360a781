package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/moby/buildkit/client"
	_ "github.com/moby/buildkit/client/connhelper/dockercontainer" // docker-container:// endpoints
	digest "github.com/opencontainers/go-digest"
)

// defaultHost is buildkitd's own default socket.
const defaultHost = "unix:///run/buildkit/buildkitd.sock"

// endpoint is the buildkitd a build goes to, and how it was chosen.
type endpoint struct {
	addr  string
	from  string // "BUILDKIT_HOST", `builder "x" (--builder)`, ...
	opts  []client.ClientOpt
	store string // buildx's store, named when no BuildKit answers
}

// env is the part of the environment builder discovery reads (a map in
// tests).
type env func(string) string

// findBuilder chooses the buildkitd, in this order: --builder NAME (a
// flag beats any variable), BUILDKIT_HOST, BUILDX_BUILDER, buildx's
// current builder, the default socket. A builder named by --builder or
// BUILDX_BUILDER must exist in buildx's store.
func findBuilder(flag string, getenv env) (endpoint, error) {
	ep, err := chooseBuilder(flag, getenv)
	ep.store = buildxDir(getenv)
	return ep, err
}

func chooseBuilder(flag string, getenv env) (endpoint, error) {
	if flag != "" {
		return namedBuilder(flag, "--builder", getenv)
	}
	if h := getenv("BUILDKIT_HOST"); h != "" {
		return endpoint{addr: h, from: "BUILDKIT_HOST"}, nil
	}
	if n := getenv("BUILDX_BUILDER"); n != "" {
		return namedBuilder(n, "BUILDX_BUILDER", getenv)
	}
	name, err := currentBuilder(getenv)
	if err != nil {
		return endpoint{}, err
	}
	if name != "" {
		return namedBuilder(name, "buildx's current builder", getenv)
	}
	return endpoint{addr: defaultHost, from: "the default socket"}, nil
}

// buildxDir is buildx's store: $BUILDX_CONFIG, else the buildx folder
// beside the docker config ($DOCKER_CONFIG or ~/.docker).
func buildxDir(getenv env) string {
	if d := getenv("BUILDX_CONFIG"); d != "" {
		return d
	}
	if d := getenv("DOCKER_CONFIG"); d != "" {
		return filepath.Join(d, "buildx")
	}
	home := getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	return filepath.Join(home, ".docker", "buildx")
}

// currentBuilder is the builder `docker buildx use` chose, read as buildx
// reads it: the current file when it is global or for this docker
// endpoint, else the endpoint's default in defaults/. "" when none (the
// docker driver's default builder is none that strata can use).
func currentBuilder(getenv env) (string, error) {
	dir := buildxDir(getenv)
	key := getenv("DOCKER_HOST")
	if key == "" {
		key = "unix:///var/run/docker.sock"
	}
	dt, err := os.ReadFile(filepath.Join(dir, "current"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	if err == nil {
		var c struct {
			Key, Name string
			Global    bool
		}
		if err := json.Unmarshal(dt, &c); err != nil {
			return "", fmt.Errorf("buildx's current builder (%s): %w", filepath.Join(dir, "current"), err)
		}
		if c.Name != "" && (c.Global || c.Key == key) {
			return c.Name, nil
		}
	}
	dt, err = os.ReadFile(filepath.Join(dir, "defaults", digest.FromString(key).Encoded()[:20]))
	if err != nil {
		return "", nil
	}
	return strings.TrimSpace(string(dt)), nil
}

// builderName is a name buildx accepts.
var builderName = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9._-]*$`)

// namedBuilder reads buildx's instances/NAME: a remote builder's endpoint
// (with its TLS files), or a docker-container builder's container.
func namedBuilder(name, from string, getenv env) (endpoint, error) {
	dir := buildxDir(getenv)
	if !builderName.MatchString(name) {
		return endpoint{}, usagef("builder name %q (%s): a letter, then letters, digits and ._-", name, from)
	}
	file := filepath.Join(dir, "instances", strings.ToLower(name))
	dt, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return endpoint{}, fmt.Errorf("no builder %q (%s) in buildx's store %s: `docker buildx ls` lists them", name, from, dir)
	}
	if err != nil {
		return endpoint{}, err
	}
	var ng struct {
		Name, Driver string
		Nodes        []struct {
			Name, Endpoint string
			DriverOpts     map[string]string
		}
	}
	if err := json.Unmarshal(dt, &ng); err != nil {
		return endpoint{}, fmt.Errorf("builder %q (%s): %w", name, file, err)
	}
	if len(ng.Nodes) == 0 {
		return endpoint{}, fmt.Errorf("builder %q (%s) has no nodes", name, from)
	}
	n := ng.Nodes[0]
	ep := endpoint{from: fmt.Sprintf("builder %q (%s)", ng.Name, from)}
	switch ng.Driver {
	case "remote":
		ep.addr = n.Endpoint
		o := n.DriverOpts
		if o["cacert"] != "" {
			ep.opts = append(ep.opts, client.WithServerConfig(o["servername"], o["cacert"]))
		}
		if o["cert"] != "" || o["key"] != "" {
			ep.opts = append(ep.opts, client.WithCredentials(o["cert"], o["key"]))
		}
	case "docker-container":
		ep.addr = "docker-container://buildx_buildkit_" + n.Name
	default:
		return endpoint{}, fmt.Errorf("builder %q (%s) has driver %q; strata reaches remote and docker-container builders, or set BUILDKIT_HOST", ng.Name, from, ng.Driver)
	}
	return ep, nil
}

// connect opens a client to the endpoint and checks that it answers, with
// one message naming every way of choosing a builder when it does not.
func connect(ctx context.Context, ep endpoint) (*client.Client, []*client.WorkerInfo, error) {
	c, err := client.New(ctx, ep.addr, ep.opts...)
	if err == nil {
		wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		var ws []*client.WorkerInfo
		ws, err = c.ListWorkers(wctx)
		cancel()
		if err == nil {
			return c, ws, nil
		}
		c.Close()
	}
	if ctx.Err() != nil {
		return nil, nil, ctx.Err()
	}
	return nil, nil, unreachable(ep, err)
}

func unreachable(ep endpoint, err error) error {
	return fmt.Errorf(`no BuildKit answers at %s (%s): %v
strata looks for BuildKit, in this order:
  --builder NAME          a builder of buildx's store (%s), remote or docker-container
  BUILDKIT_HOST           an address, such as unix:///run/buildkit/buildkitd.sock or tcp://host:1234
  BUILDX_BUILDER          as --builder; else buildx's current builder (docker buildx use NAME)
  the default socket      %s
Start one with 'buildkitd' (as root), then, for a socket elsewhere, set BUILDKIT_HOST or
'docker buildx create --name NAME --driver remote unix:///path/to/buildkitd.sock && docker buildx use NAME';
or 'docker buildx create --use' for one in a docker container`,
		ep.addr, ep.from, err, ep.store, defaultHost)
}
