package cargo

import (
	"bytes"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
)

func app(version, mainSrc string, deps string) fstest.MapFS {
	return fstest.MapFS{
		"app/Cargo.toml": {Data: []byte(`[package]
name = "app"
version = "` + version + `"
edition = "2021"

[lints.rust]
missing_docs = "deny"

[dependencies]
serde_json = "1"
` + deps + `
[build-dependencies]
cc = "1"

[[bin]]
name = "tool"
required-features = ["extra"]

[features]
extra = []
`)},
		"app/Cargo.lock": {Data: []byte(`version = 3

[[package]]
name = "app"
version = "` + version + `"
dependencies = [
 "cc",
 "serde_json",
]

[[package]]
name = "cc"
version = "1.0.83"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "serde_json"
version = "1.0.108"
source = "registry+https://github.com/rust-lang/crates.io-index"
`)},
		"app/src/main.rs":     {Data: []byte(mainSrc)},
		"app/src/bin/tool.rs": {Data: []byte("fn main() { println!(\"tool\") }\n")},
		"app/build.rs":        {Data: []byte("fn main() { cc::Build::new().file(\"c/add.c\").compile(\"add\"); }\n")},
		"app/rust-toolchain":  {Data: []byte("1.85\n")},
	}
}

// digest is the skeleton as the dependency step sees it: every file.
func digest(r *Recipe) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(r.Files)) {
		b.WriteString(k + "\n" + string(r.Files[k]) + "\n")
	}
	return b.String()
}

func plan(t *testing.T, fsys fstest.MapFS, root string) *Recipe {
	t.Helper()
	r, err := Plan(fsys, root)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSkeletonIgnoresSourcesAndVersion(t *testing.T) {
	base := digest(plan(t, app("1.0.0", "fn main() {}\n", ""), "app"))
	if got := digest(plan(t, app("1.0.0", "fn main() { println!(\"edited\") }\n", ""), "app")); got != base {
		t.Error("a source edit changed the skeleton")
	}
	if got := digest(plan(t, app("2.3.4", "fn main() {}\n", ""), "app")); got != base {
		t.Error("a version bump changed the skeleton")
	}
	if got := digest(plan(t, app("1.0.0", "fn main() {}\n", "regex = \"1\"\n"), "app")); got == base {
		t.Error("a new dependency did not change the skeleton")
	}
}

func TestSkeletonContent(t *testing.T) {
	r := plan(t, app("1.0.0", "fn main() { real() }\n", ""), "app")
	want := []string{"app/Cargo.lock", "app/Cargo.toml", "app/build.rs", "app/rust-toolchain", "app/src/bin/tool.rs", "app/src/main.rs"}
	got := slices.Sorted(maps.Keys(r.Files))
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("files = %v, want %v", got, want)
	}
	if !bytes.Equal(r.Files["app/src/main.rs"], stubMain) || !bytes.Equal(r.Files["app/build.rs"], stubMain) {
		t.Error("targets are not stubs")
	}
	m := string(r.Files["app/Cargo.toml"])
	for _, want := range []string{`version = '0.0.0-strata.stub'`, `required-features = ['extra']`, `path = 'src/bin/tool.rs'`, `build = 'build.rs'`} {
		if !strings.Contains(m, want) {
			t.Errorf("manifest lacks %s:\n%s", want, m)
		}
	}
	if strings.Contains(m, "lints") || strings.Contains(m, "1.0.0") {
		t.Errorf("manifest keeps lints or the version:\n%s", m)
	}
	l := string(r.Files["app/Cargo.lock"])
	if !strings.Contains(l, "1.0.108") || strings.Contains(l, "'1.0.0'") {
		t.Errorf("lock:\n%s", l)
	}
	if strings.Join(r.Dirs, ",") != "app" || len(r.Whole) != 0 {
		t.Errorf("dirs = %v, whole = %v", r.Dirs, r.Whole)
	}
}

// A workspace with two members, one depending on the other and on a path
// crate outside the workspace directory (inside the context).
func workspace(memberVersion string) fstest.MapFS {
	return fstest.MapFS{
		"ws/Cargo.toml": {Data: []byte("[workspace]\nmembers = [\"crates/*\"]\nresolver = \"2\"\n\n[workspace.package]\nversion = \"" + memberVersion + "\"\n\n[workspace.lints.rust]\nunsafe_code = \"forbid\"\n")},
		"ws/Cargo.lock": {Data: []byte(`version = 3

[[package]]
name = "api"
version = "` + memberVersion + `"
dependencies = [
 "core 0.1.0",
 "shared",
]

[[package]]
name = "core"
version = "` + memberVersion + `"

[[package]]
name = "core"
version = "0.1.0"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "shared"
version = "0.3.0"
`)},
		"ws/crates/api/Cargo.toml":  {Data: []byte("[package]\nname = \"api\"\nversion.workspace = true\n\n[lints]\nworkspace = true\n\n[dependencies]\ncore = { path = \"../core\", version = \"" + memberVersion + "\" }\nshared = { path = \"../../../shared\" }\n")},
		"ws/crates/api/src/main.rs": {Data: []byte("fn main() {}\n")},
		"ws/crates/core/Cargo.toml": {Data: []byte("[package]\nname = \"core\"\nversion.workspace = true\n")},
		"ws/crates/core/src/lib.rs": {Data: []byte("pub fn f() {}\n")},
		"shared/Cargo.toml":         {Data: []byte("[package]\nname = \"shared\"\nversion = \"0.3.0\"\n")},
		"shared/src/lib.rs":         {Data: []byte("pub fn g() {}\n")},
	}
}

func TestWorkspaceSkeleton(t *testing.T) {
	r := plan(t, workspace("1.2.0"), "ws")
	if got := strings.Join(r.Dirs, ","); got != "shared,ws/crates/api,ws/crates/core" {
		t.Fatalf("dirs = %s", got)
	}
	for _, f := range []string{"ws/Cargo.toml", "ws/crates/api/Cargo.toml", "ws/crates/api/src/main.rs", "ws/crates/core/src/lib.rs", "shared/Cargo.toml", "shared/src/lib.rs"} {
		if _, ok := r.Files[f]; !ok {
			t.Errorf("skeleton lacks %s: %v", f, slices.Sorted(maps.Keys(r.Files)))
		}
	}
	if digest(plan(t, workspace("1.3.0"), "ws")) != digest(r) {
		t.Error("a workspace version bump changed the skeleton")
	}
	if strings.Contains(string(r.Files["ws/Cargo.toml"]), "lints") || strings.Contains(string(r.Files["ws/crates/api/Cargo.toml"]), "lints") {
		t.Error("workspace lints kept")
	}
	lock := string(r.Files["ws/Cargo.lock"])
	if !strings.Contains(lock, "'core 0.1.0'") {
		t.Errorf("the registry core's version was masked:\n%s", lock)
	}
}

func TestPlanErrors(t *testing.T) {
	noLock := app("1.0.0", "fn main() {}\n", "")
	delete(noLock, "app/Cargo.lock")
	if _, err := Plan(noLock, "app"); err == nil || !strings.Contains(err.Error(), "app/Cargo.lock is missing") {
		t.Errorf("missing lock: %v", err)
	}
	escape := app("1.0.0", "fn main() {}\n", "evil = { path = \"../../etc\" }\n")
	if _, err := Plan(escape, "app"); err == nil || !strings.Contains(err.Error(), "outside the build context") {
		t.Errorf("escaping path dependency: %v", err)
	}
	if _, err := Plan(fstest.MapFS{}, "app"); err == nil || !strings.Contains(err.Error(), "app/Cargo.toml: not found") {
		t.Errorf("no manifest: %v", err)
	}
}

func TestSkeletonIsStable(t *testing.T) {
	want := digest(plan(t, workspace("1.0.0"), "ws"))
	for i := 0; i < 20; i++ {
		if got := digest(plan(t, workspace("1.0.0"), "ws")); got != want {
			t.Fatal("two plans of the same workspace differ")
		}
	}
	_ = sort.Strings
}
