package spec

import (
	"fmt"
	"sort"
	"strings"
)

// Pos is a place in a spec file: 1-based line and column of a key (or of a
// list item), and the last line of its value, so that a whole block can be
// shown.
type Pos struct {
	Line, Col int
	EndLine   int
}

// Error is one problem with a spec, at a place in its file.
type Error struct {
	File string
	Pos  Pos
	Path string // the spec path, such as apps.web.lang; empty for the whole file
	Msg  string
}

func (e *Error) Error() string {
	loc := e.File
	if e.Pos.Line > 0 {
		loc = fmt.Sprintf("%s:%d:%d", e.File, e.Pos.Line, e.Pos.Col)
	}
	if e.Path == "" {
		return loc + ": " + e.Msg
	}
	return loc + ": " + e.Path + ": " + e.Msg
}

// Errors are all the problems found in a spec, in file order.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// errs collects errors; err returns nil when there are none.
type errs struct {
	file string
	list Errors
}

func (c *errs) add(p Pos, path, format string, args ...any) {
	c.list = append(c.list, &Error{File: c.file, Pos: p, Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (c *errs) err() error {
	if len(c.list) == 0 {
		return nil
	}
	sort.SliceStable(c.list, func(i, j int) bool {
		a, b := c.list[i].Pos, c.list[j].Pos
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return c.list
}
