// Command strata builds Strata specs against any buildkitd (BUILDKIT_HOST),
// running the same frontend code in-process that the frontend image runs.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/moby/buildkit/util/appcontext"
)

const usage = `usage: strata <command> [flags]

commands:
  build     build a spec's target, like docker buildx build
  llb       print the LLB graph of a target for one platform, as JSON
  validate  check a spec and print its targets
  schema    print the spec's JSON Schema

run "strata <command> -h" for a command's flags
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx := appcontext.Context()
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "build":
		err = build(ctx, args)
	case "llb":
		err = printLLB(ctx, args)
	case "validate":
		err = validate(args, os.Stdout)
	case "schema":
		err = schema()
	case "-h", "-help", "--help", "help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "strata: unknown command %q\n%s", cmd, usage)
		os.Exit(2)
	}
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "strata: %v\n", err)
		var ue usageError
		if errors.As(err, &ue) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError is a mistake on the command line (exit code 2).
type usageError struct{ error }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }
