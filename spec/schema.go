package spec

import (
	_ "embed"
	"encoding/json"
	"reflect"

	"github.com/invopop/jsonschema"
)

// Schema is the JSON Schema of the spec, generated from the types above and
// their comments (go generate ./spec); a test fails when it is stale.
//
//go:embed schema.json
var Schema []byte

//go:generate go test -run TestSchemaIsFresh -update

// generateSchema reflects the types; dir is this package's source directory,
// read for the field comments that become descriptions.
func generateSchema(dir string) ([]byte, error) {
	r := &jsonschema.Reflector{
		FieldNameTag:               "yaml",
		RequiredFromJSONSchemaTags: true,
		Namer:                      func(t reflect.Type) string { return t.Name() },
	}
	if err := r.AddGoComments("github.com/strata-build/strata/spec", dir); err != nil {
		return nil, err
	}
	s := r.Reflect(&Spec{})
	s.ID = "https://strata.build/schema/v1.json"
	s.Title = "Strata build spec"
	out, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}
