package cargo

import (
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
)

// configFiles are the names cargo reads its configuration from in a
// .cargo directory.
var configFiles = []string{".cargo/config.toml", ".cargo/config"}

// configs adds the cargo configuration of the workspace root and of every
// directory above it in the context to the skeleton, as cargo reads them
// (it walks up from the working directory), and takes from them what
// dependencies are built from: the directories of [source] replacements
// (cargo vendor's `directory`, `local-registry`) are copied whole, and
// [patch] paths are patches like the manifest's. Paths in a configuration
// are relative to the directory that holds its .cargo directory.
func (p *planner) configs() error {
	for _, dir := range ancestors(p.root) {
		for _, name := range configFiles {
			file := path.Join(dir, name)
			dt, err := p.readFile(file, maxManifest, "cargo configuration")
			if isLimit(err) {
				return err
			}
			if err != nil {
				continue
			}
			if err := p.add(file, dt); err != nil {
				return err
			}
			doc, err := p.decode(file, dt)
			if err != nil {
				return err
			}
			if err := p.configSources(file, dir, doc); err != nil {
				return err
			}
			patches, err := p.depDirs(dir, patchTables(doc))
			if err != nil {
				return fmt.Errorf("%s: %v", file, strings.TrimPrefix(err.Error(), path.Join(dir, "Cargo.toml")+": "))
			}
			p.configPatches = append(p.configPatches, patches...)
		}
	}
	return nil
}

// configSources marks the context directories of a configuration's
// [source] tables whole. An absolute path names a directory of the
// toolchain image, not of the context, and is left to cargo.
func (p *planner) configSources(file, dir string, doc map[string]any) error {
	sources, _ := doc["source"].(map[string]any)
	for _, name := range slices.Sorted(maps.Keys(sources)) {
		src, _ := sources[name].(map[string]any)
		for _, key := range []string{"directory", "local-registry"} {
			rel, ok := src[key].(string)
			if !ok || path.IsAbs(rel) {
				continue
			}
			target := path.Join(dir, rel)
			if !fs.ValidPath(target) {
				return fmt.Errorf("%s: source.%s.%s = %q is outside the build context", file, name, key, rel)
			}
			p.whole[target] = true
		}
	}
	return nil
}

// ancestors are dir and every directory above it, up to the context's root.
func ancestors(dir string) []string {
	out := []string{dir}
	for dir != "." {
		dir = path.Dir(dir)
		out = append(out, dir)
	}
	return out
}
