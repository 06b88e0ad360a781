package layer

import (
	"testing"

	"github.com/strata-build/strata/facts"
)

// runtimeProfile is a known runtime's profile, for tests.
func runtimeProfile(name string) Profile {
	p, ok := RuntimeProfile(name)
	if !ok {
		panic("unknown runtime " + name)
	}
	return p
}

// Every runtime of the table has a profile with its glibc, which the
// closure can read, and its provider's limits; a request names any of
// them.
func TestEveryRuntimeHasAProfile(t *testing.T) {
	for _, r := range facts.Runtimes {
		p, ok := RuntimeProfile(r.Name)
		pv, _ := facts.LookupProvider(r.Provider)
		if !ok || p.Glibc != r.Glibc || p.Limits != pv.Limits || p.MaxZipped != pv.MaxZipped || p.MaxUnzipped != pv.MaxUnzipped {
			t.Errorf("%s: profile %+v", r.Name, p)
		}
		if _, err := p.glibc(); err != nil {
			t.Error(err)
		}
	}
	for _, name := range facts.RuntimeNames() {
		req := Request{Name: "l", Out: "/out", Layer: &LayerRequest{Runtime: name, Glibc: "2.28"}}
		if opt, err := req.BuildOptions(); err != nil || opt.Profile.Name != name {
			t.Errorf("%s: %v, profile %s", name, err, opt.Profile.Name)
		}
	}
	if _, ok := RuntimeProfile(facts.CustomRuntime); ok {
		t.Error("custom has a fixed profile")
	}
}
