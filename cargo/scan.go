package cargo

import (
	"github.com/pelletier/go-toml/v2/unstable"
)

// scan walks a TOML document's syntax before it is decoded, keeping only
// its keys, so that what decoding it costs is known, and bounded, first:
// its nesting (maxDepth), its keys and values (maxValues) and the work of
// go-toml's duplicate-key check (maxWork). That check compares each key it
// looks up with the keys seen so far (those of the array-table elements
// before the current one excepted), so a document of distinct keys takes
// time that grows with the square of their number: 120 000 keys, 1 MiB,
// took 15 s. scan mimics it, counting comparisons at most as it does.
//
// A syntax error stops the scan and is left to the decoder, which says
// where it is; what comes before it has been scanned.
func (p *planner) scan(file string, dt []byte) error {
	s := &scanner{p: p, file: file, root: &key{}}
	table := s.root
	var ps unstable.Parser
	ps.Reset(dt)
	for ps.NextExpression() {
		e := ps.Expression()
		var err error
		switch e.Kind {
		case unstable.Table:
			table, err = s.lookup(s.root, e.Key(), false)
		case unstable.ArrayTable:
			table, err = s.lookup(s.root, e.Key(), true)
		case unstable.KeyValue:
			err = s.keyValue(table, e)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// key is a key the duplicate-key check holds.
type key struct {
	up    *key
	kids  map[string]*key
	n     int // keys below it
	depth int
	// The keys held, and forgotten, when it was added.
	live, forgotten int
}

type scanner struct {
	p    *planner
	file string
	root *key
	// The keys the duplicate-key check holds, and those it forgot.
	live, forgotten int
}

// cost bounds the comparisons of looking up a key below k: the check
// compares it with every key held after k. Those held before k when it was
// added, less those forgotten since, are still before it.
func (s *scanner) cost(k *key) int {
	return min(s.live, s.live-k.live+s.forgotten-k.forgotten)
}

// lookup finds, or adds, a dotted key below k; the last part of an
// array table's key starts a new element, whose keys the check forgets.
func (s *scanner) lookup(k *key, it unstable.Iterator, arrayTable bool) (*key, error) {
	for it.Next() {
		if err := s.work(s.cost(k)); err != nil {
			return nil, err
		}
		name := string(it.Node().Data)
		next, ok := k.kids[name]
		if !ok {
			var err error
			if next, err = s.add(k); err != nil {
				return nil, err
			}
			if k.kids == nil {
				k.kids = map[string]*key{}
			}
			k.kids[name] = next
		} else if arrayTable && it.IsLast() {
			if err := s.work(s.live); err != nil {
				return nil, err
			}
			s.forget(next)
		}
		k = next
	}
	return k, nil
}

// keyValue scans key = value below the table t.
func (s *scanner) keyValue(t *key, kv *unstable.Node) error {
	leaf, err := s.lookup(t, kv.Key(), false)
	if err != nil {
		return err
	}
	return s.value(leaf, kv.Value())
}

// value scans a value: the keys of inline tables, and the tables and
// arrays in arrays, which the check holds as keys without a name.
func (s *scanner) value(k *key, v *unstable.Node) error {
	if err := s.count(); err != nil {
		return err
	}
	it := v.Children()
	for it.Next() {
		x := it.Node()
		switch {
		case v.Kind == unstable.InlineTable:
			if err := s.keyValue(k, x); err != nil {
				return err
			}
		case v.Kind == unstable.Array && (x.Kind == unstable.Array || x.Kind == unstable.InlineTable):
			elem, err := s.add(k)
			if err != nil {
				return err
			}
			if err := s.value(elem, x); err != nil {
				return err
			}
		default:
			if err := s.count(); err != nil {
				return err
			}
		}
	}
	return nil
}

// add adds a key below k.
func (s *scanner) add(k *key) (*key, error) {
	if k.depth >= maxDepth {
		return nil, overLimit("%s: tables and arrays nested deeper than the limit of %d levels", s.file, maxDepth)
	}
	if err := s.count(); err != nil {
		return nil, err
	}
	for a := k; a != nil; a = a.up {
		a.n++
	}
	s.live++
	return &key{up: k, depth: k.depth + 1, live: s.live, forgotten: s.forgotten}, nil
}

// forget removes the keys below k, as the check does for a new element of
// an array table.
func (s *scanner) forget(k *key) {
	n := k.n
	for a := k; a != nil; a = a.up {
		a.n -= n
	}
	k.kids = nil
	s.live -= n
	s.forgotten += n
}

// count counts a key or a value, in maxValues and as work.
func (s *scanner) count() error {
	if s.p.values++; s.p.values > maxValues {
		return overLimit("%s: over the limit of %d keys and values for a workspace", s.file, maxValues)
	}
	return s.work(1)
}

// work counts n key comparisons (or a value's parsing, as one).
func (s *scanner) work(n int) error {
	if s.p.work += n; s.p.work > maxWork {
		return overLimit("%s: too many keys: over the limit of %d key comparisons for a workspace", s.file, maxWork)
	}
	return nil
}
