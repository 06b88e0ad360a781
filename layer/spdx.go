package layer

import (
	"bytes"
	"cmp"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// SPDX 2.3 JSON documents: what the helper writes beside a layer or code
// package (NAME.spdx.json) and for an app image (its SBOM attestation).
// Everything in them is read from the files shipped and from the lock
// files, never guessed; a field nothing says is NOASSERTION. The same
// inputs give the same bytes: packages, files and relationships are
// sorted, the creation time is SOURCE_DATE_EPOCH (0 by default) and the
// document namespace ends in the digest of the document's content.

// SBOMInfo is what a helper request tells the SBOM beyond what the helper
// reads from the files: the target platform and the packages only the
// frontend knows, from lock files.
type SBOMInfo struct {
	Platform string `json:"platform"` // linux/amd64
	// Distro is the purl distro of Debian packages (debian-12) when the
	// root has no /etc/os-release saying it.
	Distro string `json:"distro,omitempty"`
	// Packages are listed as they are: a Rust app's crates from Cargo.lock.
	Packages []SBOMPackage `json:"packages,omitempty"`
	// Python are uv.lock's packages, each with the files it may be
	// installed from: only those installed (a *.dist-info of the same
	// name and version among the files) are listed, with the file whose
	// wheel tags are the installed ones (else the sdist it was built from).
	Python []SBOMPackage `json:"python,omitempty"`
}

// SBOMPackage is a package known from a lock file.
type SBOMPackage struct {
	Kind     string `json:"kind"` // cargo, pypi
	Name     string `json:"name"`
	Version  string `json:"version,omitempty"`
	Download string `json:"download,omitempty"` // "" for NOASSERTION
	SHA256   string `json:"sha256,omitempty"`
	// Files are a Python package's distribution files.
	Files []SBOMFile `json:"files,omitempty"`
}

// SBOMFile is a distribution file of a locked package.
type SBOMFile struct {
	Name   string `json:"name"` // numpy-2.2.6-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
	URL    string `json:"url"`
	SHA256 string `json:"sha256"`
}

// sbomPkg is a package of a document.
type sbomPkg struct {
	kind, name, version, purl, download string
	supplier, homepage, sourceInfo      string
	license                             string // an SPDX expression; "" for NOASSERTION
	comment                             string
	purpose                             string
	checksums                           [][2]string // algorithm, hex value
	files                               []sbomFileEntry
}

// sbomFileEntry is a file a package contributes, with its checksums.
type sbomFileEntry struct{ name, sha1, sha256 string }

// sbomDoc collects a document's packages and the licences they name.
type sbomDoc struct {
	name     string
	platform string
	created  time.Time
	root     sbomPkg
	pkgs     map[string]*sbomPkg // by kind/name/version
	licenses *licenses
}

func newSBOMDoc(name, platform string, created time.Time, root sbomPkg) *sbomDoc {
	return &sbomDoc{name: name, platform: platform, created: created, root: root, pkgs: map[string]*sbomPkg{}, licenses: &licenses{texts: map[string]string{}}}
}

// add adds a package, or returns the one of the same kind, name and version.
func (d *sbomDoc) add(p sbomPkg) *sbomPkg {
	k := p.kind + "/" + p.name + "@" + p.version
	if have, ok := d.pkgs[k]; ok {
		return have
	}
	d.pkgs[k] = &p
	return &p
}

// fileChecksums are a file's SHA-1 (which SPDX requires) and SHA-256.
func fileChecksums(path string) (string, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	h1, h256 := sha1.New(), sha256.New()
	if _, err := io.Copy(io.MultiWriter(h1, h256), f); err != nil {
		return "", "", err
	}
	return hex.EncodeToString(h1.Sum(nil)), hex.EncodeToString(h256.Sum(nil)), nil
}

// The JSON of SPDX 2.3, the fields Strata writes.
type spdxDocument struct {
	SPDXVersion       string             `json:"spdxVersion"`
	DataLicense       string             `json:"dataLicense"`
	SPDXID            string             `json:"SPDXID"`
	Name              string             `json:"name"`
	DocumentNamespace string             `json:"documentNamespace"`
	CreationInfo      spdxCreationInfo   `json:"creationInfo"`
	Packages          []spdxPackage      `json:"packages"`
	Files             []spdxFile         `json:"files,omitempty"`
	Extracted         []spdxExtracted    `json:"hasExtractedLicensingInfos,omitempty"`
	Relationships     []spdxRelationship `json:"relationships"`
}

type spdxCreationInfo struct {
	Created  string   `json:"created"`
	Creators []string `json:"creators"`
	Comment  string   `json:"comment,omitempty"`
}

type spdxPackage struct {
	SPDXID           string            `json:"SPDXID"`
	Name             string            `json:"name"`
	VersionInfo      string            `json:"versionInfo,omitempty"`
	Supplier         string            `json:"supplier,omitempty"`
	DownloadLocation string            `json:"downloadLocation"`
	FilesAnalyzed    bool              `json:"filesAnalyzed"`
	VerificationCode *spdxVerification `json:"packageVerificationCode,omitempty"`
	Checksums        []spdxChecksum    `json:"checksums,omitempty"`
	Homepage         string            `json:"homepage,omitempty"`
	SourceInfo       string            `json:"sourceInfo,omitempty"`
	LicenseConcluded string            `json:"licenseConcluded"`
	LicenseDeclared  string            `json:"licenseDeclared"`
	CopyrightText    string            `json:"copyrightText"`
	Comment          string            `json:"comment,omitempty"`
	ExternalRefs     []spdxExternalRef `json:"externalRefs,omitempty"`
	HasFiles         []string          `json:"hasFiles,omitempty"`
	Purpose          string            `json:"primaryPackagePurpose,omitempty"`
}

type spdxVerification struct {
	Value string `json:"packageVerificationCodeValue"`
}

type spdxChecksum struct {
	Algorithm string `json:"algorithm"`
	Value     string `json:"checksumValue"`
}

type spdxExternalRef struct {
	Category string `json:"referenceCategory"`
	Type     string `json:"referenceType"`
	Locator  string `json:"referenceLocator"`
}

type spdxFile struct {
	SPDXID           string         `json:"SPDXID"`
	FileName         string         `json:"fileName"`
	Checksums        []spdxChecksum `json:"checksums"`
	LicenseConcluded string         `json:"licenseConcluded"`
	CopyrightText    string         `json:"copyrightText"`
}

type spdxExtracted struct {
	LicenseID string `json:"licenseId"`
	Name      string `json:"name,omitempty"`
	Text      string `json:"extractedText"`
}

type spdxRelationship struct {
	Element string `json:"spdxElementId"`
	Type    string `json:"relationshipType"`
	Related string `json:"relatedSpdxElement"`
}

// NamespacePrefix starts every document namespace; the rest is the
// document's name, platform and the digest of its content.
const NamespacePrefix = "https://github.com/strata-build/strata/spdx/"

var idUnsafe = regexp.MustCompile(`[^A-Za-z0-9.-]+`)

// spdxID is an SPDX identifier for a kind of element and a key: readable,
// and unique through a digest of the key.
func spdxID(kind, readable, key string) string {
	h := sha256.Sum256([]byte(key))
	r := strings.Trim(idUnsafe.ReplaceAllString(readable, "-"), "-")
	if len(r) > 60 {
		r = r[:60]
	}
	return "SPDXRef-" + kind + "-" + r + "-" + hex.EncodeToString(h[:4])
}

func orNoAssertion(s string) string {
	if s == "" {
		return "NOASSERTION"
	}
	return s
}

// Marshal writes the document.
func (d *sbomDoc) Marshal() ([]byte, error) {
	doc := spdxDocument{
		SPDXVersion: "SPDX-2.3", DataLicense: "CC0-1.0", SPDXID: "SPDXRef-DOCUMENT",
		Name: d.name + " (" + d.platform + ")",
		CreationInfo: spdxCreationInfo{
			Created:  d.created.UTC().Format("2006-01-02T15:04:05Z"),
			Creators: []string{"Tool: strata"},
			Comment:  "Made by Strata from what the build holds: the dpkg status and copyright files, Go build information, Cargo.lock and uv.lock.",
		},
	}
	var files []spdxFile
	seenFiles := map[string]bool{}
	pkg := func(p *sbomPkg, id string) spdxPackage {
		sp := spdxPackage{
			SPDXID: id, Name: p.name, VersionInfo: p.version, Supplier: p.supplier,
			DownloadLocation: orNoAssertion(p.download), Homepage: p.homepage, SourceInfo: p.sourceInfo,
			LicenseConcluded: "NOASSERTION", LicenseDeclared: orNoAssertion(p.license), CopyrightText: "NOASSERTION",
			Comment: p.comment, Purpose: p.purpose,
		}
		for _, c := range p.checksums {
			sp.Checksums = append(sp.Checksums, spdxChecksum{Algorithm: c[0], Value: c[1]})
		}
		if p.purl != "" {
			sp.ExternalRefs = []spdxExternalRef{{Category: "PACKAGE-MANAGER", Type: "purl", Locator: p.purl}}
		}
		if len(p.files) > 0 {
			fs := slices.Clone(p.files)
			slices.SortFunc(fs, func(a, b sbomFileEntry) int { return cmp.Compare(a.name, b.name) })
			var sums []string
			for _, f := range fs {
				fid := spdxID("File", f.name, f.name)
				sp.HasFiles = append(sp.HasFiles, fid)
				sums = append(sums, f.sha1)
				if !seenFiles[fid] {
					seenFiles[fid] = true
					files = append(files, spdxFile{SPDXID: fid, FileName: f.name, LicenseConcluded: "NOASSERTION", CopyrightText: "NOASSERTION",
						Checksums: []spdxChecksum{{"SHA1", f.sha1}, {"SHA256", f.sha256}}})
				}
			}
			// The package verification code (SPDX 2.3, 7.9): the SHA-1 of
			// its files' sorted SHA-1s.
			sort.Strings(sums)
			h := sha1.Sum([]byte(strings.Join(sums, "")))
			sp.FilesAnalyzed, sp.VerificationCode = true, &spdxVerification{Value: hex.EncodeToString(h[:])}
		}
		return sp
	}
	rootID := spdxID("Package", d.root.name, "root:"+d.root.name)
	doc.Packages = append(doc.Packages, pkg(&d.root, rootID))
	doc.Relationships = append(doc.Relationships, spdxRelationship{"SPDXRef-DOCUMENT", "DESCRIBES", rootID})
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range d.pkgs {
			if !yield(k) {
				return
			}
		}
	})
	var rels []spdxRelationship
	for _, k := range keys {
		p := d.pkgs[k]
		id := spdxID("Package", p.kind+"-"+p.name, k)
		doc.Packages = append(doc.Packages, pkg(p, id))
		rels = append(rels, spdxRelationship{rootID, "CONTAINS", id})
	}
	doc.Relationships = append(doc.Relationships, rels...)
	slices.SortFunc(files, func(a, b spdxFile) int { return cmp.Compare(a.FileName, b.FileName) })
	doc.Files = files
	for _, id := range slices.Sorted(func(yield func(string) bool) {
		for k := range d.licenses.texts {
			if !yield(k) {
				return
			}
		}
	}) {
		doc.Extracted = append(doc.Extracted, spdxExtracted{LicenseID: id, Name: strings.TrimPrefix(id, "LicenseRef-"), Text: d.licenses.texts[id]})
	}
	// The namespace ends in the digest of the rest of the document.
	body, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	doc.DocumentNamespace = NamespacePrefix + strings.Trim(idUnsafe.ReplaceAllString(d.name, "-"), "-") + "/" +
		strings.ReplaceAll(d.platform, "/", "-") + "/sha256-" + hex.EncodeToString(sum[:])
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeSPDX writes the document to path through a temporary file.
func (d *sbomDoc) write(path string) error {
	dt, err := d.Marshal()
	if err != nil {
		return fmt.Errorf("SPDX document: %w", err)
	}
	return os.WriteFile(path, dt, 0o644)
}
