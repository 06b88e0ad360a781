package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/strata-build/strata/spec"
)

// validate loads a spec and prints its targets to out, one a line.
func validate(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("strata validate", flag.ContinueOnError)
	file := fs.String("f", "strata.yaml", "the spec file")
	if err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("validate takes no arguments, got %q", fs.Args())
	}
	dt, err := os.ReadFile(*file)
	if err != nil {
		return err
	}
	s, err := spec.Load(*file, dt)
	if err != nil {
		return err
	}
	for _, t := range s.Targets() {
		if _, err := fmt.Fprintln(out, t); err != nil {
			return err
		}
	}
	return nil
}

func schema() error {
	_, err := os.Stdout.Write(spec.Schema)
	return err
}
