// Package spec is Strata's build file: its types, strict YAML loading with
// source positions, defaults, validation and the JSON Schema generated from
// the types.
package spec

// Spec is a Strata build file, version 1. Every entry of Layers and Apps is
// a build target, selected with --target NAME.
type Spec struct {
	// Version of the spec format; only 1 exists.
	Version int `yaml:"version" json:"version" jsonschema:"required,enum=1"`
	// Layers are serverless function layers, by name.
	Layers map[string]*Layer `yaml:"layers,omitempty" json:"layers,omitempty"`
	// Apps are programs built into multi-arch OCI images, by name.
	Apps map[string]*App `yaml:"apps,omitempty" json:"apps,omitempty"`

	file string
	pos  positions
}

// Layer is a serverless function layer. Its fields arrive with the
// function-layers capability; an entry today is rejected by validation.
type Layer struct{}

// App is a program built on the build platform for each target platform and
// assembled into a slim, non-root runtime image.
type App struct {
	// Lang is the app's language.
	Lang string `yaml:"lang" json:"lang" jsonschema:"required,enum=go"`
	// Path is the app's directory in the build context (where go.mod is).
	Path string `yaml:"path,omitempty" json:"path,omitempty" jsonschema:"default=."`
	// Binary is the name of the program in the image; default: the app's name.
	Binary string `yaml:"binary,omitempty" json:"binary,omitempty"`
	// Go holds the options of a Go app.
	Go *GoOptions `yaml:"go,omitempty" json:"go,omitempty"`
	// Image describes the runtime image.
	Image *Image `yaml:"image,omitempty" json:"image,omitempty"`
}

// GoOptions are the build options of a Go app.
type GoOptions struct {
	// Version of Go; selects the toolchain image golang:<version>-bookworm.
	Version string `yaml:"version,omitempty" json:"version,omitempty" jsonschema:"default=1.26"`
	// Package is the main package to build, relative to path.
	Package string `yaml:"package,omitempty" json:"package,omitempty" jsonschema:"default=."`
	// CGO enables cgo (needs a C cross-compiler; off by default).
	CGO bool `yaml:"cgo,omitempty" json:"cgo,omitempty"`
	// Ldflags passed to go build.
	Ldflags string `yaml:"ldflags,omitempty" json:"ldflags,omitempty" jsonschema:"default=-s -w"`
	// Tags are build tags.
	Tags []string `yaml:"tags,omitempty" json:"tags,omitempty"`
}

// Image describes an app's runtime image. Everything is assembled with file
// operations only: nothing runs on the target platform.
type Image struct {
	// Base is the runtime base image, or "scratch".
	Base string `yaml:"base,omitempty" json:"base,omitempty" jsonschema:"default=debian:bookworm-slim"`
	// User the program runs as; never root.
	User *User `yaml:"user,omitempty" json:"user,omitempty"`
	// Entrypoint; default: the binary.
	Entrypoint []string `yaml:"entrypoint,omitempty" json:"entrypoint,omitempty"`
	// Cmd is the default arguments.
	Cmd []string `yaml:"cmd,omitempty" json:"cmd,omitempty"`
	// Env adds environment variables.
	Env map[string]string `yaml:"env,omitempty" json:"env,omitempty"`
	// Workdir is the working directory; default: the user's home.
	Workdir string `yaml:"workdir,omitempty" json:"workdir,omitempty"`
	// Ports exposed, as "8080" or "8080/tcp" or "53/udp".
	Ports []string `yaml:"ports,omitempty" json:"ports,omitempty"`
	// Labels of the image, such as org.opencontainers.image.source.
	Labels map[string]string `yaml:"labels,omitempty" json:"labels,omitempty"`
}

// User is the non-root account of a runtime image, written into
// /etc/passwd and /etc/group as files.
type User struct {
	Name string `yaml:"name,omitempty" json:"name,omitempty" jsonschema:"default=app"`
	UID  int    `yaml:"uid,omitempty" json:"uid,omitempty" jsonschema:"default=65532,minimum=1"`
	GID  int    `yaml:"gid,omitempty" json:"gid,omitempty" jsonschema:"default=65532,minimum=1"`
}

// File is the name the spec was loaded from.
func (s *Spec) File() string { return s.file }
