package main

import (
	"errors"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	var out strings.Builder
	if err := validate([]string{"-f", "../../examples/rust-app/strata.yaml"}, &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != "rust-app\nrust-app-fc\n" {
		t.Errorf("targets %q", out.String())
	}
	out.Reset()
	err := validate([]string{"-f", "validate_test.go"}, &out)
	if err == nil || !strings.Contains(err.Error(), "validate_test.go:") || out.Len() != 0 {
		t.Errorf("a file that is no spec: %v, printed %q", err, out.String())
	}
	var ue usageError
	if err := validate([]string{"spec.yaml"}, &out); !errors.As(err, &ue) {
		t.Errorf("an argument: %v, want a usage error", err)
	}
}
