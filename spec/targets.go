package spec

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Target is one buildable entry of a spec.
type Target struct {
	Name  string
	Path  string // spec path, such as apps.web
	App   *App   // set for an app
	Layer *Layer // set for a layer
	// Function is set (lambda, fc) for an app's function code package.
	Function string
	AppName  string // the app of a function code package
}

// FunctionTarget is the target name of an app's function code package.
func FunctionTarget(app, provider string) string { return app + "-" + provider }

// Targets lists the names of all targets, sorted.
func (s *Spec) Targets() []string {
	names := slices.Sorted(maps.Keys(s.Apps))
	for _, a := range slices.Sorted(maps.Keys(s.Apps)) {
		for _, f := range s.Apps[a].Functions {
			names = append(names, FunctionTarget(a, f))
		}
	}
	return append(names, slices.Sorted(maps.Keys(s.Layers))...)
}

// Target selects the target to build: the named one, or the only entry of
// apps and layers (an app's function packages do not count: building the
// app builds its image).
func (s *Spec) Target(name string) (*Target, error) {
	if name == "" {
		entries := append(slices.Sorted(maps.Keys(s.Apps)), slices.Sorted(maps.Keys(s.Layers))...)
		if len(entries) != 1 {
			names := s.Targets()
			return nil, &Error{File: s.file, Pos: s.Pos(""), Msg: fmt.Sprintf(
				"the spec has %d targets; choose one with --target (one of %s)", len(names), strings.Join(names, ", "))}
		}
		name = entries[0]
	}
	if a, ok := s.Apps[name]; ok {
		return &Target{Name: name, Path: "apps." + name, App: a, AppName: name}, nil
	}
	if l, ok := s.Layers[name]; ok {
		return &Target{Name: name, Path: "layers." + name, Layer: l}, nil
	}
	for _, a := range slices.Sorted(maps.Keys(s.Apps)) {
		for _, f := range s.Apps[a].Functions {
			if FunctionTarget(a, f) == name {
				return &Target{Name: name, Path: "apps." + a + ".functions", App: s.Apps[a], Function: f, AppName: a}, nil
			}
		}
	}
	return nil, &Error{File: s.file, Pos: s.Pos(""), Msg: fmt.Sprintf(
		"unknown target %q (expected one of %s)", name, strings.Join(s.Targets(), ", "))}
}
