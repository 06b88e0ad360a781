package cargo

import (
	"os"
	"testing"
)

func TestLockedCrates(t *testing.T) {
	lock, err := os.ReadFile("../examples/rust-app/Cargo.lock")
	if err != nil {
		t.Fatal(err)
	}
	cs, err := LockedCrates(lock, []string{"rust-app"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Crate{}
	for _, c := range cs {
		got[c.Name] = c
	}
	sj, ok := got["serde_json"]
	if !ok || sj.Checksum == "" || sj.Download() != "https://crates.io/api/v1/crates/serde_json/"+sj.Version+"/download" {
		t.Errorf("serde_json: %+v", sj)
	}
	if app := got["rust-app"]; app.Source != "" || app.Download() != "" {
		t.Errorf("rust-app: %+v", app)
	}
	extra := append(lock, []byte("\n[[package]]\nname = \"unused\"\nversion = \"1.0.0\"\nsource = \""+CratesIO+"\"\n")...)
	cs, err = LockedCrates(extra, []string{"rust-app"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if c.Name == "unused" {
			t.Error("a crate no root depends on is listed")
		}
	}
}
