package e2e

import (
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/strata-build/strata/e2e/testenv"
	"github.com/strata-build/strata/spdxcheck"
)

// sbomBuildx builds with --sbom=true into an OCI layout (args end with the
// context) and returns each
// platform's one SPDX attestation, validated: the SPDX 2.3 schema, the
// SPDX tools' reader and the rules the schema lacks. No scanner image is
// reachable here (BuildKit's default, docker/buildkit-syft-scanner, is not
// in the offline registry): the build succeeds only if Strata's documents
// stand in for it, and its log shows no scan. STRATA_E2E_FRONTEND, when
// set, is the frontend image instead of the spec's # syntax line.
func sbomBuildx(t *testing.T, args ...string) (string, map[string]*spdxcheck.Document, map[string][]byte) {
	t.Helper()
	dir, output := testenv.OCIOutput(t)
	all := []string{"build", "--progress=plain", "--sbom=true", "--platform", strings.Join(testenv.BothPlatforms, ","), "-o", output}
	if f := os.Getenv("STRATA_E2E_FRONTEND"); f != "" {
		all = append(all, "--build-arg", "BUILDKIT_SYNTAX="+f)
	}
	log := testenv.MustBuildx(t, append(all, args...)...) // the context last
	if strings.Contains(log, "generating sbom using") {
		t.Errorf("BuildKit ran a scanner:\n%s", testenv.Tail(log, 40))
	}
	docs, raw := map[string]*spdxcheck.Document{}, map[string][]byte{}
	for p, ds := range testenv.SBOMs(t, dir) {
		if len(ds) != 1 {
			t.Fatalf("%s: %d SPDX attestations, want 1", p, len(ds))
		}
		d, err := spdxcheck.Validate(ds[0])
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if strings.Join(d.CreationInfo.Creators, ",") != "Tool: strata" {
			t.Errorf("%s: creators %v", p, d.CreationInfo.Creators)
		}
		docs[p], raw[p] = d, ds[0]
	}
	if len(docs) != len(testenv.BothPlatforms) {
		t.Fatalf("SBOMs for %d platforms, want %v", len(docs), testenv.BothPlatforms)
	}
	return dir, docs, raw
}

// debianVersion is a Debian package version (with an epoch or not).
var debianVersion = regexp.MustCompile(`^([0-9]+:)?[0-9][A-Za-z0-9.+~-]*$`)

// wantPackage finds a package and checks its version (a pattern).
func wantPackage(t *testing.T, p string, d *spdxcheck.Document, kind, name string, version *regexp.Regexp) *spdxcheck.Package {
	t.Helper()
	pkg := d.Find(kind, name)
	if pkg == nil {
		t.Errorf("%s: no %s package %s", p, kind, name)
		return nil
	}
	if !version.MatchString(pkg.VersionInfo) {
		t.Errorf("%s: %s %s version %q", p, kind, name, pkg.VersionInfo)
	}
	return pkg
}

// TestSBOMGoApp: the go-app image's SBOM lists the base's Debian packages
// from its dpkg status and the program's Go modules from its build info.
func TestSBOMGoApp(t *testing.T) {
	t.Parallel()
	_, docs, _ := sbomBuildx(t, "-f", goAppSpec, "examples/go-app")
	for p, d := range docs {
		arch := strings.TrimPrefix(p, "linux/")
		if libc := wantPackage(t, p, d, "deb", "libc6", debianVersion); libc != nil && !strings.Contains(libc.PURL(), "?arch="+arch+"&distro=debian-12") {
			t.Errorf("%s: libc6's purl %s", p, libc.PURL())
		}
		if uuid := wantPackage(t, p, d, "golang", "github.com/google/uuid", regexp.MustCompile(`^v1\.6\.0$`)); uuid != nil && uuid.PURL() != "pkg:golang/github.com/google/uuid@v1.6.0" {
			t.Errorf("%s: uuid's purl %s", p, uuid.PURL())
		}
		wantPackage(t, p, d, "golang", "stdlib", regexp.MustCompile(`^go1\.`))
	}
}

// TestSBOMRustApp: the rust-app image's SBOM lists the crates of
// Cargo.lock with their checksums.
func TestSBOMRustApp(t *testing.T) {
	t.Parallel()
	testenv.EmulationOff(t)
	lock, err := os.ReadFile("../examples/rust-app/Cargo.lock") // go test runs in e2e/
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`name = "serde_json"\nversion = "([^"]+)"\nsource = "[^"]+"\nchecksum = "([0-9a-f]+)"`).FindSubmatch(lock)
	if m == nil {
		t.Fatal("no serde_json in Cargo.lock")
	}
	_, docs, _ := sbomBuildx(t, append(append([]string{"-f", rustAppSpec}, testenv.ZigContext...), "examples/rust-app")...)
	for p, d := range docs {
		sj := wantPackage(t, p, d, "cargo", "serde_json", regexp.MustCompile("^"+regexp.QuoteMeta(string(m[1]))+"$"))
		if sj != nil && (len(sj.Checksums) != 1 || sj.Checksums[0].Value != string(m[2]) || sj.PURL() != "pkg:cargo/serde_json@"+string(m[1])) {
			t.Errorf("%s: serde_json %+v", p, sj)
		}
		wantPackage(t, p, d, "deb", "libc6", debianVersion)
	}
}

// TestSBOMFFmpegLayer: the FFmpeg layer's SBOM, its attestation and the
// ffmpeg-fc.spdx.json beside the zip alike, lists ffmpeg and libavcodec59
// with their Debian versions and licences, each with the layer's files
// that came from it.
func TestSBOMFFmpegLayer(t *testing.T) {
	t.Parallel()
	testenv.EmulationOff(t)
	dir, docs, raw := sbomBuildx(t, "-f", ffmpegSpec, "--target", "ffmpeg-fc", "examples/ffmpeg-layer")
	imgs := testenv.ReadLayout(t, dir, testenv.BothPlatforms...)
	for p, d := range docs {
		beside := imgs[p].Files["ffmpeg-fc.spdx.json"]
		var a, b any
		if beside == nil || json.Unmarshal(beside.Data, &a) != nil || json.Unmarshal(raw[p], &b) != nil || !reflect.DeepEqual(a, b) {
			t.Errorf("%s: the attestation is not the layer's ffmpeg-fc.spdx.json", p)
		}
		for _, c := range []struct{ name, file string }{{"ffmpeg", "./bin/ffmpeg"}, {"libavcodec59", "./lib/libavcodec.so.59"}} {
			pkg := wantPackage(t, p, d, "deb", c.name, debianVersion)
			if pkg == nil {
				continue
			}
			if !strings.Contains(pkg.PURL(), "arch="+strings.TrimPrefix(p, "linux/")) {
				t.Errorf("%s: %s's purl %s", p, c.name, pkg.PURL())
			}
			var files []string
			for _, f := range d.Files {
				for _, id := range pkg.HasFiles {
					if f.SPDXID == id {
						files = append(files, f.FileName)
					}
				}
			}
			if !slicesHasPrefix(files, c.file) {
				t.Errorf("%s: %s's files %v, want %s", p, c.name, files, c.file)
			}
		}
		if pkg := d.Find("deb", "libavcodec59"); pkg != nil && pkg.LicenseDeclared == "NOASSERTION" {
			t.Errorf("%s: libavcodec59 has no licence from its copyright file", p)
		}
	}
}

func slicesHasPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}
