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
}

// glibcFamily are the sonames of glibc itself: every runtime has them, and
// shipping them in a layer breaks the runtime's own loader.
var glibcFamily = []string{
	"ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1", "ld-linux-armhf.so.3", "ld-linux.so.2",
	"libc.so.6", "libm.so.6", "libmvec.so.1", "libpthread.so.0", "libdl.so.2", "librt.so.1",
	"libutil.so.1", "libresolv.so.2", "libanl.so.1", "libnsl.so.1", "libBrokenLocale.so.1",
	"libthread_db.so.1", "libc_malloc_debug.so.0", "libnss_files.so.2", "libnss_dns.so.2",
}

// AWS Lambda: a layer .zip uploaded directly is at most 50 MB, and a
// function with all its layers at most 250 MB unzipped (Lambda quotas).
const (
	lambdaZipped   = 50 * 1024 * 1024
	lambdaUnzipped = 262144000
	lambdaLimits   = "AWS Lambda quotas: 50 MB zipped for a direct upload, 250 MB unzipped"
	// Alibaba Cloud Function Compute: a layer's code package is at most
	// 500 MB compressed; the unzipped size counts against the function's
	// disk, so no separate limit here.
	fcZipped = 500 * 1024 * 1024
	fcLimits = "Alibaba Cloud Function Compute quotas: 500 MB compressed per layer"
)

// Profiles are the known runtimes, by name.
var Profiles = map[string]Profile{
	"al2023":      {Name: "al2023", Glibc: "2.34", Provided: glibcFamily, MaxZipped: lambdaZipped, MaxUnzipped: lambdaUnzipped, Limits: lambdaLimits},
	"al2":         {Name: "al2", Glibc: "2.26", Provided: glibcFamily, MaxZipped: lambdaZipped, MaxUnzipped: lambdaUnzipped, Limits: lambdaLimits},
	"fc-debian10": {Name: "fc-debian10", Glibc: "2.28", Provided: glibcFamily, MaxZipped: fcZipped, Limits: fcLimits},
	"fc-debian11": {Name: "fc-debian11", Glibc: "2.31", Provided: glibcFamily, MaxZipped: fcZipped, Limits: fcLimits},
	"fc-debian12": {Name: "fc-debian12", Glibc: "2.36", Provided: glibcFamily, MaxZipped: fcZipped, Limits: fcLimits},
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
