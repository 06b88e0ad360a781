// Command strata-layer assembles a function layer inside a build graph: the
// frontend compiles it from its embedded sources on the build platform and
// runs it there on a root filesystem of the target architecture, which it
// only reads. Standard library only, so it compiles without downloads.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/strata-build/strata/layer"
)

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	var bins, dlopen, exclude list
	root := flag.String("root", "", "the target root filesystem")
	out := flag.String("out", "", "the output directory")
	name := flag.String("name", "layer", "the layer's name")
	format := flag.String("format", layer.Zip, "zip or tar.gz")
	prefix := flag.String("prefix", "/opt", "where the runtime extracts the layer")
	profile := flag.String("runtime", "al2023", "runtime profile: "+strings.Join(layer.ProfileNames(), ", "))
	glibc := flag.String("glibc", "", "custom runtime: its glibc version")
	maxZipped := flag.Int64("max-zipped", -1, "size limit of the archive in bytes (-1: the runtime's)")
	maxUnzipped := flag.Int64("max-unzipped", -1, "size limit of the files in bytes (-1: the runtime's)")
	epoch := flag.Int64("epoch", 0, "the time of every entry (SOURCE_DATE_EPOCH)")
	flag.Var(&bins, "bin", "a program to ship (repeatable)")
	flag.Var(&dlopen, "dlopen", "a library loaded at run time (repeatable)")
	flag.Var(&exclude, "exclude", "custom runtime: a library it provides (repeatable)")
	tree := flag.String("tree", "", "also write the layer's files as a tree in this directory")
	strip := flag.String("strip", "", "strip every file with this program (binutils' strip)")
	var files, data, env list
	flag.Var(&files, "file", "package mode: NAME=PATH, a program at the zip's root (repeatable)")
	flag.Var(&data, "data", "FROM=TO: a file or directory of the root shipped at TO under the prefix (repeatable)")
	flag.Var(&env, "env", "NAME=VALUE: the environment the programs need, ${PREFIX} for the prefix (repeatable)")
	wrapped := flag.Bool("wrapped", false, "ship each program in libexec/ and its wrapper (in the root's "+layer.WrapperDir+") in bin/")
	flag.Parse()
	if v := os.Getenv("SOURCE_DATE_EPOCH"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			*epoch = n
		}
	}
	if len(files) > 0 {
		fail(writePackage(filepath.Join(*out, *name+".zip"), files, time.Unix(*epoch, 0).UTC()))
		return
	}

	p, ok := layer.Profiles[*profile]
	switch {
	case *profile == "custom":
		p = layer.Custom(*glibc, exclude, 0, 0)
	case !ok:
		fail(fmt.Errorf("unknown runtime %q (expected %s)", *profile, strings.Join(layer.ProfileNames(), ", ")))
	}
	if *maxZipped >= 0 {
		p.MaxZipped, p.Limits = *maxZipped, "the spec's limits"
	}
	if *maxUnzipped >= 0 {
		p.MaxUnzipped, p.Limits = *maxUnzipped, "the spec's limits"
	}
	var trees []layer.Tree
	for _, d := range data {
		from, to, ok := strings.Cut(d, "=")
		if !ok {
			fail(fmt.Errorf("-data %q: expected FROM=TO", d))
		}
		trees = append(trees, layer.Tree{From: from, To: to})
	}
	vars := map[string]string{}
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			fail(fmt.Errorf("-env %q: expected NAME=VALUE", kv))
		}
		vars[k] = v
	}
	_, report, err := layer.Build(layer.BuildOptions{
		Options: layer.Options{Root: *root, Binaries: bins, DLOpen: dlopen, Files: trees, Wrapped: *wrapped, Profile: p},
		Name:    *name, Format: *format, Prefix: *prefix, Out: *out, MTime: time.Unix(*epoch, 0).UTC(), Tree: *tree, Strip: *strip,
		Env: vars,
	})
	if report != "" {
		fmt.Fprint(os.Stderr, report)
	}
	if err != nil {
		fail(err)
	}
}

// writePackage writes a function code package through a temporary file.
func writePackage(dest string, files list, mtime time.Time) error {
	m := map[string]string{}
	for _, f := range files {
		name, src, ok := strings.Cut(f, "=")
		if !ok {
			return fmt.Errorf("-file %q: expected NAME=PATH", f)
		}
		m[name] = src
	}
	tmp, err := os.CreateTemp(filepath.Dir(dest), ".strata-package-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := layer.Package(tmp, m, mtime); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dest)
}

func fail(err error) {
	if err == nil {
		return
	}
	fmt.Fprintf(os.Stderr, "strata-layer: %v\n", err)
	os.Exit(1)
}
