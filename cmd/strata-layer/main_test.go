package main

import (
	"archive/zip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strata-build/strata/layer"
)

// TestMain runs the command itself when a test starts this binary again.
func TestMain(m *testing.M) {
	if os.Getenv("STRATA_LAYER_TEST_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// strataLayer runs the command on a request and env, as the build step
// does.
func strataLayer(t *testing.T, env []string, req layer.Request) (string, error) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	data, err := req.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), layer.RequestFile)
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, file)
	cmd.Env = append(append(os.Environ(), "STRATA_LAYER_TEST_MAIN=1", "SOURCE_DATE_EPOCH="), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// A function code package carries SOURCE_DATE_EPOCH, from the request's
// epoch or the environment, as a valid MS-DOS date made by Unix; 1980-01-01
// without either. Past 2107 it fails and leaves no file.
func TestPackageDates(t *testing.T) {
	prog := filepath.Join(t.TempDir(), "prog")
	if err := os.WriteFile(prog, []byte("#!/bin/sh\necho hi\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		env   []string
		epoch int64
		want  time.Time
	}{
		{"default", nil, 0, time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"request", nil, 1700000000, time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC)},
		{"env", []string{"SOURCE_DATE_EPOCH=1234567890"}, 1700000000, time.Date(2009, 2, 13, 23, 31, 30, 0, time.UTC)},
		{"before 1980", nil, 1000, time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			if msg, err := strataLayer(t, tc.env, packageRequest(out, prog, tc.epoch)); err != nil {
				t.Fatalf("%v\n%s", err, msg)
			}
			zr, err := zip.OpenReader(filepath.Join(out, "fn.zip"))
			if err != nil {
				t.Fatal(err)
			}
			defer zr.Close()
			if len(zr.File) != 1 {
				t.Fatalf("%d entries", len(zr.File))
			}
			h := zr.File[0].FileHeader
			w := tc.want
			date := uint16(w.Day() | int(w.Month())<<5 | (w.Year()-1980)<<9)
			tm := uint16(w.Second()/2 | w.Minute()<<5 | w.Hour()<<11)
			if h.Name != "bootstrap" || h.ModifiedDate != date || h.ModifiedTime != tm || !h.Modified.Equal(w) {
				t.Errorf("%s: DOS date %#04x time %#04x (%s), want %#04x %#04x (%s)",
					h.Name, h.ModifiedDate, h.ModifiedTime, h.Modified, date, tm, w)
			}
			if h.CreatorVersion>>8 != 3 || h.ExternalAttrs>>16 != 0o100755 {
				t.Errorf("made by %#04x, Unix mode %o: want Unix and 100755", h.CreatorVersion, h.ExternalAttrs>>16)
			}
		})
	}
	t.Run("after 2107", func(t *testing.T) {
		out := t.TempDir()
		msg, err := strataLayer(t, nil, packageRequest(out, prog, 4354819200))
		if err == nil || !strings.Contains(msg, "2107-12-31") {
			t.Errorf("a package of 2108: %v\n%s", err, msg)
		}
		if entries, _ := os.ReadDir(out); len(entries) != 0 {
			t.Errorf("files were left: %v", entries)
		}
	})
}

// packageRequest asks for fn.zip in out, holding prog as bootstrap.
func packageRequest(out, prog string, epoch int64) layer.Request {
	return layer.Request{Name: "fn", Out: out, Epoch: epoch, Package: &layer.PackageRequest{Files: map[string]string{"bootstrap": prog}}}
}

// A malformed request fails before anything is written: an unknown field
// (a frontend and helper that disagree) is named.
func TestMalformedRequestFails(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), layer.RequestFile)
	if err := os.WriteFile(file, []byte(`{"name": "fn", "out": "/nonexistent", "package": {"files": {}}, "bins": []}`), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, file)
	cmd.Env = append(os.Environ(), "STRATA_LAYER_TEST_MAIN=1")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), `unknown field "bins"`) {
		t.Errorf("a request with an unknown field: %v\n%s", err, out)
	}
}
