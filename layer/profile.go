package layer

import (
	"fmt"
	"sort"
	"strings"
)

// Profile is what a function runtime provides: its glibc, the libraries a
// layer must not ship (the runtime's own glibc), and the provider's size
// limits for a layer archive.
type Profile struct {
	Name        string
	Glibc       string   // such as 2.34
	Provided    []string // sonames the runtime has
	MaxZipped   int64    // bytes of the archive; 0: no limit
	MaxUnzipped int64    // bytes of the extracted files; 0: no limit
	Limits      string   // where the limits come from, for messages
	// DirectUpload is the largest archive the provider takes in an API
	// call; a larger one must go through object storage (a note, not an
	// error).
	DirectUpload int64
	Upload       string // how to publish a larger archive
}

// glibcFamily are the sonames of glibc itself: every runtime has them, and
// shipping them in a layer breaks the runtime's own loader.
var glibcFamily = []string{
	"ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1", "ld-linux-armhf.so.3", "ld-linux.so.2",
	"libc.so.6", "libm.so.6", "libmvec.so.1", "libpthread.so.0", "libdl.so.2", "librt.so.1",
	"libutil.so.1", "libresolv.so.2", "libanl.so.1", "libnsl.so.1", "libBrokenLocale.so.1",
	"libthread_db.so.1", "libc_malloc_debug.so.0", "libnss_files.so.2", "libnss_dns.so.2",
}

// AWS Lambda quotas: a function with all its layers is at most 250 MB
// (262,144,000 bytes) unzipped; a .zip uploaded in the API call at most
// 50 MB, larger ones are published from S3.
const (
	lambdaUnzipped = 262144000
	lambdaDirect   = 50 * 1024 * 1024
	lambdaLimits   = "AWS Lambda quotas: 250 MB unzipped for a function with its layers"
	lambdaUpload   = "publish it from S3 (aws lambda publish-layer-version --content S3Bucket=...,S3Key=...)"
	// Alibaba Cloud Function Compute 3.0 quotas: a code package is at most
	// 500 MB as a zip through the console, Serverless Devs or OSS, and
	// 100 MB through the SDK/OpenAPI (base64 in the call).
	fcZipped = 500 * 1024 * 1024
	fcDirect = 100 * 1024 * 1024
	fcLimits = "Alibaba Cloud Function Compute quotas: 500 MB zipped"
	fcUpload = "upload it through OSS or Serverless Devs (s deploy), not the OpenAPI"
)

// Profiles are the known runtimes, by name.
var Profiles = map[string]Profile{
	"al2023":      lambda("al2023", "2.34"),
	"al2":         lambda("al2", "2.26"),
	"fc-debian10": fc("fc-debian10", "2.28"),
	"fc-debian11": fc("fc-debian11", "2.31"),
	"fc-debian12": fc("fc-debian12", "2.36"),
}

func lambda(name, glibc string) Profile {
	return Profile{Name: name, Glibc: glibc, Provided: glibcFamily, MaxUnzipped: lambdaUnzipped, Limits: lambdaLimits,
		DirectUpload: lambdaDirect, Upload: lambdaUpload}
}

func fc(name, glibc string) Profile {
	return Profile{Name: name, Glibc: glibc, Provided: glibcFamily, MaxZipped: fcZipped, Limits: fcLimits,
		DirectUpload: fcDirect, Upload: fcUpload}
}

// ProfileNames lists the known runtimes and custom.
func ProfileNames() []string {
	var names []string
	for n := range Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return append(names, "custom")
}

// Custom is a profile with an explicit glibc and exclude list; glibc's own
// libraries are always excluded.
func Custom(glibc string, exclude []string, maxZipped, maxUnzipped int64) Profile {
	return Profile{Name: "custom", Glibc: glibc, Provided: append(append([]string{}, glibcFamily...), exclude...),
		MaxZipped: maxZipped, MaxUnzipped: maxUnzipped, Limits: "the spec's limits"}
}

func (p Profile) provides(soname string) bool {
	for _, s := range p.Provided {
		if s == soname {
			return true
		}
	}
	return false
}

func (p Profile) glibc() (glibcVersion, error) {
	v, ok := parseGlibc(p.Glibc)
	if !ok {
		return v, fmt.Errorf("profile %s: bad glibc version %q", p.Name, p.Glibc)
	}
	return v, nil
}

func (p Profile) String() string {
	return fmt.Sprintf("%s (glibc %s; provides %s)", p.Name, p.Glibc, strings.Join(p.Provided, " "))
}
