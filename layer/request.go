package layer

import (
	"bytes"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/strata-build/strata/facts"
)

// Request is what a build step asks of the helper (cmd/strata-layer):
// assemble a layer, or write a function code package. The frontend's graph
// writes it as JSON into a file mounted into the step (RequestDir), and the
// helper reads it: both ends are compiled from this one type.
type Request struct {
	Name  string `json:"name"`            // the archive is Out/Name.zip (or .tar.gz)
	Out   string `json:"out"`             // the output directory
	Epoch int64  `json:"epoch,omitempty"` // SOURCE_DATE_EPOCH: the time of every entry
	// Exactly one of Layer, Package, Check and ImageSBOM is set.
	Layer     *LayerRequest   `json:"layer,omitempty"`
	Package   *PackageRequest `json:"package,omitempty"`
	Check     *CheckRequest   `json:"check,omitempty"`
	ImageSBOM *SBOMRequest    `json:"image_sbom,omitempty"`
	// SBOM is what the SPDX document written beside a layer or code
	// package (NAME.spdx.json), or an image's, holds beyond what the
	// helper reads from the files.
	SBOM *SBOMInfo `json:"sbom,omitempty"`
}

// CheckRequest checks an app image's programs: every library they need,
// and their libraries need, is in the image, and no file needs a newer
// glibc than the image's.
type CheckRequest struct {
	Root     string   `json:"root"`            // the image's root filesystem
	Programs []string `json:"programs"`        // paths in Root
	Glibc    string   `json:"glibc,omitempty"` // the image's glibc release; "" leaves glibc unchecked
	Image    string   `json:"image"`           // what the image is made of, for messages
	// Added are directories of files the image adds to its base (its
	// packages, a Python app's venv): every ELF program and library among
	// them is checked as well, against Root.
	Added []Added `json:"added,omitempty"`
	// Arch is the image's architecture (amd64, arm64): the machine of the
	// added files when the image has no programs of its own.
	Arch string `json:"arch,omitempty"`
	// Floor is the glibc floor the spec set for the programs (FloorKey
	// names it): a library they load that needs a newer glibc makes the
	// floor a promise the image breaks, an error. "" when none was set.
	Floor    string `json:"floor,omitempty"`
	FloorKey string `json:"floor_key,omitempty"`
}

// Added is a directory of files an image adds, which the image holds at At.
type Added struct {
	Dir string `json:"dir"`
	At  string `json:"at"` // "/" for a tree laid out as the image's root
}

// LayerRequest assembles a layer from a root filesystem of the target
// architecture, checked against a runtime.
type LayerRequest struct {
	Root    string `json:"root"`
	Runtime string `json:"runtime"` // a name of facts.RuntimeNames
	// Glibc and Exclude describe a custom runtime: its glibc release and
	// the libraries (sonames) it provides.
	Glibc   string   `json:"glibc,omitempty"`
	Exclude []string `json:"exclude,omitempty"`
	// MaxZipped and MaxUnzipped replace the runtime's size limits, in bytes.
	MaxZipped   *int64            `json:"max_zipped,omitempty"`
	MaxUnzipped *int64            `json:"max_unzipped,omitempty"`
	Binaries    []string          `json:"binaries"`
	DLOpen      []string          `json:"dlopen,omitempty"`
	Files       []Tree            `json:"files,omitempty"`
	Env         map[string]string `json:"env,omitempty"` // ${PREFIX} is the prefix
	Wrapped     bool              `json:"wrapped,omitempty"`
	Format      string            `json:"format"`
	Prefix      string            `json:"prefix"`
	Tree        string            `json:"tree,omitempty"`  // also write the files as a tree here
	Strip       string            `json:"strip,omitempty"` // binutils' strip, run on every file
	// Python ships Python packages (Files) and no programs: Machine is the
	// target's (x86_64, aarch64), libraries found among the shipped files
	// stay where they are, and the runtime's Python provides
	// facts.PythonProvided.
	Python  bool   `json:"python,omitempty"`
	Machine string `json:"machine,omitempty"`
}

// PackageRequest writes a function code package: programs at the zip's
// root.
type PackageRequest struct {
	Files map[string]string `json:"files"` // name in the zip: path of the program
}

// ErrorFile is where a failing helper leaves its error, on one line, in
// its step's root filesystem: BuildKit keeps a failed step's root for its
// error, and the frontend reads the line from there.
const ErrorFile = "/strata-error.txt"

// RequestDir is where the step mounts the directory holding the request,
// as RequestFile; the helper's one argument is its path.
const (
	RequestDir  = "/strata-request"
	RequestFile = "request.json"
)

// Marshal writes the request as the helper reads it. The same request
// gives the same bytes, so the step's cache key follows its content.
func (r Request) Marshal() ([]byte, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	return json.MarshalIndent(r, "", "  ")
}

// ParseRequest reads a request strictly: an unknown field, trailing data
// or a request that is neither a layer nor a package is an error.
func ParseRequest(data []byte) (Request, error) {
	var r Request
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return r, fmt.Errorf("request: %w", err)
	}
	if dec.More() {
		return r, errors.New("request: trailing data")
	}
	return r, r.check()
}

func (r Request) check() error {
	switch {
	case r.Name == "" || r.Out == "":
		return errors.New("request: name and out are required")
	}
	kinds := 0
	for _, set := range []bool{r.Layer != nil, r.Package != nil, r.Check != nil, r.ImageSBOM != nil} {
		if set {
			kinds++
		}
	}
	if kinds != 1 {
		return errors.New("request: exactly one of layer, package, check and image_sbom")
	}
	return nil
}

// MTime is the time of every entry of the archive.
func (r Request) MTime() time.Time { return time.Unix(r.Epoch, 0).UTC() }

// BuildOptions are the layer's assembly options, with the runtime's
// profile and the request's limits.
func (r Request) BuildOptions() (BuildOptions, error) {
	l := r.Layer
	if l == nil {
		return BuildOptions{}, errors.New("request: not a layer")
	}
	p, ok := RuntimeProfile(l.Runtime)
	switch {
	case l.Runtime == facts.CustomRuntime:
		p = Custom(l.Glibc, l.Exclude, 0, 0)
	case !ok:
		return BuildOptions{}, fmt.Errorf("unknown runtime %q (expected %s)", l.Runtime, strings.Join(facts.RuntimeNames(), ", "))
	}
	if l.MaxZipped != nil {
		p.MaxZipped, p.Limits = *l.MaxZipped, "the spec's limits"
	}
	if l.MaxUnzipped != nil {
		p.MaxUnzipped, p.Limits = *l.MaxUnzipped, "the spec's limits"
	}
	var machine elf.Machine
	if l.Python {
		p.Provided = append(slices.Clone(p.Provided), facts.PythonProvided...)
		var ok bool
		if machine, ok = machines[l.Machine]; !ok {
			return BuildOptions{}, fmt.Errorf("a Python layer for machine %q (expected x86_64 or aarch64)", l.Machine)
		}
	}
	return BuildOptions{
		Options: Options{Root: l.Root, Binaries: l.Binaries, DLOpen: l.DLOpen, Files: l.Files, Wrapped: l.Wrapped, Profile: p,
			Python: l.Python, Machine: machine},
		Name: r.Name, Format: l.Format, Prefix: l.Prefix, Out: r.Out, MTime: r.MTime(), Tree: l.Tree, Strip: l.Strip,
		Env: l.Env, SBOM: r.SBOM,
	}, nil
}

// machines are the ELF machines of the machine names wheels use.
var machines = map[string]elf.Machine{"x86_64": elf.EM_X86_64, "aarch64": elf.EM_AARCH64}
