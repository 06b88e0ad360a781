package frontend

import (
	"slices"
	"testing"
)

func TestInstalled(t *testing.T) {
	status := "Package: libc6\nStatus: install ok installed\nArchitecture: arm64\n\n" +
		"Package: libssl3\nStatus: deinstall ok config-files\n\n" +
		"Package: tzdata\nVersion: 2024a\nStatus: install ok installed\n"
	if got := installed([]byte(status)); !slices.Equal(got, []string{"libc6", "tzdata"}) {
		t.Errorf("installed = %v", got)
	}
	if got := installed(nil); len(got) != 0 {
		t.Errorf("no status: %v", got)
	}
}

func TestCodename(t *testing.T) {
	for in, want := range map[string]string{
		"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n": "bookworm",
		"VERSION_CODENAME=\"trixie\"\n": "trixie",
		"ID=alpine\n":                   "",
	} {
		if got := codename([]byte(in)); got != want {
			t.Errorf("codename(%q) = %q, want %q", in, got, want)
		}
	}
}
