package cargo

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Stubs: enough for cargo to build each target, nothing of the sources.
var (
	stubLib  = []byte("")
	stubMain = []byte("fn main() {}\n")
)

// metadataKeys are the [package] (and [workspace.package]) keys that do not
// change how dependencies compile: editing them must not re-run the
// dependency step. They are removed from the skeleton, in members and in
// the workspace they inherit from alike.
var metadataKeys = []string{
	"authors", "badges", "categories", "default-run", "description", "documentation", "exclude",
	"homepage", "include", "keywords", "license", "license-file", "metadata", "publish", "readme", "repository",
}

// skeleton writes a package's masked manifest and a stub for each target.
func (p *planner) skeleton(pk *pkg) error {
	doc := pk.doc
	delete(doc, "lints") // [lints] (and lints.workspace) would apply to the stubs
	delete(doc, "badges")
	if pt, ok := doc["package"].(map[string]any); ok {
		for _, k := range metadataKeys {
			delete(pt, k)
		}
		switch pt["version"].(type) {
		case string, nil: // no version means 0.0.0, which the lock says
			pt["version"] = MaskedVersion
		}
		// Targets are stubbed where they are declared or discovered; no
		// others are discovered from the (missing) sources.
		for _, k := range []string{"autobins", "autoexamples", "autotests", "autobenches"} {
			pt[k] = false
		}
		if err := p.stubTargets(pk, pt); err != nil {
			return err
		}
	}
	if ws, ok := doc["workspace"].(map[string]any); ok {
		delete(ws, "lints")
		delete(ws, "metadata")
		if wp, ok := ws["package"].(map[string]any); ok {
			for _, k := range metadataKeys {
				delete(wp, k)
			}
			if _, ok := wp["version"]; ok {
				wp["version"] = MaskedVersion
			}
		}
	}
	for _, t := range depTables(doc) {
		for _, d := range t {
			if dt, ok := d.(map[string]any); ok {
				if _, isPath := dt["path"]; isPath {
					delete(dt, "version") // the local version is masked
				}
			}
		}
	}
	return p.marshal(path.Join(pk.dir, "Cargo.toml"), doc)
}

// stubTargets declares every target of the package explicitly, with a
// stub at its path: the lib, the bins (declared and discovered), the build
// script, and declared examples, tests and benches. A path (or a name that
// makes one) outside the build context is refused: the stub would be
// written over a file of the toolchain image.
func (p *planner) stubTargets(pk *pkg, pt map[string]any) error {
	doc := pk.doc
	manifest := path.Join(pk.dir, "Cargo.toml")
	if ws, ok := pt["workspace"].(string); ok {
		if _, ok := inContext(pk.dir, ws); !ok {
			return fmt.Errorf("%s: package.workspace = %q is outside the build context", manifest, ws)
		}
	}
	// stub writes a stub at rel, which key = value makes; the first error
	// is kept.
	var err error
	stub := func(key, value, rel string, dt []byte) {
		if err != nil {
			return
		}
		file, ok := inContext(pk.dir, rel)
		if !ok || file == pk.dir {
			err = fmt.Errorf("%s: %s = %q is outside the build context", manifest, key, value)
			return
		}
		err = p.add(file, dt)
	}
	if lib, ok := doc["lib"].(map[string]any); ok {
		rel, _ := lib["path"].(string)
		if rel == "" {
			rel = "src/lib.rs"
		}
		lib["path"] = rel
		stub("lib.path", rel, rel, stubLib)
	} else if p.exists(path.Join(pk.dir, "src/lib.rs")) {
		doc["lib"] = map[string]any{"path": "src/lib.rs"}
		stub("lib.path", "src/lib.rs", "src/lib.rs", stubLib)
	}
	bins := tables(doc["bin"])
	declared := map[string]bool{}
	for _, b := range bins {
		name, _ := b["name"].(string)
		declared[name] = true
		rel, _ := b["path"].(string)
		key, value := "bin.path", rel
		if rel == "" {
			rel = p.binPath(pk.dir, name, name == pk.name)
			key, value = "bin.name", name
			b["path"] = rel
		}
		stub(key, value, rel, stubMain)
	}
	for _, d := range p.discoverBins(pk) {
		if !declared[d.name] {
			bins = append(bins, map[string]any{"name": d.name, "path": d.path})
			stub("bin.path", d.path, d.path, stubMain)
		}
	}
	if len(bins) > 0 {
		doc["bin"] = bins
	}
	switch b := pt["build"].(type) {
	case string:
		stub("package.build", b, b, stubMain)
	case bool:
		if b {
			pt["build"] = "build.rs"
			stub("package.build", "build.rs", "build.rs", stubMain)
		}
	default:
		if p.exists(path.Join(pk.dir, "build.rs")) {
			pt["build"] = "build.rs"
			stub("package.build", "build.rs", "build.rs", stubMain)
		}
	}
	for _, kind := range []string{"example", "test", "bench"} {
		for _, t := range tables(doc[kind]) {
			rel, _ := t["path"].(string)
			key, value := kind+".path", rel
			if rel == "" {
				name, _ := t["name"].(string)
				rel = map[string]string{"example": "examples/", "test": "tests/", "bench": "benches/"}[kind] + name + ".rs"
				key, value = kind+".name", name
				t["path"] = rel
			}
			stub(key, value, rel, stubMain)
		}
	}
	return err
}

type bin struct{ name, path string }

// discoverBins finds the binaries cargo would: src/main.rs (named after
// the package), src/bin/NAME.rs and src/bin/NAME/main.rs.
func (p *planner) discoverBins(pk *pkg) []bin {
	var out []bin
	if p.exists(path.Join(pk.dir, "src/main.rs")) {
		out = append(out, bin{pk.name, "src/main.rs"})
	}
	entries, _ := fs.ReadDir(p.fsys, path.Join(pk.dir, "src/bin"))
	for _, e := range entries {
		switch {
		case !e.IsDir() && strings.HasSuffix(e.Name(), ".rs"):
			out = append(out, bin{strings.TrimSuffix(e.Name(), ".rs"), "src/bin/" + e.Name()})
		case e.IsDir() && p.exists(path.Join(pk.dir, "src/bin", e.Name(), "main.rs")):
			out = append(out, bin{e.Name(), "src/bin/" + e.Name() + "/main.rs"})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func (p *planner) binPath(dir, name string, isPackage bool) string {
	for _, c := range []string{"src/bin/" + name + ".rs", "src/bin/" + name + "/main.rs"} {
		if p.exists(path.Join(dir, c)) {
			return c
		}
	}
	if isPackage {
		return "src/main.rs"
	}
	return "src/bin/" + name + ".rs"
}

func tables(v any) []map[string]any {
	var out []map[string]any
	switch list := v.(type) {
	case []any:
		for _, x := range list {
			if t, ok := x.(map[string]any); ok {
				out = append(out, t)
			}
		}
	case []map[string]any:
		out = list
	}
	return out
}

// lock masks the versions of local packages in Cargo.lock, which the
// dependency step needs to build exactly what the real build will.
func (p *planner) lock() error {
	file := path.Join(p.root, "Cargo.lock")
	dt, err := p.readFile(file, maxLock, "lock file")
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s is missing: commit it (cargo generate-lockfile) so that dependencies are pinned and cached", file)
	}
	if err != nil {
		return err
	}
	doc, err := p.decode(file, dt)
	if err != nil {
		return err
	}
	local, patched := map[string]bool{}, map[string]bool{}
	for _, pk := range p.pkgs {
		if pk.name != "" {
			local[pk.name] = true
			patched[pk.name] = patched[pk.name] || p.whole[pk.dir]
		}
	}
	// A dependency names a package by "name" or, when the name is not
	// unique, "name version": only references to a local package's own
	// version are masked, never a registry package of the same name.
	localVersion := map[string]bool{}
	for _, pk := range tables(doc["package"]) {
		name, _ := pk["name"].(string)
		if _, fromRegistry := pk["source"]; fromRegistry || !local[name] {
			continue
		}
		v, _ := pk["version"].(string)
		if v == MaskedVersion {
			return fmt.Errorf("%s: package %s has version %s, which Strata reserves for the stubs of local packages", file, name, v)
		}
		if patched[name] {
			continue
		}
		localVersion[name+" "+v] = true
		pk["version"] = MaskedVersion
	}
	for _, pk := range tables(doc["package"]) {
		deps, _ := pk["dependencies"].([]any)
		for i, d := range deps {
			s, _ := d.(string)
			if f := strings.Fields(s); len(f) == 2 && localVersion[f[0]+" "+f[1]] {
				deps[i] = f[0] + " " + MaskedVersion
			}
		}
	}
	return p.marshal(file, doc)
}
