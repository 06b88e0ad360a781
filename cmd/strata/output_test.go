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
	for _, bad := range []string{"type=local", "type=tar", "type=oci,tar=false", "type=zip,dest=x", "dest", `type="unclosed`} {
		var ue usageError
		if _, err := parseOutputs([]string{bad}, files); !errors.As(err, &ue) {
			t.Errorf("-o %s: %v, want a usage error", bad, err)
		}
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
