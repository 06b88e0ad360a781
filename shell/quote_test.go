package shell

import (
	"os/exec"
	"testing"
)

func TestQuoteRoundTrips(t *testing.T) {
	args := []string{"plain", "it's", "$HOME `x` \"y\"", "a b", ""}
	out, err := exec.Command("sh", "-c", "printf '%s|' "+Join(args)).Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := "plain|it's|$HOME `x` \"y\"|a b||"; string(out) != want {
		t.Errorf("sh read %q, want %q", out, want)
	}
}
