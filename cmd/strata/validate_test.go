package main

import (
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	var out strings.Builder
	if err := validate("../../examples/rust-app/strata.yaml", &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != "rust-app\nrust-app-fc\n" {
		t.Errorf("targets %q", out.String())
	}
	out.Reset()
	err := validate("validate_test.go", &out)
	if err == nil || !strings.Contains(err.Error(), "validate_test.go:") || out.Len() != 0 {
		t.Errorf("a file that is no spec: %v, printed %q", err, out.String())
	}
}
