package frontend

import "testing"

// Credentials in a proxy build arg are refused: build args are in the
// graph and the build history.
func TestURLCredentials(t *testing.T) {
	for v, want := range map[string]bool{
		"https://user:s3cret@goproxy.example.com":           true,
		"https://token@goproxy.example.com/mod":             true,
		"https://proxy.golang.org,https://u:p@corp.example": true,
		"direct|https://x:y@h":                              true,
		"https://proxy.golang.org,direct":                   false,
		"off":                                               false,
		"*.corp.example.com,rsc.io/private":                 false,
		"sum.golang.org https://sum.golang.org":             false,
		"https://goproxy.example.com/@v/list":               false,
	} {
		if got := urlCredentials.MatchString(v); got != want {
			t.Errorf("%q: credentials %v, want %v", v, got, want)
		}
	}
}

func TestCargoReads(t *testing.T) {
	for p, want := range map[string]bool{
		"Cargo.toml": true, "svc/Cargo.lock": true, "rust-toolchain.toml": true, "a/.cargo/config.toml": true, ".cargo/config": true,
		"src/lib.rs": false, "svc/src/main.rs": false, "build.rs": false, "src/bin/x.rs": false, "config.toml": false, "a/config": false,
	} {
		if got := cargoReads(p); got != want {
			t.Errorf("%s: read %v, want %v", p, got, want)
		}
	}
}
