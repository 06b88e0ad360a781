package strata

import (
	"go/build"
	"go/parser"
	"go/token"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"testing"
)

// The helper's embedded sources import the standard library and each
// other only: the frontend compiles them in the graph with GOPROXY=off and
// no go.sum, so any other import would fail every layer build.
func TestHelperSourcesImportStdOnly(t *testing.T) {
	const module = "github.com/strata-build/strata/"
	embedded := map[string]bool{}
	imports := map[string][]string{} // import path: the files importing it
	err := fs.WalkDir(HelperSources, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		embedded[path.Dir(p)] = true
		src, err := fs.ReadFile(HelperSources, p)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, src, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, im := range f.Imports {
			ip, err := strconv.Unquote(im.Path.Value)
			if err != nil {
				return err
			}
			imports[ip] = append(imports[ip], p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !embedded["cmd/strata-layer"] {
		t.Fatalf("the helper's main package is not embedded: %v", embedded)
	}
	for ip, files := range imports {
		if own, ok := strings.CutPrefix(ip, module); ok {
			if !embedded[own] {
				t.Errorf("%s imports %s, which helpers.go does not embed", files, ip)
			}
			continue
		}
		pkg, err := build.Default.Import(ip, "", build.FindOnly)
		if err != nil || !pkg.Goroot {
			t.Errorf("%s import %s, which is not in the standard library (%v)", files, ip, err)
		}
	}
}
