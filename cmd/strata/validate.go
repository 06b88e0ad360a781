package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/strata-build/strata/spec"
)

func validate(args []string) error {
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
		fmt.Println(t)
	}
	return nil
}

func schema() error {
	_, err := os.Stdout.Write(spec.Schema)
	return err
}
