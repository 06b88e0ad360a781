package testenv

import (
	"regexp"
	"sort"
)

var compiling = regexp.MustCompile(`(?m)^\s*Compiling (\S+) v`)

// Compiled are the crates cargo's output (a step's Logs) says it compiled,
// sorted.
func Compiled(logs string) []string {
	var out []string
	for _, m := range compiling.FindAllStringSubmatch(logs, -1) {
		out = append(out, m[1])
	}
	sort.Strings(out)
	return out
}
