package cargo

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// pkgWith is a package app whose manifest is a [package] table followed by
// extra, with a lock and a main.
func pkgWith(extra string) fstest.MapFS {
	return fstest.MapFS{
		"app/Cargo.toml":  {Data: []byte("[package]\nname = \"app\"\nversion = \"1.0.0\"\n" + extra)},
		"app/Cargo.lock":  {Data: []byte("version = 4\n\n[[package]]\nname = \"app\"\nversion = \"1.0.0\"\n")},
		"app/src/main.rs": {Data: []byte("fn main() {}\n")},
	}
}

// planCost plans and returns the error, the time taken and the bytes
// allocated.
func planCost(fsys fstest.MapFS, root string) (error, time.Duration, uint64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err := Plan(fsys, root)
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	return err, took, after.TotalAlloc - before.TotalAlloc
}

// hostile is refused quickly, without big allocations, with an error that
// says what is wrong.
func hostile(t *testing.T, fsys fstest.MapFS, want string) {
	t.Helper()
	err, took, alloc := planCost(fsys, "app")
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v, want %q", err, want)
	}
	if took > 500*time.Millisecond || alloc > 64<<20 {
		t.Errorf("took %v and allocated %d MiB", took, alloc>>20)
	}
}

func TestFileSizeLimits(t *testing.T) {
	pad := func(n int) []byte { return []byte("#" + strings.Repeat("x", n) + "\n") }
	big := pkgWith("")
	big["app/Cargo.toml"].Data = append(big["app/Cargo.toml"].Data, pad(2200000)...)
	hostile(t, big, "app/Cargo.toml: 2.1 MiB is over the 1 MiB limit for a manifest")
	lock := pkgWith("")
	lock["app/Cargo.lock"].Data = append(lock["app/Cargo.lock"].Data, pad(9<<20)...)
	hostile(t, lock, "app/Cargo.lock: 9.0 MiB is over the 4 MiB limit for a lock file")
	config := pkgWith("")
	config[".cargo/config.toml"] = &fstest.MapFile{Data: pad(3 << 20)}
	hostile(t, config, ".cargo/config.toml: 3.0 MiB is over the 1 MiB limit for a cargo configuration")
	toolchain := pkgWith("")
	toolchain["app/rust-toolchain.toml"] = &fstest.MapFile{Data: pad(3 << 20)}
	hostile(t, toolchain, "app/rust-toolchain.toml: 3.0 MiB is over the 1 MiB limit for a toolchain file")
}

// Deeply nested tables make go-toml's output grow with the square of the
// depth (every table's header repeats its whole path): 40 KB made 400 MB.
func TestDeepNesting(t *testing.T) {
	deep := strings.Repeat("a.", 20000) + "a"
	for name, extra := range map[string]string{
		"table":        "[target.'cfg(unix)'." + deep + "]\nx = 1\n",
		"dotted key":   "[features]\n" + deep + " = 1\n",
		"inline table": "[features]\nx = " + strings.Repeat("{a = ", 5000) + "1" + strings.Repeat("}", 5000) + "\n",
		"array":        "[features]\nx = " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			hostile(t, pkgWith(extra), "app/Cargo.toml: tables and arrays nested deeper than the limit of 32 levels")
		})
	}
	// What real manifests nest stays well inside the limit.
	plan(t, pkgWith("[target.'cfg(all(unix, not(target_os = \"macos\")))'.dependencies.openssl]\nversion = \"0.10\"\nfeatures = [\"vendored\"]\n"), "app")
}

// go-toml compares every key with all those seen before (to find
// duplicates): 120 000 distinct keys, 1 MiB, took 15 s to parse.
func TestManyKeys(t *testing.T) {
	var b strings.Builder
	b.WriteString("[features]\n")
	for i := 0; b.Len() < 900<<10; i++ {
		fmt.Fprintf(&b, "f%d = []\n", i)
	}
	hostile(t, pkgWith(b.String()), "app/Cargo.toml: too many keys: over the limit of 100000000 key comparisons for a workspace")
}

// Each key and value parsed takes a few hundred bytes: a workspace's
// documents hold a bounded number of them.
func TestManyValues(t *testing.T) {
	values := "[features]\nx = [" + strings.Repeat("1,", 300000) + "]\n"
	fsys := pkgWith("[dependencies]\na = { path = \"../a\" }\n" + values)
	fsys["a/Cargo.toml"] = &fstest.MapFile{Data: []byte("[package]\nname = \"a\"\nversion = \"1.0.0\"\n" + values)}
	err, took, _ := planCost(fsys, "app")
	if err == nil || !strings.Contains(err.Error(), "a/Cargo.toml: over the limit of 524288 keys and values for a workspace") {
		t.Errorf("err = %v", err)
	}
	if took > 2*time.Second {
		t.Errorf("took %v", took)
	}
}

// A long table name is repeated in the header of each of its sub-tables,
// which a dotted key makes in a few bytes.
func TestSkeletonSizeLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString("[target.'" + strings.Repeat("x", 20000) + "']\n")
	for i := 0; i < 3000; i++ {
		fmt.Fprintf(&b, "a%d.b = 1\n", i)
	}
	hostile(t, pkgWith(b.String()), "app/Cargo.toml: the skeleton is over the 8 MiB limit for a workspace")
}

func TestPackageLimits(t *testing.T) {
	many := pkgWith("[workspace]\nmembers = [\"crates/*\"]\n")
	for i := 0; i <= 4096; i++ {
		many[fmt.Sprintf("app/crates/c%d/Cargo.toml", i)] = &fstest.MapFile{Data: []byte(fmt.Sprintf("[package]\nname = \"c%d\"\nversion = \"0.1.0\"\n", i))}
	}
	if err, _, _ := planCost(many, "app"); err == nil || !strings.Contains(err.Error(), "app/Cargo.toml: over the limit of 4096 local packages in a workspace") {
		t.Errorf("err = %v", err)
	}
	members := pkgWith("[workspace]\nmembers = [" + strings.Repeat(`"x", `, 5000) + "]\n")
	hostile(t, members, "app/Cargo.toml: workspace.members has 5000 entries, over the limit of 4096")
}

// A workspace as big as the biggest real ones plans well within the limits.
func TestLargeWorkspace(t *testing.T) {
	fsys := fstest.MapFS{}
	var root, lock strings.Builder
	root.WriteString("[workspace]\nmembers = [\"crates/*\"]\n\n[workspace.dependencies]\n")
	lock.WriteString("version = 4\n")
	for i := 0; i < 3000; i++ {
		fmt.Fprintf(&root, "dep%d = { version = \"1.%d\", default-features = false, features = [\"std\", \"derive\"] }\n", i, i)
		fmt.Fprintf(&lock, "\n[[package]]\nname = \"dep%d\"\nversion = \"1.%d.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"%064d\"\ndependencies = [\n \"dep%d\",\n \"dep%d\",\n]\n", i, i, i, (i+1)%3000, (i+2)%3000)
	}
	for i := 0; i < 600; i++ {
		var m strings.Builder
		fmt.Fprintf(&m, "[package]\nname = \"c%d\"\nversion = \"0.1.0\"\n\n[dependencies]\n", i)
		for j := 0; j < 20; j++ {
			fmt.Fprintf(&m, "dep%d = { workspace = true }\n", (i*7+j)%3000)
		}
		fmt.Fprintf(&m, "\n[target.'cfg(unix)'.dependencies]\nlibc = \"0.2\"\n")
		fsys[fmt.Sprintf("crates/c%d/Cargo.toml", i)] = &fstest.MapFile{Data: []byte(m.String())}
		fsys[fmt.Sprintf("crates/c%d/src/lib.rs", i)] = &fstest.MapFile{}
		fmt.Fprintf(&lock, "\n[[package]]\nname = \"c%d\"\nversion = \"0.1.0\"\n", i)
	}
	fsys["Cargo.toml"] = &fstest.MapFile{Data: []byte(root.String())}
	fsys["Cargo.lock"] = &fstest.MapFile{Data: []byte(lock.String())}
	err, took, alloc := planCost(fsys, ".")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d KB of manifests planned in %v, %d MiB allocated", (root.Len()+lock.Len())>>10, took, alloc>>20)
}
