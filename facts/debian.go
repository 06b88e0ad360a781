package facts

// DebianSuites are the Debian suites packages may come from.
var DebianSuites = []string{"bookworm", "bullseye", "trixie"}

// DebianGlibc is each suite's glibc release: a library taken from a suite
// may need any symbol of it at run time.
var DebianGlibc = map[string]string{"bullseye": "2.31", "bookworm": "2.36", "trixie": "2.41"}

// DebianVersions are the suites' release numbers (a purl's distro,
// debian-12, in an SBOM).
var DebianVersions = map[string]string{"bullseye": "11", "bookworm": "12", "trixie": "13"}

// DebianMergedUsr tells which suites' systems have /lib, /bin and /sbin
// as links into /usr.
var DebianMergedUsr = map[string]bool{"bookworm": true, "trixie": true}

// Where Debian packages come from unless a spec says otherwise; security
// updates are looked up at MIRROR-security.
const (
	DefaultDebianSuite    = "bookworm"
	DefaultDebianMirror   = "http://deb.debian.org/debian"
	DefaultDebianSecurity = true
)

// DebianArch is a Debian architecture: the OCI platform it serves and the
// multiarch directory its libraries and headers are in.
type DebianArch struct {
	Name      string // amd64, arm64, armhf
	OCIArch   string // the platform's architecture: amd64, arm64, arm
	Variants  []string
	Multiarch string // x86_64-linux-gnu
}

// DebianArchs are the architectures Strata takes Debian packages for.
var DebianArchs = []DebianArch{
	{Name: "amd64", OCIArch: "amd64", Multiarch: "x86_64-linux-gnu"},
	{Name: "arm64", OCIArch: "arm64", Variants: []string{"", "v8"}, Multiarch: "aarch64-linux-gnu"},
	{Name: "armhf", OCIArch: "arm", Variants: []string{"", "v7"}, Multiarch: "arm-linux-gnueabihf"},
	{Name: "armel", OCIArch: "arm", Variants: []string{"v5", "v6"}, Multiarch: "arm-linux-gnueabi"},
	{Name: "i386", OCIArch: "386", Multiarch: "i386-linux-gnu"},
}

// LookupDebianArch finds the Debian architecture of an OCI platform's
// architecture and variant.
func LookupDebianArch(arch, variant string) (DebianArch, bool) {
	for _, d := range DebianArchs {
		if d.OCIArch != arch {
			continue
		}
		if len(d.Variants) == 0 && variant == "" {
			return d, true
		}
		for _, v := range d.Variants {
			if v == variant {
				return d, true
			}
		}
	}
	return DebianArch{}, false
}
