package layer

import (
	"fmt"
	"strings"

	"github.com/strata-build/strata/facts"
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

// RuntimeProfile is the profile of a runtime of facts.Runtimes, with its
// provider's limits.
func RuntimeProfile(name string) (Profile, bool) {
	r, ok := facts.LookupRuntime(name)
	if !ok {
		return Profile{}, false
	}
	pv, ok := facts.LookupProvider(r.Provider)
	if !ok {
		return Profile{}, false
	}
	return Profile{Name: r.Name, Glibc: r.Glibc, Provided: glibcFamily, MaxZipped: pv.MaxZipped, MaxUnzipped: pv.MaxUnzipped,
		Limits: pv.Limits, DirectUpload: pv.DirectUpload, Upload: pv.Upload}, true
}

// Custom is a profile with an explicit glibc and exclude list; glibc's own
// libraries are always excluded.
func Custom(glibc string, exclude []string, maxZipped, maxUnzipped int64) Profile {
	return Profile{Name: facts.CustomRuntime, Glibc: glibc, Provided: append(append([]string{}, glibcFamily...), exclude...),
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

func (p Profile) glibc() (facts.Glibc, error) {
	v, err := facts.ParseGlibcRelease(p.Glibc)
	if err != nil {
		return v, fmt.Errorf("runtime %s: %w", p.Name, err)
	}
	return v, nil
}

func (p Profile) String() string {
	return fmt.Sprintf("%s (glibc %s; provides %s)", p.Name, p.Glibc, strings.Join(p.Provided, " "))
}
