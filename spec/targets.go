package spec

import (
	"fmt"
	"strings"
)

// Target is one buildable entry of a spec.
type Target struct {
	Name  string
	Path  string // spec path, such as apps.web
	App   *App   // set for an app
	Layer *Layer // set for a layer
}

// Targets lists the names of all targets, sorted.
func (s *Spec) Targets() []string {
	names := append(sortedKeys(s.Apps), sortedKeys(s.Layers)...)
	return names
}

// Target selects the target to build: the named one, or the only one.
func (s *Spec) Target(name string) (*Target, error) {
	if name == "" {
		names := s.Targets()
		if len(names) != 1 {
			return nil, &Error{File: s.file, Pos: s.Pos(""), Msg: fmt.Sprintf(
				"the spec has %d targets; choose one with --target (one of %s)", len(names), strings.Join(names, ", "))}
		}
		name = names[0]
	}
	if a, ok := s.Apps[name]; ok {
		return &Target{Name: name, Path: "apps." + name, App: a}, nil
	}
	if l, ok := s.Layers[name]; ok {
		return &Target{Name: name, Path: "layers." + name, Layer: l}, nil
	}
	return nil, &Error{File: s.file, Pos: s.Pos(""), Msg: fmt.Sprintf(
		"unknown target %q (expected one of %s)", name, strings.Join(s.Targets(), ", "))}
}
