package e2e

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-build/strata/e2e/testenv"
)

// TestSpecErrorsInBuildx: a bad spec fails with file:line:column, and buildx
// shows the offending line (from the source map the frontend attaches).
func TestSpecErrorsInBuildx(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, spec string
		args       []string
		want       []string // in the output, in any order
		file       string   // a file to add to the context
	}{
		{name: "unknown key", spec: "version: 1\napps:\n  web:\n    lang: go\n    lnag: go\n",
			want: []string{`strata.yaml:6:5: apps.web: unknown key "lnag" (expected binary, build_packages, debian, functions, go, image, lang, packages, path, python, rust)`, ">>>     lnag: go"}},
		{name: "wrong type", spec: "version: 1\napps:\n  web:\n    lang: go\n    go:\n      cgo: maybe\n",
			want: []string{`strata.yaml:7:12: apps.web.go.cgo: expected true or false, got "maybe"`, ">>>       cgo: maybe"}},
		{name: "unknown language", spec: "version: 1\napps:\n  web:\n    lang: rsut\n",
			want: []string{`strata.yaml:5:5: apps.web.lang: unknown language "rsut" (expected go, rust, python)`, ">>>     lang: rsut"}},
		{name: "unknown target", spec: "version: 1\napps:\n  web:\n    lang: go\n", args: []string{"--target", "nope"},
			want: []string{`unknown target "nope" (expected one of web)`}},
		{name: "missing file", spec: "version: 1\napps:\n  web:\n    lang: go\n    path: svc\n", file: "svc/README",
			want: []string{`"/svc/go.mod": not found`, ">>>     path: svc"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			files := map[string]string{"strata.yaml": testenv.SyntaxLine + tc.spec}
			if tc.file != "" {
				files[tc.file] = "x"
			}
			testenv.WriteFiles(t, dir, files)
			args := append([]string{"build", "--progress=plain", "-f", filepath.Join(dir, "strata.yaml")}, tc.args...)
			out, err := testenv.Buildx(t, append(args, dir)...)
			if err == nil {
				t.Fatalf("the build passed:\n%s", testenv.Tail(out, 30))
			}
			wantOutput(t, out, tc.want...)
		})
	}
}

// wantOutput checks that a failed build's output holds every line part
// wanted, and that the frontend did not panic.
func wantOutput(t *testing.T, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, testenv.Tail(out, 40))
		}
	}
	if strings.Contains(out, "panic") {
		t.Errorf("the frontend panicked:\n%s", out)
	}
}
