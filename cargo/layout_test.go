package cargo

import (
	"bytes"
	"strings"
	"testing"
	"testing/fstest"
)

// Workspace layouts that reach local packages other than through a
// member's [dependencies].

// A virtual root whose members take a path crate from
// [workspace.dependencies], and a [patch] of a registry crate by a fork.
func layouts(version string) fstest.MapFS {
	return fstest.MapFS{
		"Cargo.toml": {Data: []byte(`[workspace]
members = ["apps/*"]

[workspace.dependencies]
shared = { path = "libs/shared" }

[patch.crates-io]
log = { path = "vendor/log" }
`)},
		"Cargo.lock": {Data: []byte(`version = 4

[[package]]
name = "a"
version = "` + version + `"
dependencies = ["log", "shared"]

[[package]]
name = "log"
version = "0.4.26"

[[package]]
name = "shared"
version = "0.0.0"
`)},
		"apps/a/Cargo.toml":       {Data: []byte("[package]\nname = \"a\"\nversion = \"" + version + "\"\nbuild = true\n\n[dependencies]\nshared = { workspace = true }\nlog = \"0.4\"\n")},
		"apps/a/build.rs":         {Data: []byte("fn main() {}\n")},
		"apps/a/src/main.rs":      {Data: []byte("fn main() {}\n")},
		"libs/shared/Cargo.toml":  {Data: []byte("[package]\nname = \"shared\"\n\n[dev-dependencies]\ntestkit = { path = \"../testkit\" }\n")},
		"libs/shared/src/lib.rs":  {Data: []byte("pub fn s() {}\n")},
		"libs/testkit/Cargo.toml": {Data: []byte("[package]\nname = \"testkit\"\nversion = \"0.1.0\"\n")},
		"libs/testkit/src/lib.rs": {Data: []byte("")},
		"vendor/log/Cargo.toml":   {Data: []byte("[package]\nname = \"log\"\nversion = \"0.4.26\"\n")},
		"vendor/log/src/lib.rs":   {Data: []byte("pub fn info() {}\n")},
	}
}

func TestSkeletonLayouts(t *testing.T) {
	r := plan(t, layouts("1.0.0"), ".")
	for _, f := range []string{"libs/shared/Cargo.toml", "libs/shared/src/lib.rs", "vendor/log/Cargo.toml", "vendor/log/src/lib.rs", "apps/a/build.rs"} {
		if _, ok := r.Files[f]; !ok {
			t.Errorf("skeleton lacks %s", f)
		}
	}
	if !bytes.Equal(r.Files["vendor/log/src/lib.rs"], stubLib) {
		t.Error("the patched crate is not a stub")
	}
	// The patch must still match log = "0.4"; a package without a version
	// is 0.0.0, masked in its manifest as in the lock.
	if m := string(r.Files["vendor/log/Cargo.toml"]); !strings.Contains(m, "0.4.26") {
		t.Errorf("patched crate's version masked:\n%s", m)
	}
	if m := string(r.Files["libs/shared/Cargo.toml"]); !strings.Contains(m, "version = '0.0.1'") {
		t.Errorf("versionless package not masked:\n%s", m)
	}
	if m := string(r.Files["apps/a/Cargo.toml"]); !strings.Contains(m, "build = 'build.rs'") {
		t.Errorf("build = true not stubbed:\n%s", m)
	}
	// testkit is a dev-dependency of a non-member: cargo does not resolve
	// it, and `cargo clean -p testkit` would fail.
	if got := strings.Join(r.Packages, ","); got != "a@0.0.1,log@0.4.26,shared@0.0.1" {
		t.Errorf("packages = %s", got)
	}
	if digest(plan(t, layouts("1.1.0"), ".")) != digest(r) {
		t.Error("a version bump changed the skeleton")
	}
}

func TestAbsolutePathDependency(t *testing.T) {
	fsys := app("1.0.0", "fn main() {}\n", "x = { path = \"/opt/x\" }\n")
	fsys["opt/x/Cargo.toml"] = &fstest.MapFile{Data: []byte("[package]\nname = \"x\"\nversion = \"1.0.0\"\n")}
	if _, err := Plan(fsys, "app"); err == nil || !strings.Contains(err.Error(), `x = "/opt/x" is outside the build context`) {
		t.Errorf("err = %v", err)
	}
}
