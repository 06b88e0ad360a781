// Command strata-zigwarm prints the shell script that makes the zig
// libraries the frontend image carries (graph.PrebuiltZigScript): the
// Dockerfile runs it with zig at /strata/zig, and the directory to put
// them under as its argument.
package main

import (
	"fmt"
	"os"

	"github.com/strata-build/strata/graph"
)

func main() {
	script, err := graph.PrebuiltZigScript()
	if err != nil {
		fmt.Fprintln(os.Stderr, "strata-zigwarm:", err)
		os.Exit(1)
	}
	fmt.Print(script)
}
