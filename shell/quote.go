// Package shell quotes words for POSIX sh, for the scripts the frontend
// writes into build steps and the wrappers a layer ships. Standard library
// only: the in-graph layer helper compiles it.
package shell

import "strings"

// Quote quotes s as one word for sh.
func Quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Join quotes each of args and joins them with spaces.
func Join(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = Quote(a)
	}
	return strings.Join(q, " ")
}
