package cargo

import (
	"io/fs"
	"maps"
	"slices"
	"strings"
	"testing"
)

// Every path of a manifest that becomes a file of the skeleton, or that
// cargo reads, stays in the build context: a stub must never land on the
// toolchain's files.
func TestPathsOutsideContext(t *testing.T) {
	for _, c := range []struct{ extra, want string }{
		{"[lib]\npath = \"../../usr/bin/cargo\"\n", `lib.path = "../../usr/bin/cargo"`},
		{"[lib]\npath = \"/usr/local/cargo/bin/cargo\"\n", `lib.path = "/usr/local/cargo/bin/cargo"`},
		{"[[bin]]\nname = \"x\"\npath = \"/usr/local/cargo/bin/cargo\"\n", `bin.path = "/usr/local/cargo/bin/cargo"`},
		{"[[bin]]\nname = \"../../../../usr/bin/x\"\n", `bin.name = "../../../../usr/bin/x"`},
		{"build = \"../../build.rs\"\n", `package.build = "../../build.rs"`},
		{"build = \"/build.rs\"\n", `package.build = "/build.rs"`},
		{"workspace = \"../..\"\n", `package.workspace = "../.."`},
		{"[[example]]\nname = \"../../../e\"\n", `example.name = "../../../e"`},
		{"[[test]]\nname = \"t\"\npath = \"/etc/t.rs\"\n", `test.path = "/etc/t.rs"`},
		{"[[bench]]\nname = \"b\"\npath = \"../../b.rs\"\n", `bench.path = "../../b.rs"`},
		{"[workspace]\nmembers = [\"../../*\"]\n", `workspace.members = "../../*"`},
		{"[workspace]\nmembers = [\"/srv/*\"]\n", `workspace.members = "/srv/*"`},
		{"[workspace]\nexclude = [\"../../x\"]\n", `workspace.exclude = "../../x"`},
	} {
		_, err := Plan(pkgWith(c.extra), "app")
		if want := "app/Cargo.toml: " + c.want + " is outside the build context"; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %s", c.extra, err, want)
		}
	}
}

// Paths outside the package's directory but inside the context are fine.
func TestPathsInsideContext(t *testing.T) {
	r := plan(t, pkgWith("build = \"../tools/build.rs\"\n\n[lib]\npath = \"../shared/lib.rs\"\n\n[[bin]]\nname = \"x\"\npath = \"src/../../bins/x.rs\"\n"), "app")
	for _, f := range []string{"tools/build.rs", "shared/lib.rs", "bins/x.rs"} {
		if _, ok := r.Files[f]; !ok {
			t.Errorf("no stub at %s: %v", f, slices.Sorted(maps.Keys(r.Files)))
		}
	}
	for f := range r.Files {
		if !fs.ValidPath(f) {
			t.Errorf("skeleton file %q", f)
		}
	}
}

// The last check of Plan refuses what the others would have missed.
func TestCheckFiles(t *testing.T) {
	for _, f := range []string{"../x", "/usr/bin/cargo", "a/../../x", "."} {
		if err := checkFiles(&Recipe{Files: map[string][]byte{"Cargo.toml": nil, f: nil}}); err == nil {
			t.Errorf("%q accepted", f)
		}
	}
	if err := checkFiles(&Recipe{Whole: []string{"../vendor"}}); err == nil {
		t.Error("../vendor accepted")
	}
	if err := checkFiles(&Recipe{Files: map[string][]byte{"Cargo.toml": nil, "a/src/lib.rs": nil}, Dirs: []string{"."}}); err != nil {
		t.Error(err)
	}
}
