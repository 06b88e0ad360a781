// Package lint is Strata's checks of a spec that are not errors: things
// that build but are likely mistakes (a base image that can change under
// the build, a glibc floor its image cannot run, a secret in a build
// argument). Each rule is a small pure function over the loaded spec and
// what the frontend knows of the build (its build arguments, cache
// imports, a few context files); Rules is the one list of their ids and
// descriptions, which the frontend reports through BuildKit's lint
// subrequest (docker buildx build --call check) and as build warnings.
package lint

import (
	"slices"
	"sort"
	"strings"

	"github.com/strata-build/strata/spec"
)

// Rule is one check.
type Rule struct {
	// Name is the rule's id, as skip=NAME and the output name it.
	Name string
	// Description is the rule in one line: what it warns about and why.
	Description string
	// Fix says how to fix what it warns about (the README lists it).
	Fix string
	// About is the kind of target the rule is about, when it is about
	// one kind of an app's targets only: "image" (the app image) or
	// "function" (its code packages).
	About string

	check func(in *Input) []Warning
}

// Input is what the rules read: the spec (defaults applied) and what the
// frontend knows of this build.
type Input struct {
	Spec *spec.Spec
	// BuildArgs are the build's arguments (--build-arg), by name.
	BuildArgs map[string]string
	// CacheImports are the types of the build's cache imports
	// (--cache-from type=registry,...: "registry").
	CacheImports []string
	// Context tells, for each path of Needs, whether the build context
	// has it; a path it lacks is unknown, and its rule stays silent.
	Context map[string]bool
}

// Warning is one finding of a rule.
type Warning struct {
	Rule *Rule
	// Path is the spec path the warning is about (its line is shown);
	// empty when the spec has no place for it (a build argument).
	Path string
	// Detail is the finding itself, with the values that make it.
	Detail string
}

// Config selects the rules that run, as BuildKit's Dockerfile check
// options do (BUILDKIT_DOCKERFILE_CHECK=skip=A,B;error=true).
type Config struct {
	SkipAll bool
	Skip    []string
}

// Run runs every rule that cfg does not skip, and returns the warnings in
// the order of their lines (those without a line first), then of rules.
func Run(in Input, cfg Config) []Warning {
	var out []Warning
	for _, r := range Rules {
		if cfg.SkipAll || slices.Contains(cfg.Skip, r.Name) {
			continue
		}
		for _, w := range r.check(&in) {
			w.Rule = r
			out = append(out, w)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		li, lj := line(in.Spec, out[i].Path), line(in.Spec, out[j].Path)
		if li != lj {
			return li < lj
		}
		return out[i].Rule.Name < out[j].Rule.Name
	})
	return out
}

func line(s *spec.Spec, path string) int {
	if path == "" {
		return 0
	}
	return s.Pos(path).Line
}

// Needs lists the build context's paths the rules read (whether they
// exist): the frontend looks them up and gives the answer as
// Input.Context.
func Needs(s *spec.Spec) []string {
	var out []string
	for _, name := range sortedKeys(s.Apps) {
		if a := s.Apps[name]; a.Lang == "rust" {
			out = append(out, cargoLock(a))
		}
	}
	return out
}

// Within keeps the warnings about a target: those under its spec path or
// under the layers its image holds, and those that have no place in the
// spec (a build argument); for an app, those of rules about its image or
// its function code packages only for such a target.
func Within(ws []Warning, t *spec.Target) []Warning {
	prefixes := []string{t.Path}
	kind := ""
	if t.App != nil {
		prefixes, kind = []string{"apps." + t.AppName}, "image"
		if t.Function != "" {
			kind = "function"
		} else if t.App.Image != nil {
			for _, l := range t.App.Image.Layers {
				prefixes = append(prefixes, "layers."+l)
			}
		}
	}
	var out []Warning
	for _, w := range ws {
		if w.Rule.About != "" && kind != "" && w.Rule.About != kind {
			continue
		}
		if w.Path == "" || slices.ContainsFunc(prefixes, func(p string) bool { return under(w.Path, p) }) {
			out = append(out, w)
		}
	}
	return out
}

// under tells whether path is p or below it.
func under(path, p string) bool {
	return path == p || strings.HasPrefix(path, p+".") || strings.HasPrefix(path, p+"[")
}

// RuleNames lists the names of the rules that fired, sorted, once each.
func RuleNames(ws []Warning) []string {
	var names []string
	for _, w := range ws {
		if !slices.Contains(names, w.Rule.Name) {
			names = append(names, w.Rule.Name)
		}
	}
	slices.Sort(names)
	return names
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
