package main

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/moby/buildkit/client"
)

func TestParseOutputs(t *testing.T) {
	files := &outputFiles{}
	out, err := parseOutputs([]string{
		"type=local,dest=out",
		"type=oci,dest=img.tar",
		`type=image,"name=a/b:1,a/b:2",push=true`,
		"type=oci,tar=false,dest=layout",
		"type=cacheonly",
	}, files)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 4 {
		t.Fatalf("%d exports, want 4 (cacheonly exports nothing)", len(out))
	}
	if out[0].Type != client.ExporterLocal || out[0].OutputDir != "out" || len(out[0].Attrs) != 0 {
		t.Errorf("local: %+v", out[0])
	}
	if out[1].Type != client.ExporterOCI || out[1].Output == nil || out[1].OutputDir != "" {
		t.Errorf("oci: %+v", out[1])
	}
	if out[2].Attrs["name"] != "a/b:1,a/b:2" || out[2].Attrs["push"] != "true" {
		t.Errorf("image: %+v", out[2].Attrs)
	}
	if out[3].OutputDir != "layout" || out[3].Output != nil {
		t.Errorf("oci layout: %+v", out[3])
	}
	for _, bad := range []string{"type=local", "type=oci,tar=false", "type=zip,dest=x", "type=local,dest=-", `type="unclosed`} {
		var ue usageError
		if _, err := parseOutputs([]string{bad}, files); !errors.As(err, &ue) {
			t.Errorf("-o %s: %v, want a usage error", bad, err)
		}
	}
}

// As buildx: a bare path is a local directory, "-" and a tar without dest
// a tar stream on stdout (once, and never to a terminal), type=registry an
// image pushed.
func TestParseOutputsShortForms(t *testing.T) {
	out, err := parseOutputs([]string{"out", "type=registry,name=r/i:1"}, &outputFiles{})
	if err != nil {
		t.Fatal(err)
	}
	if out[0].Type != client.ExporterLocal || out[0].OutputDir != "out" {
		t.Errorf("bare path: %+v", out[0])
	}
	if out[1].Type != client.ExporterImage || out[1].Attrs["push"] != "true" || out[1].Attrs["unpack"] != "false" || out[1].Attrs["name"] != "r/i:1" {
		t.Errorf("registry: %+v", out[1])
	}
	if isTerminal(os.Stdout) {
		var ue usageError
		if _, err := parseOutputs([]string{"-"}, &outputFiles{}); !errors.As(err, &ue) {
			t.Errorf("-o - on a terminal: %v, want a usage error", err)
		}
		return
	}
	for _, v := range []string{"-", "type=tar", "type=oci,dest=-"} {
		out, err := parseOutputs([]string{v}, &outputFiles{})
		if err != nil || len(out) != 1 || out[0].Output == nil || out[0].OutputDir != "" || v == "-" && out[0].Type != client.ExporterTar {
			t.Errorf("-o %s: %+v, %v", v, out, err)
		}
	}
	var ue usageError
	if _, err := parseOutputs([]string{"-", "type=oci"}, &outputFiles{}); !errors.As(err, &ue) {
		t.Errorf("two outputs on stdout: %v, want a usage error", err)
	}
}

// --push and -t as buildx: push every image output or add one; tags name
// image, oci and docker outputs; a pushed image needs a name.
func TestWithTags(t *testing.T) {
	out, err := withTags(nil, []string{"localhost:5000/app:1", "localhost:5000/app:latest"}, true)
	if err != nil || len(out) != 1 || out[0].Type != client.ExporterImage || out[0].Attrs["push"] != "true" ||
		out[0].Attrs["unpack"] != "false" || out[0].Attrs["name"] != "localhost:5000/app:1,localhost:5000/app:latest" {
		t.Errorf("--push -t: %+v, %v", out, err)
	}
	in := []client.ExportEntry{
		{Type: client.ExporterImage, Attrs: map[string]string{"unpack": "true"}},
		{Type: client.ExporterOCI, Attrs: map[string]string{}},
		{Type: client.ExporterLocal, Attrs: map[string]string{}},
	}
	out, err = withTags(in, []string{"app"}, true)
	if err != nil || len(out) != 3 || out[0].Attrs["push"] != "true" || out[0].Attrs["unpack"] != "true" ||
		out[0].Attrs["name"] != "app" || out[1].Attrs["name"] != "app" || out[2].Attrs["name"] != "" || out[1].Attrs["push"] != "" {
		t.Errorf("--push -t with outputs: %+v, %v", out, err)
	}
	var ue usageError
	if _, err := withTags(nil, nil, true); !errors.As(err, &ue) {
		t.Errorf("--push without a name: %v, want a usage error", err)
	}
	if _, err := withTags(nil, []string{"Not A Tag"}, false); !errors.As(err, &ue) {
		t.Errorf("a bad tag: %v, want a usage error", err)
	}
}

func TestParseCaches(t *testing.T) {
	out, err := parseCaches([]string{"type=registry,ref=r/c:1,mode=max"})
	if err != nil || len(out) != 1 || out[0].Type != "registry" || out[0].Attrs["ref"] != "r/c:1" || out[0].Attrs["mode"] != "max" || len(out[0].Attrs) != 2 {
		t.Errorf("%+v, %v", out, err)
	}
	if _, err := parseCaches([]string{"ref=r/c:1"}); err == nil {
		t.Error("a cache without a type accepted")
	}
}

// An exported file is put in place only when the build succeeded.
func TestOutputFiles(t *testing.T) {
	dir := t.TempDir()
	for _, buildErr := range []error{nil, errors.New("build failed")} {
		files := &outputFiles{}
		dest := filepath.Join(dir, "out.tar")
		os.Remove(dest)
		w, err := files.output(dest)(nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte("archive")); err != nil {
			t.Fatal(err)
		}
		if err := files.finish(buildErr); err != buildErr {
			t.Fatalf("finish: %v, want %v", err, buildErr)
		}
		dt, err := os.ReadFile(dest)
		switch {
		case buildErr == nil && string(dt) != "archive":
			t.Errorf("after a build: %q, %v", dt, err)
		case buildErr != nil && !errors.Is(err, os.ErrNotExist):
			t.Errorf("after a failed build the file exists: %v", err)
		}
		left, _ := filepath.Glob(filepath.Join(dir, ".strata-out-*"))
		if len(left) != 0 {
			t.Errorf("temporary files left: %v", left)
		}
	}
}

func TestDirOf(t *testing.T) {
	for p, want := range map[string]string{"out.tar": ".", "a/b.tar": "a/", "/x": "/"} {
		if got := dirOf(p); got != want {
			t.Errorf("dirOf(%q) = %q, want %q", p, got, want)
		}
	}
}
