package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseCall(t *testing.T) {
	for v, want := range map[string]callFunc{
		"outline":                 {name: "outline"},
		"targets,format=json":     {name: "targets", format: "json"},
		"check":                   {name: "lint"},
		"check,ignorestatus=true": {name: "lint", ignoreStatus: true},
		"subrequests.describe":    {name: "subrequests.describe"},
	} {
		if f, err := parseCall(v); err != nil || f == nil || *f != want {
			t.Errorf("--call %s: %+v, %v", v, f, err)
		}
	}
	if f, err := parseCall("build"); f != nil || err != nil {
		t.Errorf("--call build: %+v, %v", f, err)
	}
	for _, bad := range []string{"nope", "outline,targets", "outline,format=yaml", "check,ignorestatus=maybe", `"unclosed`} {
		var ue usageError
		if _, err := parseCall(bad); !errors.As(err, &ue) {
			t.Errorf("--call %s: %v, want a usage error", bad, err)
		}
	}
}

// The answers print as buildx prints them; a check with warnings exits 1.
func TestCallPrint(t *testing.T) {
	targets := map[string][]byte{"result.json": []byte(`{"targets":[{"name":"web","default":true,"description":"go app web"},{"name":"tools","description":"a layer"}]}`)}
	var out strings.Builder
	if code, err := (&callFunc{name: "targets"}).print(&out, targets); err != nil || code != 0 || !strings.Contains(out.String(), "web (default) go app web") {
		t.Errorf("targets: %d, %v\n%s", code, err, out.String())
	}
	out.Reset()
	if code, err := (&callFunc{name: "targets", format: "json"}).print(&out, targets); err != nil || code != 0 || out.String() != string(targets["result.json"])+"\n" {
		t.Errorf("targets as JSON: %d, %v\n%s", code, err, out.String())
	}
	out.Reset()
	clean := map[string][]byte{"result.json": []byte(`{"warnings":null}`), "result.statuscode": []byte("0")}
	if code, err := (&callFunc{name: "lint"}).print(&out, clean); err != nil || code != 0 || out.String() != "Check complete, no warnings found.\n" {
		t.Errorf("check: %d, %v\n%s", code, err, out.String())
	}
	out.Reset()
	warned := map[string][]byte{"result.json": []byte(`{"warnings":[{"ruleName":"R","description":"d","detail":"x","location":{"sourceIndex":-1}}]}`), "result.statuscode": []byte("1")}
	if code, err := (&callFunc{name: "lint"}).print(&out, warned); err != nil || code != 1 || !strings.Contains(out.String(), "1 warning has been found") {
		t.Errorf("check with a warning: %d, %v\n%s", code, err, out.String())
	}
	if code, _ := (&callFunc{name: "lint", ignoreStatus: true}).print(&out, warned); code != 0 {
		t.Errorf("ignorestatus: exit %d", code)
	}
}

// --metadata-file: base64 JSON values decoded, the rest as they are.
func TestWriteMetadata(t *testing.T) {
	file := filepath.Join(t.TempDir(), "meta.json")
	desc := `{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:aa","size":1}`
	err := writeMetadata(file, map[string]string{
		"containerimage.digest":     "sha256:aa",
		"image.name":                "r/i:1",
		"containerimage.descriptor": base64.StdEncoding.EncodeToString([]byte(desc)),
		"result.json":               `{"targets":[]}`,
	})
	if err != nil {
		t.Fatal(err)
	}
	dt, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(dt, &m); err != nil {
		t.Fatal(err)
	}
	if m["containerimage.digest"] != "sha256:aa" || m["image.name"] != "r/i:1" {
		t.Errorf("strings: %v", m)
	}
	if d, ok := m["containerimage.descriptor"].(map[string]any); !ok || d["digest"] != "sha256:aa" {
		t.Errorf("descriptor: %v", m["containerimage.descriptor"])
	}
	if r, ok := m["result.json"].(map[string]any); !ok || r["targets"] == nil {
		t.Errorf("result.json: %v", m["result.json"])
	}
}
