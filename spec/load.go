package spec

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// MaxSize bounds a spec file; a build file is a few kilobytes.
const MaxSize = 1 << 20

// maxNodes bounds the work of walking a document, so that aliases that
// expand exponentially are an error rather than a hang.
const maxNodes = 100000

// Load parses, defaults and validates a spec. Unknown keys, wrong types and
// bad values are errors; each carries file:line:column. The error is an
// Errors value listing every problem found.
func Load(file string, data []byte) (*Spec, error) {
	c := &errs{file: file}
	if len(data) > MaxSize {
		c.add(Pos{}, "", "file is %d bytes, more than the %d a spec may have", len(data), MaxSize)
		return nil, c.err()
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			c.add(Pos{Line: 1, Col: 1}, "", "the spec is empty (expected a mapping with version and apps or layers)")
		} else {
			c.add(syntaxPos(err), "", "invalid YAML: %s", syntaxMsg(err))
		}
		return nil, c.err()
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		c.add(Pos{Line: extra.Line, Col: extra.Column}, "", "a spec is one YAML document; found a second one")
		return nil, c.err()
	} else if !errors.Is(err, io.EOF) {
		c.add(syntaxPos(err), "", "a spec is one YAML document; after it: %s", syntaxMsg(err))
		return nil, c.err()
	}
	d := &decoder{errs: c, pos: positions{}}
	s := &Spec{file: file}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	d.decode(root, reflect.ValueOf(s).Elem(), "")
	if err := c.err(); err != nil {
		return nil, err
	}
	s.pos = d.pos
	s.pos[""] = Pos{Line: root.Line, Col: root.Column, EndLine: lastLine(root)}
	s.validate(c)
	if err := c.err(); err != nil {
		return nil, err
	}
	s.applyDefaults()
	return s, nil
}

var syntaxLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func syntaxPos(err error) Pos {
	if m := syntaxLine.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return Pos{Line: n, Col: 1, EndLine: n}
	}
	return Pos{Line: 1, Col: 1}
}

func syntaxMsg(err error) string {
	if m := syntaxLine.FindStringSubmatch(err.Error()); m != nil {
		return m[2]
	}
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

// positions maps a spec path (apps.web.image.ports[0]) to its place.
type positions map[string]Pos

// Pos returns the place of a spec path, or of its nearest ancestor that has
// one (defaults have none).
func (s *Spec) Pos(path string) Pos {
	for {
		if p, ok := s.pos[path]; ok {
			return p
		}
		if path == "" {
			return Pos{}
		}
		path = parent(path)
	}
}

// Has tells whether the spec's file sets a path itself (a default does
// not).
func (s *Spec) Has(path string) bool {
	_, ok := s.pos[path]
	return ok
}

func parent(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// decoder fills Go values from YAML nodes by reflection, strictly: only the
// keys of the yaml tags, only values of the field's kind.
type decoder struct {
	*errs
	pos   positions
	nodes int
}

func at(n *yaml.Node) Pos { return Pos{Line: n.Line, Col: n.Column, EndLine: lastLine(n)} }

func lastLine(n *yaml.Node) int {
	for len(n.Content) > 0 {
		n = n.Content[len(n.Content)-1]
	}
	return n.Line
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	switch n.Tag {
	case "!!null":
		return "nothing"
	case "!!int":
		return "an integer"
	case "!!bool":
		return "a boolean"
	case "!!float":
		return "a number"
	}
	return strconv.Quote(n.Value)
}

func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	if d.nodes++; d.nodes > maxNodes {
		if d.nodes == maxNodes+1 {
			d.add(at(n), path, "the document is too large or its aliases expand too far")
		}
		return
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			d.add(at(n), path, "unknown alias")
			return
		}
		n = n.Alias
	}
	if n.Kind == yaml.DocumentNode {
		d.add(at(n), path, "unexpected document")
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if isNull(n) {
			return
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, v.Elem(), path)
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.Map:
		d.decodeMap(n, v, path)
	case reflect.Slice:
		if isNull(n) {
			return
		}
		if n.Kind != yaml.SequenceNode {
			d.add(at(n), path, "expected a list, got %s", describe(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			p := path + "[" + strconv.Itoa(i) + "]"
			d.pos[p] = at(item)
			d.decode(item, s.Index(i), p)
		}
		v.Set(s)
	case reflect.String:
		if n.Kind != yaml.ScalarNode || isNull(n) {
			d.add(at(n), path, "expected a string, got %s", describe(n))
			return
		}
		v.SetString(n.Value)
	case reflect.Int, reflect.Int64:
		var i int64
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || n.Decode(&i) != nil {
			d.add(at(n), path, "expected an integer, got %s", describe(n))
			return
		}
		v.SetInt(i)
	case reflect.Bool:
		var b bool
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" || n.Decode(&b) != nil {
			d.add(at(n), path, "expected true or false, got %s", describe(n))
			return
		}
		v.SetBool(b)
	default:
		panic("spec: no decoder for " + v.Type().String())
	}
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.add(at(n), path, "expected a mapping, got %s", describe(n))
		return
	}
	fields, names := yamlFields(v.Type())
	d.eachEntry(n, path, func(key string, k, val *yaml.Node) {
		i, ok := fields[key]
		if !ok {
			d.add(at(k), path, "unknown key %q (expected %s)", key, strings.Join(names, ", "))
			return
		}
		p := join(path, key)
		d.pos[p] = Pos{Line: k.Line, Col: k.Column, EndLine: lastLine(val)}
		d.decode(val, v.Field(i), p)
	})
}

func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, path string) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.add(at(n), path, "expected a mapping, got %s", describe(n))
		return
	}
	m := reflect.MakeMap(v.Type())
	d.eachEntry(n, path, func(key string, k, val *yaml.Node) {
		p := join(path, key)
		d.pos[p] = Pos{Line: k.Line, Col: k.Column, EndLine: lastLine(val)}
		e := reflect.New(v.Type().Elem()).Elem()
		d.decode(val, e, p)
		m.SetMapIndex(reflect.ValueOf(key), e)
	})
	v.Set(m)
}

// eachEntry calls fn for the entries of a mapping whose keys are plain
// strings, reporting other keys and duplicates.
func (d *decoder) eachEntry(n *yaml.Node, path string, fn func(key string, k, v *yaml.Node)) {
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" || k.Value == "" {
			d.add(at(k), path, "keys must be plain, non-empty strings")
			continue
		}
		if seen[k.Value] {
			d.add(at(k), path, "duplicate key %q", k.Value)
			continue
		}
		seen[k.Value] = true
		fn(k.Value, k, val)
	}
}

// yamlFields maps yaml key names to field indexes, and lists the names.
func yamlFields(t reflect.Type) (map[string]int, []string) {
	fields := map[string]int{}
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || tag == "" || tag == "-" {
			continue
		}
		fields[tag] = i
		names = append(names, tag)
	}
	sort.Strings(names)
	return fields, names
}
