package spec

import (
	"bytes"
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite schema.json")

func TestSchemaIsFresh(t *testing.T) {
	got, err := generateSchema(".")
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("schema.json", got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(got, Schema) {
		t.Fatal("spec/schema.json is stale: run go generate ./spec")
	}
}
