package spec

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/strata-build/strata/facts"
)

// schemaKey is a key of a type of the spec, as the schema names them.
type schemaKey struct{ typ, key string }

// schemaProps reads the properties of every type of the generated schema.
func schemaProps(t *testing.T) map[schemaKey]map[string]json.RawMessage {
	t.Helper()
	var s struct {
		Defs map[string]struct {
			Properties map[string]map[string]json.RawMessage `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(Schema, &s); err != nil {
		t.Fatal(err)
	}
	out := map[schemaKey]map[string]json.RawMessage{}
	for typ, d := range s.Defs {
		for key, p := range d.Properties {
			out[schemaKey{typ, key}] = p
		}
	}
	return out
}

// The schema's choices are the tables' that validation reads.
func TestSchemaEnumsAreTheFacts(t *testing.T) {
	props := schemaProps(t)
	for k, want := range map[schemaKey][]string{
		{"Layer", "runtime"}:       facts.RuntimeNames(),
		{"Layer", "format"}:        facts.ArchiveFormats,
		{"DebianSource", "suite"}:  facts.DebianSuites,
		{"RustOptions", "libc"}:    facts.RustLibcs,
		{"RustOptions", "zig"}:     facts.ZigVersions(),
		{"App", "lang"}:            Languages,
		{"App", "functions.items"}: facts.ProviderNames(),
	} {
		p := props[schemaKey{k.typ, strings.TrimSuffix(k.key, ".items")}]
		raw := p["enum"]
		if strings.HasSuffix(k.key, ".items") {
			var items map[string]json.RawMessage
			if err := json.Unmarshal(p["items"], &items); err != nil {
				t.Fatal(err)
			}
			raw = items["enum"]
		}
		var got []string
		if err := json.Unmarshal(raw, &got); err != nil || !slices.Equal(got, want) {
			t.Errorf("%s.%s: schema enum %s, want %q", k.typ, k.key, raw, want)
		}
	}
}

// Every default the schema documents is what loading a spec that leaves
// the key out gives.
func TestSchemaDefaultsAreApplied(t *testing.T) {
	s, err := Load("strata.yaml", []byte(`version: 1
apps:
  web: {lang: go}
  rs: {lang: rust}
  py: {lang: python, python: {module: app}}
layers:
  l: {runtime: al2023, sources: {debian: {packages: [zlib1g]}}, binaries: [ls]}
  pl: {runtime: al2, python: {}}
`))
	if err != nil {
		t.Fatal(err)
	}
	applied := map[schemaKey]any{}
	collectKeys(reflect.ValueOf(s), applied)
	n := 0
	for k, p := range schemaProps(t) {
		def, ok := p["default"]
		if !ok {
			continue
		}
		n++
		v, ok := applied[k]
		if !ok {
			t.Errorf("%s.%s: the test spec has no such key", k.typ, k.key)
			continue
		}
		if got, _ := json.Marshal(v); !bytes.Equal(got, def) {
			t.Errorf("%s.%s: schema default %s, applied %s", k.typ, k.key, def, got)
		}
	}
	want := 0
	for _, keys := range schemaFacts {
		for _, f := range keys {
			if f.def != nil {
				want++
			}
		}
	}
	if n != want {
		t.Errorf("%d defaults in the schema, %d in schemaFacts", n, want)
	}
}

// collectKeys records the value of every key of every struct under v, by
// its type's name and its YAML key (the first one met).
func collectKeys(v reflect.Value, out map[schemaKey]any) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			collectKeys(v.Elem(), out)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			collectKeys(v.MapIndex(k), out)
		}
	case reflect.Slice:
		for i := range v.Len() {
			collectKeys(v.Index(i), out)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			key, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if !f.IsExported() || key == "" {
				continue
			}
			k := schemaKey{v.Type().Name(), key}
			if _, seen := out[k]; !seen {
				out[k] = v.Field(i).Interface()
			}
			collectKeys(v.Field(i), out)
		}
	}
}

// Every choice of the tables validates, and what is not among them fails
// naming them all.
func TestEveryChoiceValidates(t *testing.T) {
	layer := func(runtime, suite, format string) string {
		glibc := ""
		if runtime == facts.CustomRuntime {
			glibc = ", glibc: \"2.28\""
		}
		return "version: 1\nlayers:\n  l: {runtime: " + runtime + glibc + ", format: " + format +
			", sources: {debian: {suite: " + suite + ", packages: [zlib1g]}}, binaries: [ls]}\n"
	}
	rust := func(libc, zig string) string {
		return "version: 1\napps:\n  rs: {lang: rust, rust: {libc: " + libc + ", zig: \"" + zig + "\"}}\n"
	}
	functions := func(provider string) string {
		return "version: 1\napps:\n  fn: {lang: go, functions: [" + provider + "]}\n"
	}
	var good []string
	for _, r := range facts.RuntimeNames() {
		good = append(good, layer(r, facts.DefaultDebianSuite, facts.DefaultFormat))
	}
	for _, d := range facts.DebianSuites {
		good = append(good, layer("al2023", d, facts.DefaultFormat))
	}
	for _, f := range facts.ArchiveFormats {
		good = append(good, layer("al2023", facts.DefaultDebianSuite, f))
	}
	for _, l := range facts.RustLibcs {
		for _, z := range facts.ZigVersions() {
			good = append(good, rust(l, z))
		}
	}
	for _, p := range facts.ProviderNames() {
		good = append(good, functions(p))
	}
	for _, r := range facts.PythonRuntimes {
		good = append(good, "version: 1\nlayers:\n  l: {runtime: "+r.Runtime+", python: {version: \""+r.Version+"\"}}\n",
			"version: 1\napps:\n  fn: {lang: python, python: {version: \""+r.Version+"\"}, functions: ["+r.Provider+"]}\n")
	}
	for _, y := range good {
		if _, err := Load("strata.yaml", []byte(y)); err != nil {
			t.Errorf("%s: %v", y, err)
		}
	}
	for y, want := range map[string][]string{
		layer("al2024", facts.DefaultDebianSuite, facts.DefaultFormat): facts.RuntimeNames(),
		layer("al2023", "buster", facts.DefaultFormat):                 facts.DebianSuites,
		layer("al2023", facts.DefaultDebianSuite, "tar.xz"):            facts.ArchiveFormats,
		rust("uclibc", facts.DefaultZig):                               facts.RustLibcs,
		rust(facts.DefaultRustLibc, "0.10.0"):                          facts.ZigVersions(),
		functions("gcf"):                                               facts.ProviderNames(),
	} {
		_, err := Load("strata.yaml", []byte(y))
		for _, w := range want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %v, want an error naming %s", y, err, w)
			}
		}
	}
}
