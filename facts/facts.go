// Package facts is the one table of what Strata knows about the world
// outside the spec: the function runtimes and their providers, the Debian
// suites, the glibc version syntax, the pinned toolchains, and every
// default the spec applies. The spec's validation and JSON Schema, the
// layer assembly, zig's targets and the graph all read them from here, so
// they cannot disagree.
//
// Standard library only: the layer helper, compiled inside the build
// graph from embedded sources, imports it.
package facts

import "strings"

// Provider is a serverless platform that runs function code packages and
// layers.
type Provider struct {
	Name  string // lambda, fc: the suffix of a function target, NAME-PROVIDER
	Title string // for messages
	// Entry is the file a custom runtime of the provider runs: the
	// program's name at the root of a code package.
	Entry string
	// MaxZipped and MaxUnzipped are the provider's size limits of a
	// layer, in bytes (0: none).
	MaxZipped   int64
	MaxUnzipped int64
	Limits      string // where the limits come from, for messages
	// DirectUpload is the largest archive the provider takes in an API
	// call; a larger one must go through object storage (a note, not an
	// error).
	DirectUpload int64
	Upload       string // how to publish a larger archive
	// PythonLayerDir is where a Python layer's packages are, under the
	// layer's prefix (%s is the Python version 3.X): a directory the
	// provider's Python runtimes put on sys.path.
	PythonLayerDir string
	// CodeDir is where the provider extracts a function's code package;
	// its Python runtimes put it on sys.path, the handler's module at its
	// root.
	CodeDir string
}

// Providers are the function providers, in the order messages list them.
var Providers = []Provider{
	// AWS Lambda quotas: a function with all its layers is at most 250 MB
	// (262,144,000 bytes) unzipped; a .zip uploaded in the API call at most
	// 50 MB, larger ones are published from S3.
	{
		Name: "lambda", Title: "AWS Lambda", Entry: "bootstrap",
		MaxUnzipped:  262144000,
		Limits:       "AWS Lambda quotas: 250 MB unzipped for a function with its layers",
		DirectUpload: 50 * 1024 * 1024,
		Upload:       "publish it from S3 (aws lambda publish-layer-version --content S3Bucket=...,S3Key=...)",
		// Lambda extracts layers at /opt; its Python runtimes put
		// /opt/python and /opt/python/lib/python3.X/site-packages on
		// sys.path (the AWS documentation's layout for packages), and the
		// function's code, extracted at /var/task, first.
		PythonLayerDir: "python/lib/python%s/site-packages",
		CodeDir:        "/var/task",
	},
	// Alibaba Cloud Function Compute 3.0 quotas: a code package is at most
	// 500 MB as a zip through the console, Serverless Devs or OSS, and
	// 100 MB through the SDK/OpenAPI (base64 in the call).
	{
		Name: "fc", Title: "Alibaba Cloud Function Compute", Entry: "main",
		MaxZipped:    500 * 1024 * 1024,
		Limits:       "Alibaba Cloud Function Compute quotas: 500 MB zipped",
		DirectUpload: 100 * 1024 * 1024,
		Upload:       "upload it through OSS or Serverless Devs (s deploy), not the OpenAPI",
		// Function Compute extracts layers at /opt and adds /opt/python to
		// the Python runtimes' search path (its "Create a custom layer"
		// table); the code is at /code.
		PythonLayerDir: "python",
		CodeDir:        "/code",
	},
}

// Runtime is a function runtime a layer is built for.
type Runtime struct {
	Name     string
	Provider string // a Providers name
	Glibc    string // its glibc release, such as 2.34
}

// Runtimes are the known function runtimes, in the order messages list
// them; CustomRuntime is not among them.
var Runtimes = []Runtime{
	{Name: "al2023", Provider: "lambda", Glibc: "2.34"},
	{Name: "al2", Provider: "lambda", Glibc: "2.26"},
	{Name: "fc-debian10", Provider: "fc", Glibc: "2.28"},
	{Name: "fc-debian11", Provider: "fc", Glibc: "2.31"},
	{Name: "fc-debian12", Provider: "fc", Glibc: "2.36"},
}

// CustomRuntime is the runtime whose glibc and provided libraries the spec
// gives, with no provider limits but the spec's own.
const CustomRuntime = "custom"

// RuntimeNames are the names a layer's runtime may have: Runtimes', then
// CustomRuntime.
func RuntimeNames() []string {
	names := make([]string, 0, len(Runtimes)+1)
	for _, r := range Runtimes {
		names = append(names, r.Name)
	}
	return append(names, CustomRuntime)
}

// LookupRuntime finds a runtime of Runtimes by name.
func LookupRuntime(name string) (Runtime, bool) {
	for _, r := range Runtimes {
		if r.Name == name {
			return r, true
		}
	}
	return Runtime{}, false
}

// ProviderNames are the names of Providers.
func ProviderNames() []string {
	names := make([]string, 0, len(Providers))
	for _, p := range Providers {
		names = append(names, p.Name)
	}
	return names
}

// LookupProvider finds a provider by name.
func LookupProvider(name string) (Provider, bool) {
	for _, p := range Providers {
		if p.Name == name {
			return p, true
		}
	}
	return Provider{}, false
}

// PythonDir is where a Python layer for the provider holds its packages,
// under the prefix, for Python version 3.X.
func (p Provider) PythonDir(version string) string {
	return strings.ReplaceAll(p.PythonLayerDir, "%s", version)
}
