// Package cargo computes the dependency recipe of a Rust workspace, as
// cargo-chef does but in the frontend: from the manifests alone, a skeleton
// workspace whose content changes only when dependencies change. Building
// the skeleton compiles every dependency; a source edit or a version bump
// of a local crate leaves it, and the step that builds it, as they were.
package cargo

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"sort"
)

// MaskedVersion replaces the versions of local packages in the skeleton.
// It is a pre-release no published crate would take, and a package whose
// real version it is is refused: the version is part of every artifact's
// name (cargo's metadata hash), so a stub's artifacts can never be taken
// for the real package's, whatever the file times say.
const MaskedVersion = "0.0.0-strata.stub"

// Recipe is the skeleton of a workspace.
type Recipe struct {
	Root  string            // the workspace root in the context
	Dirs  []string          // directories of the stubbed local packages, sorted
	Whole []string          // directories the dependency step takes whole from the context, sorted
	Files map[string][]byte // skeleton files by context path
}

// Plan reads the workspace at root in fsys (the build context) and returns
// its skeleton: every manifest with local versions and metadata masked and
// [lints] removed, every target a stub, Cargo.lock masked the same way,
// rust-toolchain(.toml) as it is, and the .cargo/config(.toml) of the root
// and of every directory above it in the context, as cargo reads them.
// What dependencies are built from is whole: [patch]ed path crates (and
// their path dependencies) and the directories of [source] replacements
// (cargo vendor's vendor/). The files, and what they hold, are bounded
// (limits.go), and every path they name must be in the build context.
func Plan(fsys fs.FS, root string) (*Recipe, error) {
	root = path.Clean(root)
	p := &planner{fsys: fsys, root: root, pkgs: map[string]*pkg{}, whole: map[string]bool{}, files: map[string][]byte{}}
	for _, f := range []string{"rust-toolchain", "rust-toolchain.toml"} {
		file := path.Join(root, f)
		dt, err := p.readFile(file, maxManifest, "toolchain file")
		if err == nil {
			err = p.add(file, dt)
		}
		if isLimit(err) {
			return nil, err
		}
	}
	if err := p.configs(); err != nil {
		return nil, err
	}
	if err := p.workspace(); err != nil {
		return nil, err
	}
	if err := p.lock(); err != nil {
		return nil, err
	}
	r := &Recipe{Root: root, Files: p.files}
	for _, dir := range p.order {
		if !p.whole[dir] {
			r.Dirs = append(r.Dirs, dir)
		}
	}
	r.Whole = slices.Sorted(maps.Keys(p.whole))
	sort.Strings(r.Dirs)
	if err := checkFiles(r); err != nil {
		return nil, err
	}
	return r, nil
}

type pkg struct {
	dir  string
	name string
	doc  map[string]any
	deps []string // directories of its path dependencies
}

type planner struct {
	fsys  fs.FS
	root  string
	pkgs  map[string]*pkg // by directory
	order []string
	// whole are the directories copied whole into the skeleton: [patch]
	// and [replace] crates and their path dependencies, which registry
	// crates build against (their versions must still match the
	// dependents' requirements, so they are not masked either), and
	// [source] directories.
	whole map[string]bool
	// configPatches are the [patch] directories of cargo configurations.
	configPatches []string
	files         map[string][]byte
	// What was read and written so far, against the limits (limits.go).
	inputSize, skeletonSize, values, work int
}

func (p *planner) read(file string) (map[string]any, error) {
	dt, err := p.readFile(file, maxManifest, "manifest")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: not found in the build context", file)
		}
		return nil, err
	}
	return p.decode(file, dt)
}

func (p *planner) exists(file string) bool {
	_, err := fs.Stat(p.fsys, file)
	return err == nil
}

// workspace reads the root manifest, its members and every path
// dependency, recursively, then writes their skeletons.
func (p *planner) workspace() error {
	rootManifest := path.Join(p.root, "Cargo.toml")
	doc, err := p.read(rootManifest)
	if err != nil {
		return err
	}
	queue, err := p.members(rootManifest, doc)
	if err != nil {
		return err
	}
	if len(queue) == 0 {
		return fmt.Errorf("%s: neither a [package] nor workspace members", rootManifest)
	}
	// The root's [patch] and [replace] packages, and for a virtual root
	// the path dependencies of [workspace.dependencies], are local too.
	patches, err := p.depDirs(p.root, patchTables(doc))
	if err != nil {
		return err
	}
	patches = append(patches, p.configPatches...)
	queue = append(queue, patches...)
	if _, ok := doc["package"]; !ok {
		deps, err := p.pathDeps(p.root, doc)
		if err != nil {
			return err
		}
		queue = append(queue, deps...)
	}
	for len(queue) > 0 {
		dir := queue[0]
		queue = queue[1:]
		if _, done := p.pkgs[dir]; done {
			continue
		}
		if len(p.pkgs) >= maxPackages {
			return overLimit("%s: over the limit of %d local packages in a workspace", rootManifest, maxPackages)
		}
		d := doc
		if dir != p.root {
			if d, err = p.read(path.Join(dir, "Cargo.toml")); err != nil {
				return err
			}
		}
		pk := &pkg{dir: dir, doc: d}
		if pt, ok := d["package"].(map[string]any); ok {
			pk.name, _ = pt["name"].(string)
		}
		p.pkgs[dir] = pk
		p.order = append(p.order, dir)
		if pk.deps, err = p.pathDeps(dir, d); err != nil {
			return err
		}
		queue = append(queue, pk.deps...)
	}
	if _, ok := p.pkgs[p.root]; !ok { // a virtual workspace root
		p.pkgs[p.root] = &pkg{dir: p.root, doc: doc}
	}
	p.markWhole(patches)
	for _, dir := range append([]string{}, p.order...) {
		if p.whole[dir] {
			continue
		}
		if err := p.skeleton(p.pkgs[dir]); err != nil {
			return err
		}
	}
	if _, ok := doc["package"]; !ok {
		return p.skeleton(p.pkgs[p.root])
	}
	return nil
}

// members lists the root package and the workspace's members, whose
// patterns must stay inside the build context.
func (p *planner) members(rootManifest string, doc map[string]any) ([]string, error) {
	var queue []string
	if _, ok := doc["package"]; ok {
		queue = append(queue, p.root)
	}
	ws, _ := doc["workspace"].(map[string]any)
	excluded, queued := map[string]bool{}, map[string]bool{}
	for _, e := range strings_(ws["exclude"]) {
		dir, ok := inContext(p.root, e)
		if !ok {
			return nil, fmt.Errorf("%s: workspace.exclude = %q is outside the build context", rootManifest, e)
		}
		excluded[dir] = true
	}
	members := strings_(ws["members"])
	if len(members) > maxPackages {
		return nil, overLimit("%s: workspace.members has %d entries, over the limit of %d", rootManifest, len(members), maxPackages)
	}
	for _, m := range members {
		pattern, ok := inContext(p.root, m)
		if !ok {
			return nil, fmt.Errorf("%s: workspace.members = %q is outside the build context", rootManifest, m)
		}
		matches, err := fs.Glob(p.fsys, pattern)
		if err != nil {
			return nil, fmt.Errorf("%s: workspace member %q: %v", rootManifest, m, err)
		}
		sort.Strings(matches)
		for _, dir := range matches {
			if !excluded[dir] && !queued[dir] && p.exists(path.Join(dir, "Cargo.toml")) {
				if len(queue) >= maxPackages {
					return nil, overLimit("%s: over the limit of %d local packages in a workspace", rootManifest, maxPackages)
				}
				queued[dir] = true
				queue = append(queue, dir)
			}
		}
	}
	return queue, nil
}

// markWhole marks dirs, and the path dependencies they reach, as whole:
// a registry crate that depends on a patched crate compiles against its
// real sources, and so do the patched crate's own path dependencies.
func (p *planner) markWhole(dirs []string) {
	for len(dirs) > 0 {
		dir := dirs[0]
		dirs = dirs[1:]
		if p.whole[dir] {
			continue
		}
		p.whole[dir] = true
		if pk, ok := p.pkgs[dir]; ok {
			dirs = append(dirs, pk.deps...)
		}
	}
}

// depTables are the dependency tables of a manifest (and of its targets).
func depTables(doc map[string]any) []map[string]any {
	var out []map[string]any
	for _, k := range []string{"dependencies", "dev-dependencies", "build-dependencies"} {
		if t, ok := doc[k].(map[string]any); ok {
			out = append(out, t)
		}
	}
	if targets, ok := doc["target"].(map[string]any); ok {
		for _, cfg := range slices.Sorted(maps.Keys(targets)) {
			if t, ok := targets[cfg].(map[string]any); ok {
				out = append(out, depTables(t)...)
			}
		}
	}
	if ws, ok := doc["workspace"].(map[string]any); ok {
		if t, ok := ws["dependencies"].(map[string]any); ok {
			out = append(out, t)
		}
	}
	return out
}

// patchTables are the [patch.SOURCE] and [replace] tables of a manifest.
func patchTables(doc map[string]any) []map[string]any {
	var out []map[string]any
	if patch, ok := doc["patch"].(map[string]any); ok {
		for _, src := range slices.Sorted(maps.Keys(patch)) {
			if t, ok := patch[src].(map[string]any); ok {
				out = append(out, t)
			}
		}
	}
	if t, ok := doc["replace"].(map[string]any); ok {
		out = append(out, t)
	}
	return out
}

// pathDeps lists the directories of a manifest's path dependencies.
func (p *planner) pathDeps(dir string, doc map[string]any) ([]string, error) {
	return p.depDirs(dir, depTables(doc))
}

// depDirs lists the directories of the path entries of dependency tables,
// which must stay inside the build context.
func (p *planner) depDirs(dir string, tables []map[string]any) ([]string, error) {
	var out []string
	for _, t := range tables {
		for _, name := range slices.Sorted(maps.Keys(t)) {
			d, ok := t[name].(map[string]any)
			if !ok {
				continue
			}
			rel, ok := d["path"].(string)
			if !ok {
				continue
			}
			target, ok := inContext(dir, rel)
			if !ok {
				return nil, fmt.Errorf("%s: path dependency %s = %q is outside the build context", path.Join(dir, "Cargo.toml"), name, rel)
			}
			if p.exists(path.Join(target, "Cargo.toml")) {
				out = append(out, target)
			}
		}
	}
	return out, nil
}

// inContext joins a path of a manifest to the directory it is relative to,
// and tells whether the result is in the build context: the path is not
// absolute and does not climb out of the context with "..".
func inContext(dir, rel string) (string, bool) {
	target := path.Join(dir, rel)
	return target, !path.IsAbs(rel) && fs.ValidPath(target)
}

func strings_(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
