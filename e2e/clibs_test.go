package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"debug/elf"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/strata-build/strata/e2e/testenv"
	"github.com/strata-build/strata/graph"
)

// buildBoth builds a target of a spec's directory for amd64 and arm64 into an OCI
// layout, with emulation off, and returns each platform's image written
// out as a root filesystem, and the build's events.
func buildBoth(t *testing.T, dir, target string) (map[string]string, testenv.Events) {
	t.Helper()
	testenv.EmulationOff(t)
	layout, output := testenv.OCIOutput(t)
	out := testenv.MustStrata(t, append(append([]string{"build", "--progress=rawjson", "--target", target,
		"--platform", strings.Join(testenv.BothPlatforms, ",")}, testenv.ZigContext...), "-o", output, dir)...)
	roots := map[string]string{}
	for p, img := range testenv.ReadLayout(t, layout, testenv.BothPlatforms...) {
		roots[strings.TrimPrefix(p, "linux/")] = img.WriteRoot(t)
	}
	return roots, testenv.ParseEvents(out)
}

// checkLinked: the program of the image at root links the libraries
// (DT_NEEDED), its own glibc symbols are within the floor, the image holds
// the libraries for its architecture and no -dev package's files.
func checkLinked(t *testing.T, root, arch, prog string, libs ...string) {
	t.Helper()
	bin := filepath.Join(root, prog)
	testenv.CheckELF(t, bin, arch, "2.17")
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	needed, _ := f.ImportedLibraries()
	if f.Section(".symtab") != nil {
		t.Errorf("%s: %s is not stripped (the default ldflags and profiles strip)", arch, prog)
	}
	multiarch := testenv.Multiarch[arch]
	for _, l := range libs {
		if !slices.Contains(needed, l) {
			t.Errorf("%s: needs %v, not %s", arch, needed, l)
		}
		lib, err := elf.Open(filepath.Join(root, "usr/lib", multiarch, l))
		if err != nil {
			t.Errorf("%s: the image has no %s of its own: %v", arch, l, err)
			continue
		}
		if lib.Machine != testenv.ElfMachine[arch] {
			t.Errorf("%s: %s is for %v", arch, l, lib.Machine)
		}
		lib.Close()
	}
	filepath.WalkDir(filepath.Join(root, "usr/include"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			t.Errorf("%s: the image has %s: a -dev package's file", arch, strings.TrimPrefix(p, root))
			return filepath.SkipAll
		}
		return nil
	})
}

// TestGoCgoSQLite: a Go app with cgo and mattn/go-sqlite3's libsqlite3
// tag builds for amd64 and arm64 in one build with emulation off, against
// each architecture's libsqlite3-dev; the images hold libsqlite3-0 for
// their own architecture, and the program creates and queries a database
// (natively, and under qemu-aarch64-static as a check).
func TestGoCgoSQLite(t *testing.T) {
	t.Parallel()
	dir := testenv.CopyDir(t, "examples/go-sqlite")
	roots, _ := buildBoth(t, dir, "go-sqlite")
	for arch, root := range roots {
		checkLinked(t, root, arch, "usr/local/bin/go-sqlite", "libsqlite3.so.0")
		// dpkg's database has the added package too, for what lists an
		// image's packages (SBOM scanners), beside the base's own.
		status, err := os.ReadFile(filepath.Join(root, "var/lib/dpkg/status"))
		if err != nil || !strings.Contains(string(status), "Package: libsqlite3-0\nStatus: install ok installed\n") ||
			!strings.Contains(string(status), "Package: libc6\n") {
			t.Errorf("%s: the image's dpkg status lacks libsqlite3-0 or the base's packages: %v", arch, err)
		}
		if _, err := os.Stat(filepath.Join(root, "var/lib/dpkg/info/libsqlite3-0:"+arch+".list")); err != nil {
			t.Errorf("%s: no file list of libsqlite3-0: %v", arch, err)
		}
		db := filepath.Join(t.TempDir(), "t.db")
		out, err := testenv.InRoot(root, arch, "usr/local/bin/go-sqlite", db).CombinedOutput()
		if err != nil || !strings.HasPrefix(string(out), "sqlite 3.") || !strings.Contains(string(out), "on "+arch+": 1 row") {
			t.Errorf("%s: go-sqlite: %v\n%s", arch, err, out)
		}
		t.Logf("%s: %s", arch, strings.TrimSpace(string(out)))
	}
	// A source edit compiles again; the sysroots stay cached.
	testenv.AppendFile(t, filepath.Join(dir, "main.go"), "\n// "+testenv.Unique()+"\n")
	_, events := buildBoth(t, dir, "go-sqlite")
	for _, arch := range []string{"amd64", "arm64"} {
		if s := events.Step(t, graph.AptStep(arch, "bookworm", []string{"libsqlite3-dev"}, []string{"libsqlite3-0"})); s.Ran() {
			t.Errorf("a source edit re-ran the %s sysroot", arch)
		}
	}
	if !events.Step(t, graph.StepPrefix("go-sqlite")+"go build . (linux/arm64)").Ran() {
		t.Error("a source edit did not compile again")
	}
	// A run-time package added re-runs the apt step that also makes the
	// sysroot; the sysroot comes out the same, so nothing compiles again.
	testenv.EditFile(t, filepath.Join(dir, "strata.yaml"), "packages: [libsqlite3-0]", "packages: [libsqlite3-0, tzdata]")
	_, events = buildBoth(t, dir, "go-sqlite")
	for _, arch := range []string{"amd64", "arm64"} {
		if !events.Step(t, graph.AptStep(arch, "bookworm", []string{"libsqlite3-dev"}, []string{"libsqlite3-0", "tzdata"})).Ran() {
			t.Errorf("a run-time package added left the %s apt step cached", arch)
		}
		if events.Step(t, graph.StepPrefix("go-sqlite")+"go build . (linux/"+arch+")").Ran() {
			t.Errorf("a run-time package added compiled %s again: its sysroot changed", arch)
		}
	}
}

// TestGoCgoBundledSQLite: the driver's own SQLite, compiled by zig with
// the glibc floor 2.17, creates a database on both architectures (it
// tests errno after stat: zig 0.11's stat below glibc 2.33 left it unset,
// and SQLite could not open a file that does not exist yet).
func TestGoCgoBundledSQLite(t *testing.T) {
	t.Parallel()
	testenv.EmulationOff(t)
	dir := testenv.CopyDir(t, "examples/go-sqlite")
	layout, output := testenv.OCIOutput(t)
	testenv.MustStrata(t, append(append([]string{"build", "--target", "go-sqlite-bundled",
		"--platform", strings.Join(testenv.BothPlatforms, ",")}, testenv.ZigContext...), "-o", output, dir)...)
	for p, img := range testenv.ReadLayout(t, layout, testenv.BothPlatforms...) {
		arch := strings.TrimPrefix(p, "linux/")
		root := img.WriteRoot(t)
		testenv.CheckELF(t, filepath.Join(root, "usr/local/bin/go-sqlite"), arch, "2.17")
		db := filepath.Join(t.TempDir(), "t.db")
		out, err := testenv.InRoot(root, arch, "usr/local/bin/go-sqlite", db).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "on "+arch+": 1 row") {
			t.Errorf("%s: go-sqlite: %v\n%s", arch, err, out)
		}
		t.Logf("%s: %s", arch, strings.TrimSpace(string(out)))
	}
}

// TestMissingRuntimeLibrary: an image without the library its program
// needs fails the build, naming the program and the soname; a package
// Debian does not have fails it with apt's error.
func TestMissingRuntimeLibrary(t *testing.T) {
	t.Parallel()
	testenv.EmulationOff(t)
	dir := testenv.CopyDir(t, "examples/go-sqlite")
	testenv.EditFile(t, filepath.Join(dir, "strata.yaml"), "    packages: [libsqlite3-0]\n", "")
	_, output := testenv.OCIOutput(t)
	out, err := testenv.Strata(t, append(append([]string{"build", "--target", "go-sqlite", "--platform", "linux/arm64"}, testenv.ZigContext...), "-o", output, dir)...)
	last := strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:])
	if err == nil || !strings.Contains(last, "libsqlite3.so.0, needed by /usr/local/bin/go-sqlite") {
		t.Errorf("the build's final error does not name the library and the program: %v\n%s", err, testenv.Tail(out, 15))
	}
	// A package Debian does not have: apt's own error ends the build's,
	// at the name's place in the spec, also when both platforms fail at
	// once (BuildKit's clean-up error of the other must not win).
	testenv.EditFile(t, filepath.Join(dir, "strata.yaml"), "build_packages: [libsqlite3-dev]", "build_packages: [libsqlite3-dev, libnope-dev]")
	out, err = testenv.Strata(t, append(append([]string{"build", "--target", "go-sqlite", "--platform", strings.Join(testenv.BothPlatforms, ",")}, testenv.ZigContext...), "-o", output, dir)...)
	last = strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:])
	if err == nil || !strings.HasSuffix(last, "strata.yaml:11:38: apps.go-sqlite.build_packages[1]: E: Unable to locate package libnope-dev") {
		t.Errorf("the build's final error does not say which package apt lacks: %v\n%s", err, testenv.Tail(out, 15))
	}
}

// TestRustOpenSSL: a Rust app on the openssl crate (openssl-sys finds
// OpenSSL with pkg-config) builds for amd64 and arm64 in one cargo step
// against each architecture's libssl-dev, with emulation off; its images
// hold libssl3 of their own architecture, and the program completes a TLS
// handshake with a local server, natively and under qemu-aarch64-static.
func TestRustOpenSSL(t *testing.T) {
	t.Parallel()
	dir := testenv.CopyDir(t, "examples/rust-tls")
	roots, _ := buildBoth(t, dir, "rust-tls")
	addr, caFile := tlsServer(t)
	for arch, root := range roots {
		checkLinked(t, root, arch, "usr/local/bin/rust-tls", "libssl.so.3", "libcrypto.so.3")
		// ca-certificates' bundle, which its maintainer script would make.
		bundle, err := os.ReadFile(filepath.Join(root, "etc/ssl/certs/ca-certificates.crt"))
		if n := strings.Count(string(bundle), "BEGIN CERTIFICATE"); err != nil || n < 100 {
			t.Errorf("%s: the CA bundle holds %d certificates (%v)", arch, n, err)
		}
		out, err := testenv.InRoot(root, arch, "usr/local/bin/rust-tls", addr, caFile).CombinedOutput()
		want := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[arch]
		if err != nil || !strings.Contains(string(out), "handshake: TLSv1.3") || !strings.Contains(string(out), "on "+want) ||
			!strings.Contains(string(out), "body: hello over TLS") {
			t.Errorf("%s: rust-tls: %v\n%s", arch, err, out)
		}
		t.Logf("%s: %s", arch, strings.TrimSpace(string(out)))
	}
	// A source edit leaves the dependency step and the sysroots cached.
	testenv.EditFile(t, filepath.Join(dir, "src/main.rs"), "println!(\"body: {}\"", "println!(\"body ({}): {}\", \""+testenv.Unique()+"\"")
	_, events := buildBoth(t, dir, "rust-tls")
	if events.Step(t, graph.CargoDependenciesStep("rust-tls")).Ran() {
		t.Error("a source edit re-ran the dependency step")
	}
	if !events.Step(t, graph.CargoBuildStep("rust-tls", "x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu")).Ran() {
		t.Error("a source edit did not compile again")
	}
	for _, arch := range []string{"amd64", "arm64"} {
		if events.Step(t, graph.AptStep(arch, "bookworm", []string{"libssl-dev"}, []string{"libssl3", "ca-certificates"})).Ran() {
			t.Errorf("a source edit re-ran the %s sysroot", arch)
		}
	}
	// A floor the spec sets below what bookworm's libssl3 needs is refused,
	// naming the library.
	testenv.AppendFile(t, filepath.Join(dir, "strata.yaml"), "    rust: {glibc: \"2.17\"}\n")
	_, output := testenv.OCIOutput(t)
	out, err := testenv.Strata(t, append(append([]string{"build", "--platform", "linux/arm64"}, testenv.ZigContext...), "-o", output, dir)...)
	last := strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:])
	if err == nil || !strings.Contains(last, "apps.rust-tls.rust.glibc, the glibc floor") || !strings.Contains(last, "libssl.so.3") {
		t.Errorf("a floor below the libraries' was not refused by name: %v\n%s", err, testenv.Tail(out, 10))
	}
}

// TestRustSystemLibraries: libz-sys and libsqlite3-sys find the target's
// zlib and SQLite through pkg-config and link them, for both
// architectures, instead of compiling their bundled copies; adding a
// package to build_packages re-runs the dependency step.
func TestRustSystemLibraries(t *testing.T) {
	t.Parallel()
	dir := testenv.CopyDir(t, "e2e/testdata/rust-syslibs")
	roots, _ := buildBoth(t, dir, "syslibs")
	for arch, root := range roots {
		checkLinked(t, root, arch, "usr/local/bin/syslibs", "libsqlite3.so.0", "libz.so.1")
		out, err := testenv.InRoot(root, arch, "usr/local/bin/syslibs").CombinedOutput()
		// bookworm's versions; the crates bundle zlib 1.3 and SQLite 3.46.
		want := "zlib 1.2.13 sqlite 3.40.1 on " + map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[arch]
		if err != nil || !strings.Contains(string(out), want) {
			t.Errorf("%s: syslibs: %v\n%s", arch, err, out)
		}
	}
	testenv.EditFile(t, filepath.Join(dir, "strata.yaml"), "libsqlite3-dev]", "libsqlite3-dev, libbz2-dev]")
	_, events := buildBoth(t, dir, "syslibs")
	if !events.Step(t, graph.CargoDependenciesStep("syslibs")).Ran() {
		t.Error("a package added to build_packages left the dependency step cached")
	}
}

// tlsServer serves "hello over TLS" on 127.0.0.1 with a certificate of a
// CA of its own, written to a PEM file the client is given.
func tlsServer(t *testing.T) (addr, caFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(30 * time.Second))
				buf := make([]byte, 1024)
				if _, err := c.Read(buf); err == nil {
					c.Write([]byte("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nhello over TLS\n"))
				}
			}()
		}
	}()
	return ln.Addr().String(), caFile
}
