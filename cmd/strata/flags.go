package main

import (
	"flag"
	"strings"
)

// list is a repeatable flag; each use may also hold a comma-separated list
// when split is set (--platform a,b).
type list struct {
	values []string
	split  bool
}

func (l *list) String() string { return strings.Join(l.values, ",") }

func (l *list) Set(v string) error {
	if l.split {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				l.values = append(l.values, p)
			}
		}
		return nil
	}
	l.values = append(l.values, v)
	return nil
}

// parseInterspersed parses flags that may come after the positional
// arguments too, as in `strata build . --platform linux/arm64`.
func parseInterspersed(fs *flag.FlagSet, args []string) error {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	return fs.Parse(append([]string{"--"}, pos...))
}
