package facts

// DebianSuites are the Debian suites a layer's packages may come from.
var DebianSuites = []string{"bookworm", "bullseye", "trixie"}

// Where a layer's Debian packages come from unless its spec says
// otherwise; security updates are looked up at MIRROR-security.
const (
	DefaultDebianSuite    = "bookworm"
	DefaultDebianMirror   = "http://deb.debian.org/debian"
	DefaultDebianSecurity = true
)
