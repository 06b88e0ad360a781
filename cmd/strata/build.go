package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/containerd/platforms"
	"github.com/docker/cli/cli/config"
	"github.com/moby/buildkit/client"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/auth/authprovider"
	"github.com/moby/buildkit/util/progress/progressui"
	digest "github.com/opencontainers/go-digest"
	"github.com/strata-build/strata/frontend"
	"github.com/tonistiigi/fsutil"
	"golang.org/x/sync/errgroup"
)

// buildFlags are the flags of `strata build` and `strata llb`; they mean
// what they mean in `docker buildx build`.
type buildFlags struct {
	file, target, progress string
	platforms              list
	buildArgs, contexts    list
	outputs                list
	cacheFrom, cacheTo     list
	secrets, ssh           list
	noCache                bool
	contextDir             string
}

func (f *buildFlags) register(fs *flag.FlagSet, withOutputs bool) {
	f.platforms.split = true
	for _, n := range []string{"f", "file"} {
		fs.StringVar(&f.file, n, "", "the spec file (default: CONTEXT/strata.yaml)")
	}
	fs.StringVar(&f.target, "target", "", "the target to build")
	fs.Var(&f.platforms, "platform", "target platforms, such as linux/amd64,linux/arm64 (default: the build platform)")
	fs.Var(&f.buildArgs, "build-arg", "a build argument NAME=VALUE (repeatable)")
	fs.Var(&f.contexts, "build-context", "a named context NAME=REF: docker-image://REF, a URL or a local path (repeatable)")
	fs.Var(&f.secrets, "secret", "a secret for the build: id=ID[,src=FILE|,env=VAR] (repeatable)")
	fs.Var(&f.ssh, "ssh", "an SSH agent or keys to forward: default, or ID=PATH[,PATH] (repeatable)")
	fs.StringVar(&f.progress, "progress", "auto", "progress output: auto, tty, plain, quiet or rawjson")
	if withOutputs {
		for _, n := range []string{"o", "output"} {
			fs.Var(&f.outputs, n, "an output: type=local,dest=DIR | type=tar,dest=FILE | type=oci,dest=FILE | type=image,name=REF[,push=true] | type=cacheonly")
		}
		fs.Var(&f.cacheFrom, "cache-from", "a cache source, such as type=registry,ref=REF (repeatable)")
		fs.Var(&f.cacheTo, "cache-to", "a cache destination, such as type=registry,ref=REF,mode=max (repeatable)")
		fs.BoolVar(&f.noCache, "no-cache", false, "do not use the cache")
	}
}

func (f *buildFlags) parse(fs *flag.FlagSet, args []string) error {
	if err := parseInterspersed(fs, args); err != nil {
		return err
	}
	switch fs.NArg() {
	case 0:
		f.contextDir = "."
	case 1:
		f.contextDir = fs.Arg(0)
	default:
		return usagef("one build context at most, got %q", fs.Args())
	}
	if f.file == "" {
		f.file = filepath.Join(f.contextDir, "strata.yaml")
	}
	return nil
}

// solveOpt maps the flags to a solve: the two local directories dockerui
// reads (context, and dockerfile for the spec), and frontend options
// named as buildx names them.
func (f *buildFlags) solveOpt(files *outputFiles) (client.SolveOpt, error) {
	opt := client.SolveOpt{FrontendAttrs: map[string]string{}, LocalMounts: map[string]fsutil.FS{}}
	a := opt.FrontendAttrs
	a["filename"] = filepath.Base(f.file)
	if f.target != "" {
		a["target"] = f.target
	}
	if len(f.platforms.values) > 0 {
		a["platform"] = strings.Join(f.platforms.values, ",")
	}
	if f.noCache {
		a["no-cache"] = ""
	}
	for _, kv := range f.buildArgs.values {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			v, ok = os.LookupEnv(k) // as buildx: --build-arg NAME takes it from the environment
		}
		if ok {
			a["build-arg:"+k] = v
		}
	}
	mounts := map[string]string{"context": f.contextDir, "dockerfile": filepath.Dir(f.file)}
	for _, kv := range f.contexts.values {
		name, ref, ok := strings.Cut(kv, "=")
		if !ok || name == "" || ref == "" {
			return opt, usagef("--build-context %q: expected NAME=REF", kv)
		}
		if isLocalContext(ref) {
			local := "context:" + name
			mounts[local] = ref
			ref = "local:" + local
		}
		a["context:"+name] = ref
	}
	// BuildKit keeps a local directory's last transfer under the session's
	// shared key and sends only files whose size, mode or time changed
	// since: without a key of their own, two checkouts built in turn would
	// share it, and a file that differs only in content would keep the
	// other checkout's. buildx keys it on the directory's base name; the
	// full path is stricter.
	abs, err := filepath.Abs(f.contextDir)
	if err != nil {
		return opt, err
	}
	opt.SharedKey = digest.FromString(abs).Encoded()
	for name, dir := range mounts {
		fs, err := fsutil.NewFS(dir)
		if err != nil {
			return opt, fmt.Errorf("%s: %w", dir, err)
		}
		opt.LocalMounts[name] = fs
	}
	if opt.Exports, err = parseOutputs(f.outputs.values, files); err != nil {
		return opt, err
	}
	if opt.CacheImports, err = parseCaches(f.cacheFrom.values); err != nil {
		return opt, err
	}
	if opt.CacheExports, err = parseCaches(f.cacheTo.values); err != nil {
		return opt, err
	}
	opt.Session = []session.Attachable{authprovider.NewDockerAuthProvider(authprovider.DockerAuthProviderConfig{
		AuthConfigProvider: authprovider.LoadAuthConfig(config.LoadDefaultConfigFile(os.Stderr)),
	})}
	if len(f.secrets.values) > 0 {
		sp, err := secretsAttachable(f.secrets.values)
		if err != nil {
			return opt, err
		}
		opt.Session = append(opt.Session, sp)
	}
	if len(f.ssh.values) > 0 {
		sp, err := sshAttachable(f.ssh.values)
		if err != nil {
			return opt, err
		}
		opt.Session = append(opt.Session, sp)
	}
	return opt, nil
}

// isLocalContext tells a local directory from the references buildx passes through.
func isLocalContext(ref string) bool {
	for _, p := range []string{"docker-image://", "oci-layout://", "target:", "input:", "git@", "http://", "https://", "git://", "ssh://"} {
		if strings.HasPrefix(ref, p) {
			return false
		}
	}
	return true
}

func build(ctx context.Context, args []string) error {
	var f buildFlags
	fs := flag.NewFlagSet("strata build", flag.ContinueOnError)
	f.register(fs, true)
	if err := f.parse(fs, args); err != nil {
		return err
	}
	files := &outputFiles{}
	opt, err := f.solveOpt(files)
	if err != nil {
		return err
	}
	_, err = solve(ctx, opt, f.progress, frontend.Build)
	return files.finish(err)
}

// printLLB asks the frontend for its graph through the convertllb
// subrequest, so that it is exactly what a build would solve.
func printLLB(ctx context.Context, args []string) error {
	var f buildFlags
	fs := flag.NewFlagSet("strata llb", flag.ContinueOnError)
	f.register(fs, false)
	if err := f.parse(fs, args); err != nil {
		return err
	}
	if len(f.platforms.values) > 1 {
		return usagef("llb prints one platform; got %d", len(f.platforms.values))
	}
	opt, err := f.solveOpt(&outputFiles{})
	if err != nil {
		return err
	}
	opt.FrontendAttrs["requestid"] = "frontend.convertllb"
	var out []byte
	_, err = solve(ctx, opt, "quiet", func(ctx context.Context, c gwclient.Client) (*gwclient.Result, error) {
		res, err := frontend.Build(ctx, c)
		if err == nil && res != nil {
			out = res.Metadata["result.json"]
		}
		return res, err
	})
	if err != nil {
		return err
	}
	var v any
	if err := json.Unmarshal(out, &v); err != nil {
		return fmt.Errorf("frontend answered no graph: %w", err)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// solve runs fn as the frontend of a build on BUILDKIT_HOST, showing
// BuildKit's progress on stderr.
func solve(ctx context.Context, opt client.SolveOpt, progress string, fn gwclient.BuildFunc) (*client.SolveResponse, error) {
	host := os.Getenv("BUILDKIT_HOST")
	if host == "" {
		host = "unix:///run/buildkit/buildkitd.sock"
	}
	c, err := client.New(ctx, host)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if opt.FrontendAttrs["platform"] == "" {
		// The default target is the worker's platform, as with buildx; left
		// empty, the in-process frontend would label the result with this
		// machine's (darwin on a Mac) while building for the worker's.
		if ws, err := c.ListWorkers(ctx); err == nil && len(ws) > 0 && len(ws[0].Platforms) > 0 {
			opt.FrontendAttrs["platform"] = platforms.Format(platforms.Normalize(ws[0].Platforms[0]))
		}
	}
	d, err := progressui.NewDisplay(os.Stderr, progressui.DisplayMode(progress))
	if err != nil {
		return nil, usagef("--progress: %v", err)
	}
	ch := make(chan *client.SolveStatus)
	eg, ctx := errgroup.WithContext(ctx)
	var resp *client.SolveResponse
	eg.Go(func() error {
		var err error
		resp, err = c.Build(ctx, opt, "strata", fn, ch)
		return err
	})
	eg.Go(func() error {
		_, err := d.UpdateFrom(context.WithoutCancel(ctx), ch)
		return err
	})
	return resp, eg.Wait()
}
