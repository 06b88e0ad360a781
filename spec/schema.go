package spec

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"

	"github.com/invopop/jsonschema"
	"github.com/strata-build/strata/facts"
)

// Schema is the JSON Schema of the spec, generated from the types above and
// their comments (go generate ./spec); a test fails when it is stale.
//
//go:embed schema.json
var Schema []byte

//go:generate go test -run TestSchemaIsFresh -update

// keyFacts are the choices and the default of a key of the spec.
type keyFacts struct {
	enum []any // for a list, the choices of its items
	def  any
}

// schemaFacts are the enums and defaults of the spec's keys, by type and
// key. The schema takes them from here and from nowhere else (the types'
// tags have none), and here from package facts, which validation and
// applyDefaults read too; tests check that they agree.
var schemaFacts = map[string]map[string]keyFacts{
	"Spec": {"version": {enum: []any{FormatVersion}}},
	"Layer": {
		"runtime": {enum: anys(facts.RuntimeNames())},
		"prefix":  {def: facts.DefaultPrefix},
		"format":  {enum: anys(facts.ArchiveFormats), def: facts.DefaultFormat},
	},
	"DebianSource": {
		"suite":    {enum: anys(facts.DebianSuites), def: facts.DefaultDebianSuite},
		"mirror":   {def: facts.DefaultDebianMirror},
		"security": {def: facts.DefaultDebianSecurity},
	},
	"DebianArchive": {
		"suite":    {enum: anys(facts.DebianSuites)},
		"mirror":   {def: facts.DefaultDebianMirror},
		"security": {def: facts.DefaultDebianSecurity},
	},
	"App": {
		"lang":      {enum: anys(Languages)},
		"path":      {def: facts.DefaultAppPath},
		"functions": {enum: anys(facts.ProviderNames())},
	},
	"GoOptions": {
		"version": {def: facts.DefaultGoVersion},
		"package": {def: facts.DefaultGoPackage},
		"ldflags": {def: facts.DefaultGoLdflags},
		"glibc":   {def: facts.DefaultGlibcFloor},
	},
	"PythonOptions": {
		"version":       {enum: anys(facts.PythonVersions)},
		"cross_compile": {def: true},
		"uv":            {def: facts.DefaultUV},
	},
	"PythonLayer": {
		"path":          {def: facts.DefaultAppPath},
		"version":       {enum: anys(facts.PythonVersions)},
		"cross_compile": {def: true},
		"uv":            {def: facts.DefaultUV},
	},
	"RustOptions": {
		"version": {def: facts.DefaultRustVersion},
		"profile": {def: facts.DefaultRustProfile},
		"libc":    {enum: anys(facts.RustLibcs), def: facts.DefaultRustLibc},
		"glibc":   {def: facts.DefaultGlibcFloor},
		"strip":   {def: facts.DefaultRustStrip},
		"zig":     {enum: anys(facts.ZigVersions()), def: facts.DefaultZig},
	},
	"Image": {"base": {def: facts.DefaultBaseImage}},
	"User": {
		"name": {def: facts.DefaultUser},
		"uid":  {def: facts.DefaultUID},
		"gid":  {def: facts.DefaultUID}, // the GID defaults to the UID
	},
}

func anys(list []string) []any {
	out := make([]any, len(list))
	for i, x := range list {
		out[i] = x
	}
	return out
}

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
	if err := addFacts(s.Definitions); err != nil {
		return nil, err
	}
	out, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// addFacts sets the enums and defaults of schemaFacts; a type or key it
// names that the schema lacks is an error, so a renamed key cannot lose
// them silently.
func addFacts(defs jsonschema.Definitions) error {
	for _, typ := range slices.Sorted(maps.Keys(schemaFacts)) {
		def, ok := defs[typ]
		if !ok {
			return fmt.Errorf("schema facts: no type %s", typ)
		}
		for key, f := range schemaFacts[typ] {
			prop, ok := def.Properties.Get(key)
			if !ok {
				return fmt.Errorf("schema facts: type %s has no key %s", typ, key)
			}
			if f.enum != nil {
				if prop.Type == "array" {
					prop.Items.Enum = f.enum
				} else {
					prop.Enum = f.enum
				}
			}
			prop.Default = f.def
		}
	}
	return nil
}
