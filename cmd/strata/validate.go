package main

import (
	"fmt"
	"io"
	"os"

	"github.com/strata-build/strata/spec"
)

// validate loads a spec and prints its targets to out, one a line.
func validate(file string, out io.Writer) error {
	dt, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	s, err := spec.Load(file, dt)
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

func schema(out io.Writer) error {
	_, err := out.Write(spec.Schema)
	return err
}
