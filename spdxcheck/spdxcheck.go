// Package spdxcheck validates SPDX 2.3 JSON documents, for the tests of
// the documents Strata writes: against the SPDX 2.3 JSON schema
// (spdx-schema-2.3.json: schemas/spdx-schema.json of
// github.com/spdx/spdx-spec, branch support/2.3, commit
// 214f23d34ee287cb1db5b31c3d571af291e836f3, as it is), the rules the schema
// does not hold (identifiers, references, licence references, checksums,
// the package verification code), and by the SPDX tools' own reader
// (github.com/spdx/tools-golang, which BuildKit's exporter uses).
package spdxcheck

import (
	"bytes"
	"crypto/sha1"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	spdxjson "github.com/spdx/tools-golang/json"
)

//go:embed spdx-schema-2.3.json
var schemaJSON []byte

// Document is what the tests read of a document.
type Document struct {
	SPDXVersion       string `json:"spdxVersion"`
	DataLicense       string `json:"dataLicense"`
	SPDXID            string `json:"SPDXID"`
	Name              string `json:"name"`
	DocumentNamespace string `json:"documentNamespace"`
	CreationInfo      struct {
		Created  string   `json:"created"`
		Creators []string `json:"creators"`
	} `json:"creationInfo"`
	Packages []Package `json:"packages"`
	Files    []struct {
		SPDXID    string     `json:"SPDXID"`
		FileName  string     `json:"fileName"`
		Checksums []Checksum `json:"checksums"`
	} `json:"files"`
	Extracted []struct {
		LicenseID string `json:"licenseId"`
		Text      string `json:"extractedText"`
	} `json:"hasExtractedLicensingInfos"`
	Relationships []struct {
		Element string `json:"spdxElementId"`
		Type    string `json:"relationshipType"`
		Related string `json:"relatedSpdxElement"`
	} `json:"relationships"`
}

// Package is a package of a document.
type Package struct {
	SPDXID           string     `json:"SPDXID"`
	Name             string     `json:"name"`
	VersionInfo      string     `json:"versionInfo"`
	DownloadLocation string     `json:"downloadLocation"`
	FilesAnalyzed    bool       `json:"filesAnalyzed"`
	Checksums        []Checksum `json:"checksums"`
	LicenseDeclared  string     `json:"licenseDeclared"`
	Supplier         string     `json:"supplier"`
	ExternalRefs     []struct {
		Category string `json:"referenceCategory"`
		Type     string `json:"referenceType"`
		Locator  string `json:"referenceLocator"`
	} `json:"externalRefs"`
	HasFiles         []string `json:"hasFiles"`
	VerificationCode *struct {
		Value string `json:"packageVerificationCodeValue"`
	} `json:"packageVerificationCode"`
}

// Checksum is a checksum of a package or a file.
type Checksum struct {
	Algorithm string `json:"algorithm"`
	Value     string `json:"checksumValue"`
}

// PURL is the package's purl, "" when it has none.
func (p Package) PURL() string {
	for _, r := range p.ExternalRefs {
		if r.Type == "purl" {
			return r.Locator
		}
	}
	return ""
}

var (
	idPattern  = regexp.MustCompile(`^SPDXRef-[A-Za-z0-9.-]+$`)
	refPattern = regexp.MustCompile(`LicenseRef-[A-Za-z0-9.-]+`)
	hexLen     = map[string]int{"SHA1": 40, "SHA256": 64}
)

var schema = func() *jsonschema.Schema {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		panic(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("spdx-schema-2.3.json", doc); err != nil {
		panic(err)
	}
	return c.MustCompile("spdx-schema-2.3.json")
}()

// Validate checks a document and returns it read.
func Validate(dt []byte) (*Document, error) {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(dt))
	if err != nil {
		return nil, err
	}
	if err := schema.Validate(inst); err != nil {
		return nil, fmt.Errorf("SPDX 2.3 schema: %w", err)
	}
	if _, err := spdxjson.Read(bytes.NewReader(dt)); err != nil {
		return nil, fmt.Errorf("tools-golang: %w", err)
	}
	var d Document
	if err := json.Unmarshal(dt, &d); err != nil {
		return nil, err
	}
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if d.SPDXVersion != "SPDX-2.3" || d.DataLicense != "CC0-1.0" || d.SPDXID != "SPDXRef-DOCUMENT" {
		bad("header: %s %s %s", d.SPDXVersion, d.DataLicense, d.SPDXID)
	}
	if !strings.HasPrefix(d.DocumentNamespace, "https://") || strings.Contains(d.DocumentNamespace, "#") {
		bad("namespace %q is not an absolute URI without #", d.DocumentNamespace)
	}
	if _, err := time.Parse("2006-01-02T15:04:05Z", d.CreationInfo.Created); err != nil {
		bad("created: %v", err)
	}
	if len(d.CreationInfo.Creators) == 0 {
		bad("no creators")
	}
	ids := map[string]bool{"SPDXRef-DOCUMENT": true}
	files := map[string]string{} // id → SHA-1
	addID := func(id string) {
		if !idPattern.MatchString(id) {
			bad("identifier %q", id)
		}
		if ids[id] {
			bad("identifier %q twice", id)
		}
		ids[id] = true
	}
	checksums := func(what string, cs []Checksum) {
		for _, c := range cs {
			if n, ok := hexLen[c.Algorithm]; ok && (len(c.Value) != n || strings.Trim(c.Value, "0123456789abcdef") != "") {
				bad("%s: %s checksum %q", what, c.Algorithm, c.Value)
			}
		}
	}
	for _, f := range d.Files {
		addID(f.SPDXID)
		checksums(f.FileName, f.Checksums)
		i := slices.IndexFunc(f.Checksums, func(c Checksum) bool { return c.Algorithm == "SHA1" })
		if i < 0 {
			bad("file %s has no SHA1", f.FileName)
			continue
		}
		files[f.SPDXID] = f.Checksums[i].Value
	}
	defined := map[string]bool{}
	for _, e := range d.Extracted {
		defined[e.LicenseID] = true
		if !refPattern.MatchString(e.LicenseID) || e.Text == "" {
			bad("extracted licence %q", e.LicenseID)
		}
	}
	for _, p := range d.Packages {
		addID(p.SPDXID)
		checksums(p.Name, p.Checksums)
		for _, ref := range refPattern.FindAllString(p.LicenseDeclared, -1) {
			if !defined[ref] {
				bad("package %s: %s is not defined", p.Name, ref)
			}
		}
		if p.FilesAnalyzed != (len(p.HasFiles) > 0) || (p.VerificationCode != nil) != p.FilesAnalyzed {
			bad("package %s: filesAnalyzed %v with %d files", p.Name, p.FilesAnalyzed, len(p.HasFiles))
		}
		var sums []string
		for _, f := range p.HasFiles {
			s, ok := files[f]
			if !ok {
				bad("package %s: file %s is not in the document", p.Name, f)
			}
			sums = append(sums, s)
		}
		if p.VerificationCode != nil {
			slices.Sort(sums)
			h := sha1.Sum([]byte(strings.Join(sums, "")))
			if hex.EncodeToString(h[:]) != p.VerificationCode.Value {
				bad("package %s: verification code %s", p.Name, p.VerificationCode.Value)
			}
		}
	}
	describes := 0
	for _, r := range d.Relationships {
		if !ids[r.Element] || !ids[r.Related] {
			bad("relationship %s %s %s names an unknown element", r.Element, r.Type, r.Related)
		}
		if r.Element == "SPDXRef-DOCUMENT" && r.Type == "DESCRIBES" {
			describes++
		}
	}
	if describes == 0 {
		bad("the document describes nothing")
	}
	if len(errs) > 0 {
		return &d, fmt.Errorf("SPDX document %s: %s", d.Name, strings.Join(errs, "; "))
	}
	return &d, nil
}

// Find is the package of a kind (the purl type: deb, golang, cargo, pypi)
// and name; nil when there is none.
func (d *Document) Find(kind, name string) *Package {
	for i, p := range d.Packages {
		if p.Name == name && strings.HasPrefix(p.PURL(), "pkg:"+kind+"/") {
			return &d.Packages[i]
		}
	}
	return nil
}
