// Command strata-layer assembles a function layer, or writes a function
// code package, inside a build graph: the frontend compiles it from its
// embedded sources on the build platform and runs it there on a root
// filesystem of the target architecture, which it only reads. Standard
// library only, so it compiles without downloads.
//
// Its one argument is the path of a layer.Request, as JSON, which the
// frontend's graph writes into the step.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/strata-build/strata/layer"
)

func main() {
	if len(os.Args) != 2 {
		fail(fmt.Errorf("usage: strata-layer REQUEST.json (a layer.Request)"))
	}
	data, err := os.ReadFile(os.Args[1])
	fail(err)
	req, err := layer.ParseRequest(data)
	fail(err)
	// SOURCE_DATE_EPOCH in the environment, the reproducible-builds
	// convention, wins over the request's epoch.
	if v := os.Getenv("SOURCE_DATE_EPOCH"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			req.Epoch = n
		}
	}
	if req.Package != nil {
		dest := filepath.Join(req.Out, req.Name+".zip")
		fail(writePackage(dest, req))
		sum, err := fileSHA256(dest)
		fail(err)
		fail(layer.PackageSBOM(req.Out, req, sum))
		return
	}
	if req.ImageSBOM != nil {
		fail(layer.ImageSBOM(req))
		return
	}
	if req.Check != nil {
		report, err := layer.CheckImage(*req.Check)
		fmt.Fprint(os.Stderr, report)
		fail(err)
		return
	}
	opt, err := req.BuildOptions()
	fail(err)
	_, report, err := layer.Build(opt)
	if report != "" {
		fmt.Fprint(os.Stderr, report)
	}
	fail(err)
}

// writePackage writes a function code package through a temporary file.
func writePackage(dest string, req layer.Request) error {
	tmp, err := os.CreateTemp(filepath.Dir(dest), ".strata-package-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := layer.Package(tmp, req.Package.Files, req.MTime()); err != nil {
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

// fileSHA256 is the hex SHA-256 of a file.
func fileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func fail(err error) {
	if err == nil {
		return
	}
	fmt.Fprintf(os.Stderr, "strata-layer: %v\n", err)
	// The error, on one line, where the frontend reads it for the build's
	// final error (BuildKit's own ends in "exit code: 1").
	_ = os.WriteFile(layer.ErrorFile, []byte(strings.Join(strings.Fields(err.Error()), " ")+"\n"), 0o644)
	os.Exit(1)
}
