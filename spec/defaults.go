package spec

import (
	"path"
	"strings"
)

// Defaults that the spec reference (the JSON Schema) documents too.
const (
	DefaultGoVersion = "1.26"
	DefaultBaseImage = "debian:bookworm-slim"
	DefaultUser      = "app"
	DefaultUID       = 65532 // the "nonroot" id of distroless images
	DefaultLdflags   = "-s -w"
)

// Rust defaults.
const (
	DefaultRustVersion = "1.85"
	DefaultRustProfile = "release"
	DefaultRustLibc    = "gnu"
	DefaultGlibc       = "2.17" // the oldest glibc with aarch64, and zig's floor
	DefaultZig         = "0.11.0"
)

func (s *Spec) applyDefaults() {
	for name, a := range s.Apps {
		a.applyDefaults(name)
	}
	for _, l := range s.Layers {
		l.applyDefaults()
	}
}

// Layer defaults.
const (
	DefaultPrefix       = "/opt"
	DefaultFormat       = "zip"
	DefaultSuite        = "bookworm"
	DefaultDebianMirror = "http://deb.debian.org/debian"
)

func (l *Layer) applyDefaults() {
	if l.Prefix == "" {
		l.Prefix = DefaultPrefix
	}
	if l.Format == "" {
		l.Format = DefaultFormat
	}
	if d := l.Sources.Debian; d != nil {
		if d.Suite == "" {
			d.Suite = DefaultSuite
		}
		if d.Mirror == "" {
			d.Mirror = DefaultDebianMirror
		}
		d.Mirror = strings.TrimRight(d.Mirror, "/")
		if d.Security == nil {
			on := true
			d.Security = &on
		}
	}
	for i, x := range l.Sources.Context {
		l.Sources.Context[i] = path.Clean(x)
	}
}

func (a *App) applyDefaults(name string) {
	if a.Path == "" {
		a.Path = "."
	}
	a.Path = path.Clean(a.Path)
	if a.Binary == "" {
		a.Binary = name
		if a.Lang == "rust" && a.Rust != nil && len(a.Rust.Bins) > 0 {
			a.Binary = a.Rust.Bins[0]
		}
	}
	if a.Lang == "rust" {
		a.Rust = a.Rust.withDefaults(a.Binary)
	}
	if a.Lang == "go" {
		if a.Go == nil {
			a.Go = &GoOptions{}
		}
		if a.Go.Version == "" {
			a.Go.Version = DefaultGoVersion
		}
		if a.Go.Package == "" {
			a.Go.Package = "."
		}
		if a.Go.Ldflags == "" {
			a.Go.Ldflags = DefaultLdflags
		}
	}
	if a.Image == nil {
		a.Image = &Image{}
	}
	im := a.Image
	if im.Base == "" {
		im.Base = DefaultBaseImage
	}
	if im.User == nil {
		im.User = &User{}
	}
	if im.User.Name == "" {
		im.User.Name = DefaultUser
	}
	if im.User.UID == 0 {
		im.User.UID = DefaultUID
	}
	if im.User.GID == 0 {
		im.User.GID = im.User.UID
	}
	if len(im.Entrypoint) == 0 {
		im.Entrypoint = []string{a.BinaryPath()}
	}
	if im.Workdir == "" {
		im.Workdir = a.Home()
	}
}

func (r *RustOptions) withDefaults(binary string) *RustOptions {
	if r == nil {
		r = &RustOptions{}
	}
	if r.Version == "" {
		r.Version = DefaultRustVersion
	}
	if len(r.Bins) == 0 {
		r.Bins = []string{binary}
	}
	if r.Profile == "" {
		r.Profile = DefaultRustProfile
	}
	if r.Libc == "" {
		r.Libc = DefaultRustLibc
	}
	if r.Glibc == "" {
		r.Glibc = DefaultGlibc
	}
	if r.Strip == nil {
		on := true
		r.Strip = &on
	}
	if r.Zig == "" {
		r.Zig = DefaultZig
	}
	return r
}

// Programs are the files the app image holds in /usr/local/bin: the
// binary, and a Rust app's other bins.
func (a *App) Programs() []string {
	if a.Rust != nil {
		return a.Rust.Bins
	}
	return []string{a.Binary}
}

// BinaryPath is where the program is installed in the app image.
func (a *App) BinaryPath() string { return "/usr/local/bin/" + a.Binary }

// Home is the app user's home directory.
func (a *App) Home() string { return "/home/" + a.Image.User.Name }
