package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
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
	"github.com/spf13/pflag"
	"github.com/strata-build/strata/frontend"
	"github.com/tonistiigi/fsutil"
	"golang.org/x/sync/errgroup"
)

// buildFlags are the flags of `strata build` and `strata llb`; they have
// the names, short forms and meanings of `docker buildx build`'s.
type buildFlags struct {
	file, target, progress string
	platforms              []string
	buildArgs, contexts    []string
	outputs, tags          []string
	push                   bool
	cacheFrom, cacheTo     []string
	secrets, ssh           []string
	noCache, check         bool
	call, metadataFile     string
	builder                string
	contextDir             string
	callFunc               *callFunc
}

func (f *buildFlags) register(fs *pflag.FlagSet, withOutputs bool) {
	list := func(p *[]string, name, short, typ, usage string) {
		fs.VarP(&listValue{p, typ}, name, short, usage)
	}
	fs.StringVarP(&f.file, "file", "f", "", "Name of the spec `FILE` (default: CONTEXT/strata.yaml)")
	fs.StringVar(&f.target, "target", "", "Set the `TARGET` to build (default: the spec's only app or layer)")
	list(&f.platforms, "platform", "", "PLATFORMS", "Set target platforms for the build, comma-separated (default: the builder's)")
	list(&f.buildArgs, "build-arg", "", "NAME=VALUE", "Set a build-time variable (NAME alone: its value in the environment)")
	list(&f.contexts, "build-context", "", "NAME=REF", "Add a named context: docker-image://REF, a URL or a local directory")
	list(&f.secrets, "secret", "", "id=ID[,src=FILE|,env=VAR]", "Expose a secret to the build (neither src nor env: the variable ID)")
	list(&f.ssh, "ssh", "", "default|ID[=SOCKET|KEY,...]", "Forward an SSH agent socket or keys to the build")
	fs.StringVar(&f.progress, "progress", "auto", "Set the type of progress output: `MODE` is auto, plain, tty, quiet or rawjson")
	fs.StringVar(&f.builder, "builder", "", "Use buildx's builder `NAME` (default: $BUILDKIT_HOST, $BUILDX_BUILDER, buildx's current builder, "+defaultHost+")")
	if withOutputs {
		list(&f.outputs, "output", "o", "OUTPUT", "Output destination: type=local,dest=DIR | type=tar|oci|docker,dest=FILE | type=image[,push=true] | type=registry | type=cacheonly | DIR (type=local) | - (a tar on stdout)")
		list(&f.tags, "tag", "t", "NAME[:TAG]", "Name the image outputs (with --push or -o type=image)")
		fs.BoolVar(&f.push, "push", false, `Shorthand for "--output=type=registry,unpack=false"`)
		list(&f.cacheFrom, "cache-from", "", "CACHE", "Import the build cache (e.g., type=registry,ref=REF)")
		list(&f.cacheTo, "cache-to", "", "CACHE", "Export the build cache (e.g., type=registry,ref=REF,mode=max)")
		fs.BoolVar(&f.noCache, "no-cache", false, "Do not use cache when building the image")
		fs.StringVar(&f.call, "call", "build", "Set method for evaluating build: `METHOD` is build, check, outline or targets (METHOD,format=json prints JSON)")
		fs.BoolVar(&f.check, "check", false, `Shorthand for "--call=check"`)
		fs.StringVar(&f.metadataFile, "metadata-file", "", "Write build result metadata to a `FILE`")
	}
}

// listValue is a repeatable flag, shown in help with the name of its values.
type listValue struct {
	values *[]string
	typ    string
}

func (l *listValue) String() string {
	if len(*l.values) == 0 {
		return ""
	}
	return "[" + strings.Join(*l.values, ",") + "]"
}

func (l *listValue) Set(v string) error {
	*l.values = append(*l.values, v)
	return nil
}

func (l *listValue) Type() string { return l.typ }

// parse checks the flags and the positional CONTEXT (default ".").
func (f *buildFlags) parse(args []string) error {
	switch len(args) {
	case 0:
		f.contextDir = "."
	case 1:
		f.contextDir = args[0]
	default:
		return usagef("one build context at most, got %q", args)
	}
	if f.file == "" {
		f.file = filepath.Join(f.contextDir, "strata.yaml")
	}
	var ps []string
	for _, v := range f.platforms {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p == "" {
				continue
			}
			if _, err := platforms.Parse(p); err != nil {
				return usagef("--platform: %v", err)
			}
			ps = append(ps, p)
		}
	}
	f.platforms = ps
	switch f.progress {
	case "auto", "plain", "tty", "quiet", "rawjson":
	default:
		return usagef("--progress %q: expected auto, plain, tty, quiet or rawjson", f.progress)
	}
	if f.check {
		if f.call != "build" && f.call != "check" {
			return usagef("--check and --call=%s: one at most", f.call)
		}
		f.call = "check"
	}
	var err error
	if f.callFunc, err = parseCall(f.call); err != nil {
		return err
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
	if len(f.platforms) > 0 {
		a["platform"] = strings.Join(f.platforms, ",")
	}
	if f.noCache {
		a["no-cache"] = ""
	}
	for _, kv := range f.buildArgs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			v, ok = os.LookupEnv(k) // as buildx: --build-arg NAME takes it from the environment
		}
		if ok {
			a["build-arg:"+k] = v
		}
	}
	mounts := map[string]string{"context": f.contextDir, "dockerfile": filepath.Dir(f.file)}
	for _, kv := range f.contexts {
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
	if opt.Exports, err = parseOutputs(f.outputs, files); err != nil {
		return opt, err
	}
	if opt.Exports, err = withTags(opt.Exports, f.tags, f.push); err != nil {
		return opt, err
	}
	if opt.CacheImports, err = parseCaches(f.cacheFrom); err != nil {
		return opt, err
	}
	if opt.CacheExports, err = parseCaches(f.cacheTo); err != nil {
		return opt, err
	}
	opt.Session = []session.Attachable{authprovider.NewDockerAuthProvider(authprovider.DockerAuthProviderConfig{
		AuthConfigProvider: authprovider.LoadAuthConfig(config.LoadDefaultConfigFile(os.Stderr)),
	})}
	if len(f.secrets) > 0 {
		sp, err := secretsAttachable(f.secrets)
		if err != nil {
			return opt, err
		}
		opt.Session = append(opt.Session, sp)
	}
	if len(f.ssh) > 0 {
		sp, err := sshAttachable(f.ssh)
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

// build runs `strata build`: a build, or with --call a subrequest whose
// answer is printed on out.
func build(ctx context.Context, f *buildFlags, out, stderr io.Writer) error {
	files := &outputFiles{}
	opt, err := f.solveOpt(files)
	if err != nil {
		return err
	}
	call := f.callFunc
	if call != nil {
		opt.Exports = nil
		opt.Internal = true
		opt.FrontendAttrs["requestid"] = "frontend." + call.name
	} else if len(f.outputs) == 0 && !f.push {
		fmt.Fprintln(stderr, "WARNING: No output specified. Build result will only remain in the build cache. "+
			"To push the result image into a registry use --push (with -t NAME), or write it out with -o "+
			"(-o type=local,dest=DIR, -o type=oci,dest=FILE, -o - for a tar on stdout); -o type=cacheonly builds only to the cache")
	}
	ep, err := findBuilder(f.builder, os.Getenv)
	if err != nil {
		return err
	}
	var meta map[string][]byte
	resp, err := solve(ctx, ep, opt, f.progress, func(ctx context.Context, c gwclient.Client) (*gwclient.Result, error) {
		res, err := frontend.Build(ctx, c)
		if err == nil && res != nil && call != nil {
			meta = res.Metadata
		}
		return res, err
	})
	if err = files.finish(err); err != nil {
		return err
	}
	exp := map[string]string{}
	if resp != nil && resp.ExporterResponse != nil {
		exp = resp.ExporterResponse
	}
	status := 0
	if call != nil {
		if status, err = call.print(out, meta); err != nil {
			return err
		}
		for k, v := range meta {
			exp[k] = string(v)
		}
	}
	if f.metadataFile != "" {
		if err := writeMetadata(f.metadataFile, exp); err != nil {
			return fmt.Errorf("--metadata-file: %w", err)
		}
	}
	if status != 0 {
		return exitStatus(status)
	}
	return nil
}

// printLLB asks the frontend for its graph through the convertllb
// subrequest, so that it is exactly what a build would solve.
func printLLB(ctx context.Context, f *buildFlags, out io.Writer) error {
	if len(f.platforms) > 1 {
		return usagef("llb prints one platform; got %d", len(f.platforms))
	}
	opt, err := f.solveOpt(&outputFiles{})
	if err != nil {
		return err
	}
	opt.FrontendAttrs["requestid"] = "frontend.convertllb"
	ep, err := findBuilder(f.builder, os.Getenv)
	if err != nil {
		return err
	}
	var dt []byte
	_, err = solve(ctx, ep, opt, "quiet", func(ctx context.Context, c gwclient.Client) (*gwclient.Result, error) {
		res, err := frontend.Build(ctx, c)
		if err == nil && res != nil {
			dt = res.Metadata["result.json"]
		}
		return res, err
	})
	if err != nil {
		return err
	}
	var v any
	if err := json.Unmarshal(dt, &v); err != nil {
		return fmt.Errorf("frontend answered no graph: %w", err)
	}
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// solve runs fn as the frontend of a build on the endpoint, showing
// BuildKit's progress on stderr.
func solve(ctx context.Context, ep endpoint, opt client.SolveOpt, progress string, fn gwclient.BuildFunc) (*client.SolveResponse, error) {
	c, ws, err := connect(ctx, ep)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if opt.FrontendAttrs["platform"] == "" {
		// The default target is the worker's platform, as with buildx; left
		// empty, the in-process frontend would label the result with this
		// machine's (darwin on a Mac) while building for the worker's.
		if len(ws) > 0 && len(ws[0].Platforms) > 0 {
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
