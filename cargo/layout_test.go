package cargo

import (
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
		"apps/a/Cargo.toml":          {Data: []byte("[package]\nname = \"a\"\nversion = \"" + version + "\"\nbuild = true\n\n[dependencies]\nshared = { workspace = true }\nlog = \"0.4\"\n")},
		"apps/a/build.rs":            {Data: []byte("fn main() {}\n")},
		"apps/a/src/main.rs":         {Data: []byte("fn main() {}\n")},
		"libs/shared/Cargo.toml":     {Data: []byte("[package]\nname = \"shared\"\n\n[dev-dependencies]\ntestkit = { path = \"../testkit\" }\n")},
		"libs/shared/src/lib.rs":     {Data: []byte("pub fn s() {}\n")},
		"libs/testkit/Cargo.toml":    {Data: []byte("[package]\nname = \"testkit\"\nversion = \"0.1.0\"\n")},
		"libs/testkit/src/lib.rs":    {Data: []byte("")},
		"vendor/log/Cargo.toml":      {Data: []byte("[package]\nname = \"log\"\nversion = \"0.4.26\"\n\n[dependencies]\nlog-impl = { path = \"../log-impl\" }\n")},
		"vendor/log/src/lib.rs":      {Data: []byte("pub fn info() {}\n")},
		"vendor/log-impl/Cargo.toml": {Data: []byte("[package]\nname = \"log-impl\"\nversion = \"0.1.0\"\n")},
		"vendor/log-impl/src/lib.rs": {Data: []byte("pub fn write() {}\n")},
	}
}

func TestSkeletonLayouts(t *testing.T) {
	r := plan(t, layouts("1.0.0"), ".")
	for _, f := range []string{"libs/shared/Cargo.toml", "libs/shared/src/lib.rs", "apps/a/build.rs"} {
		if _, ok := r.Files[f]; !ok {
			t.Errorf("skeleton lacks %s", f)
		}
	}
	// A patched crate is what registry crates compile against: it is
	// taken whole, with its own path dependencies, and never stubbed.
	if got := strings.Join(r.Whole, ","); got != "vendor/log,vendor/log-impl" {
		t.Errorf("whole = %s", got)
	}
	for f := range r.Files {
		if strings.HasPrefix(f, "vendor/") {
			t.Errorf("the patched crate has a skeleton file %s", f)
		}
	}
	if l := string(r.Files["Cargo.lock"]); !strings.Contains(l, "0.4.26") {
		t.Errorf("patched crate's version masked in the lock:\n%s", l)
	}
	if m := string(r.Files["libs/shared/Cargo.toml"]); !strings.Contains(m, "version = '"+MaskedVersion+"'") {
		t.Errorf("versionless package not masked:\n%s", m)
	}
	if m := string(r.Files["apps/a/Cargo.toml"]); !strings.Contains(m, "build = 'build.rs'") {
		t.Errorf("build = true not stubbed:\n%s", m)
	}
	if got := strings.Join(r.Dirs, ","); got != "apps/a,libs/shared,libs/testkit" {
		t.Errorf("dirs = %s", got)
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

// A workspace below the context's root: cargo reads the configuration of
// every directory above it, and cargo vendor's source replacement names a
// directory the dependencies are built from.
func vendored(description string) fstest.MapFS {
	return fstest.MapFS{
		".cargo/config.toml":          {Data: []byte("[env]\nFROM_PARENT = \"yes\"\n")},
		"svc/.cargo/config.toml":      {Data: []byte("[source.crates-io]\nreplace-with = \"vendored-sources\"\n\n[source.vendored-sources]\ndirectory = \"../third_party/vendor\"\n\n[patch.crates-io]\nitoa = { path = \"../forks/itoa\" }\n")},
		"svc/Cargo.toml":              {Data: []byte("[package]\nname = \"svc\"\nversion = \"1.0.0\"\nedition = \"2021\"\n" + description + "\n[dependencies]\nitoa = \"1\"\n")},
		"svc/Cargo.lock":              {Data: []byte("version = 4\n\n[[package]]\nname = \"svc\"\nversion = \"1.0.0\"\ndependencies = [\"itoa\"]\n\n[[package]]\nname = \"itoa\"\nversion = \"1.0.14\"\n")},
		"svc/src/main.rs":             {Data: []byte("fn main() {}\n")},
		"third_party/vendor/x/lib.rs": {Data: []byte("")},
		"forks/itoa/Cargo.toml":       {Data: []byte("[package]\nname = \"itoa\"\nversion = \"1.0.14\"\n")},
		"forks/itoa/src/lib.rs":       {Data: []byte("pub fn fmt() {}\n")},
	}
}

func TestSkeletonConfigs(t *testing.T) {
	r := plan(t, vendored(""), "svc")
	for _, f := range []string{".cargo/config.toml", "svc/.cargo/config.toml"} {
		if _, ok := r.Files[f]; !ok {
			t.Errorf("skeleton lacks %s", f)
		}
	}
	if got := strings.Join(r.Whole, ","); got != "forks/itoa,third_party/vendor" {
		t.Errorf("whole = %s", got)
	}
	outside := vendored("")
	outside["svc/.cargo/config.toml"] = &fstest.MapFile{Data: []byte("[source.v]\ndirectory = \"../../vendor\"\n")}
	if _, err := Plan(outside, "svc"); err == nil || !strings.Contains(err.Error(), `svc/.cargo/config.toml: source.v.directory = "../../vendor" is outside the build context`) {
		t.Errorf("err = %v", err)
	}
	image := vendored("")
	image["svc/.cargo/config.toml"] = &fstest.MapFile{Data: []byte("[source.v]\ndirectory = \"/usr/share/cargo/registry\"\n")}
	if r := plan(t, image, "svc"); strings.Join(r.Whole, ",") != "" {
		t.Errorf("an image's directory is taken from the context: %v", r.Whole)
	}
}

// Metadata that cannot change how dependencies compile is masked like the
// version: editing it keeps the dependency step.
func TestSkeletonMasksMetadata(t *testing.T) {
	base := digest(plan(t, vendored(""), "svc"))
	meta := "description = \"d\"\nauthors = [\"a\"]\nreadme = \"README.md\"\nrepository = \"https://example.com\"\n" +
		"keywords = [\"k\"]\ncategories = [\"c\"]\nlicense = \"MIT\"\nhomepage = \"h\"\ndocumentation = \"d\"\npublish = false\n" +
		"[package.metadata.deb]\nsection = \"net\"\n[badges]\nmaintenance = { status = \"none\" }\n"
	if got := digest(plan(t, vendored(meta), "svc")); got != base {
		t.Errorf("metadata changed the skeleton:\n%s", got)
	}
	if got := digest(plan(t, vendored("links = \"z\"\n"), "svc")); got == base {
		t.Error("links, which changes how the package builds, was masked")
	}
	ws := workspace("1.0.0")
	ws["ws/Cargo.toml"].Data = append(ws["ws/Cargo.toml"].Data, []byte("\n[workspace.metadata.x]\ny = 1\n")...)
	ws["ws/Cargo.toml"].Data = []byte(strings.Replace(string(ws["ws/Cargo.toml"].Data), "[workspace.package]\n", "[workspace.package]\ndescription = \"d\"\nauthors = [\"a\"]\n", 1))
	ws["ws/crates/core/Cargo.toml"].Data = append(ws["ws/crates/core/Cargo.toml"].Data, []byte("description.workspace = true\n")...)
	if digest(plan(t, ws, "ws")) != digest(plan(t, workspace("1.0.0"), "ws")) {
		t.Error("inherited metadata changed the skeleton")
	}
}

func TestReservedVersion(t *testing.T) {
	if _, err := Plan(app(MaskedVersion, "fn main() {}\n", ""), "app"); err == nil || !strings.Contains(err.Error(), "reserves") {
		t.Errorf("err = %v", err)
	}
}
