package layer

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/strata-build/strata/facts"
)

// BuildOptions are a layer's assembly options and where its files go.
type BuildOptions struct {
	Options
	Name   string
	Format string    // zip or tar.gz
	Prefix string    // where the runtime extracts the layer, such as /opt
	Out    string    // directory for NAME.zip, NAME.manifest.json, NAME.report.txt
	MTime  time.Time // the time of every entry (SOURCE_DATE_EPOCH)
	Tree   string    // if set, also write the files as a tree there
	Strip  string    // if set, the strip program to run on every file
	// Env is the environment the programs need (${PREFIX} expanded), for
	// the manifest and the report.
	Env map[string]string
	// SBOM is what the layer's SPDX document (NAME.spdx.json) holds
	// beyond what is read from the files; nil for nothing more.
	SBOM *SBOMInfo
}

// Manifest describes a built layer.
type Manifest struct {
	Name             string `json:"name"`
	Runtime          string `json:"runtime"`
	Machine          string `json:"machine"`
	Format           string `json:"format"`
	Prefix           string `json:"prefix"`
	Archive          string `json:"archive"`
	SHA256           string `json:"sha256"`
	CompressedSize   int64  `json:"compressed_size"`
	UncompressedSize int64  `json:"uncompressed_size"`
	Glibc            string `json:"glibc"`
	// Env is what the programs need set; the wrappers in bin/ set it.
	Env   map[string]string `json:"env,omitempty"`
	Files []*Entry          `json:"files"`
}

// packagesFile, in a root, maps its files to the Debian packages that
// brought them ("path<TAB>package" lines), for the size report.
const packagesFile = "/.strata/packages.tsv"

// Build assembles the layer and writes its archive, manifest and size
// report. Over a size limit it returns an error naming the largest files
// and writes no archive: over the unzipped limit before anything is
// compressed, over the zipped one as soon as that is certain.
func Build(opt BuildOptions) (*Manifest, string, error) {
	if opt.Format == facts.Zip {
		if _, err := zipTime(opt.MTime); err != nil {
			return nil, "", err
		}
	}
	l, err := Assemble(opt.Options)
	if err != nil {
		return nil, "", err
	}
	sources := rootFS{opt.Root}
	l.attribute(sources)
	if opt.Strip != "" {
		// The files are stripped in a root of their own, which the
		// archive is then written from.
		if opt.Root, err = l.strip(opt.Root, opt.Strip); err != nil {
			return nil, "", err
		}
		defer os.RemoveAll(opt.Root)
	}
	r := rootFS{opt.Root}
	if err := l.fillSizes(r); err != nil {
		return nil, "", err
	}
	archive := opt.Name + "." + opt.Format
	m := &Manifest{
		Name: opt.Name, Runtime: opt.Profile.Name, Machine: l.Machine.String(), Format: opt.Format, Prefix: opt.Prefix,
		Archive: archive, Glibc: l.Glibc, Files: l.Entries, Env: ExpandPrefix(opt.Env, opt.Prefix),
	}
	if len(m.Env) == 0 {
		m.Env = nil
	}
	for _, e := range l.Entries {
		m.UncompressedSize += e.Size
	}
	if p := opt.Profile; p.MaxUnzipped > 0 && m.UncompressedSize > p.MaxUnzipped {
		return m, l.report(m, p, "no "+m.Format+" written"), overLimit(m, p, l, false)
	}
	tmp, err := os.CreateTemp(opt.Out, ".strata-layer-*")
	if err != nil {
		return nil, "", err
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	err = l.writeArchive(io.MultiWriter(tmp, h), opt.Root, opt.Format, opt.MTime, &budget{max: opt.Profile.MaxZipped})
	if over := (*overZipped)(nil); errors.As(err, &over) {
		tmp.Close()
		m.CompressedSize = over.atLeast
		report := l.report(m, opt.Profile, "at least "+mb(m.CompressedSize)+" as "+m.Format+" when compression stopped")
		return m, report, overLimit(m, opt.Profile, l, true)
	}
	if err != nil {
		tmp.Close()
		return nil, "", err
	}
	if err := tmp.Close(); err != nil {
		return nil, "", err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return nil, "", err
	}
	fi, err := os.Stat(tmp.Name())
	if err != nil {
		return nil, "", err
	}
	m.SHA256, m.CompressedSize, m.UncompressedSize = hex.EncodeToString(h.Sum(nil)), fi.Size(), 0
	for _, e := range l.Entries {
		m.UncompressedSize += e.Size
	}
	report := l.report(m, opt.Profile, "")
	if err := overLimit(m, opt.Profile, l, false); err != nil {
		return m, report, err
	}
	if err := os.Rename(tmp.Name(), filepath.Join(opt.Out, archive)); err != nil {
		return nil, "", err
	}
	if opt.Tree != "" {
		if err := l.WriteTree(opt.Tree, r.dir); err != nil {
			return nil, "", err
		}
	}
	if err := l.writeSBOM(opt, sources, r, m); err != nil {
		return nil, "", err
	}
	dt, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, "", err
	}
	if err := os.WriteFile(filepath.Join(opt.Out, opt.Name+".manifest.json"), append(dt, '\n'), 0o644); err != nil {
		return nil, "", err
	}
	return m, report, os.WriteFile(filepath.Join(opt.Out, opt.Name+".report.txt"), []byte(report), 0o644)
}

// overLimit is the error of a layer over a size limit; zippedAtLeast says
// its compressed size is a lower bound, compression having stopped there.
func overLimit(m *Manifest, p Profile, l *Layer, zippedAtLeast bool) error {
	var over []string
	if p.MaxZipped > 0 && m.CompressedSize > p.MaxZipped {
		size := mb(m.CompressedSize)
		if zippedAtLeast {
			size = "at least " + size
		}
		over = append(over, fmt.Sprintf("%s compressed, over the limit of %s", size, mb(p.MaxZipped)))
	}
	if p.MaxUnzipped > 0 && m.UncompressedSize > p.MaxUnzipped {
		over = append(over, fmt.Sprintf("%s unpacked, over the limit of %s", mb(m.UncompressedSize), mb(p.MaxUnzipped)))
	}
	if len(over) == 0 {
		return nil
	}
	return fmt.Errorf("layer %s is %s (%s); no archive was written. The largest files:\n%s",
		m.Name, strings.Join(over, " and "), p.Limits, strings.Join(l.largest(10), "\n"))
}

// attribute reads which package brought each file, when the sources say.
func (l *Layer) attribute(r rootFS) {
	f, err := os.Open(r.host(packagesFile))
	if err != nil {
		return
	}
	defer f.Close()
	pkgs := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if p, pkg, ok := strings.Cut(sc.Text(), "\t"); ok {
			pkgs["/"+strings.TrimPrefix(strings.TrimPrefix(p, "."), "/")] = pkg
		}
	}
	for _, e := range l.Entries {
		if e.Source != "" {
			e.Package = pkgs[e.Source]
		}
	}
}

// largest lists the biggest files with their package and who needs them.
func (l *Layer) largest(n int) []string {
	files := make([]*Entry, 0, len(l.Entries))
	layerPath := map[string]string{}
	for _, e := range l.Entries {
		if e.Link == "" {
			files = append(files, e)
			layerPath[e.Source] = e.Path
		}
	}
	sort.SliceStable(files, func(i, j int) bool { return files[i].Size > files[j].Size })
	if len(files) > n {
		files = files[:n]
	}
	var out []string
	for _, e := range files {
		var by []string
		for _, b := range e.NeededBy {
			if p, ok := layerPath[b]; ok {
				b = p
			}
			by = append(by, b)
		}
		line := fmt.Sprintf("  %9s  %-40s", mb(e.Size), e.Path)
		if e.Package != "" {
			line += "  from " + e.Package
		}
		if len(by) > 0 {
			if len(by) > 4 {
				by = append(by[:4:4], fmt.Sprintf("%d more", len(e.NeededBy)-4))
			}
			line += "  needed by " + strings.Join(by, ", ")
		}
		out = append(out, line)
	}
	return out
}

// report is the size report; zipped, if set, stands for the archive's
// size when it was not written whole.
func (l *Layer) report(m *Manifest, p Profile, zipped string) string {
	var b strings.Builder
	files := 0
	for _, e := range l.Entries {
		if e.Link == "" {
			files++
		}
	}
	if zipped == "" {
		zipped = mb(m.CompressedSize) + " as " + m.Format
	}
	fmt.Fprintf(&b, "layer %s for %s (%s): %d files and %d soname links, %s unpacked, %s\n",
		m.Name, p.Name, m.Machine, files, len(l.Entries)-files, mb(m.UncompressedSize), zipped)
	fmt.Fprintf(&b, "glibc needed: %s (the runtime has %s)\n", m.Glibc, p.Glibc)
	if p.MaxZipped > 0 || p.MaxUnzipped > 0 {
		fmt.Fprintf(&b, "limits: %s\n", p.Limits)
	}
	if p.DirectUpload > 0 && m.CompressedSize > p.DirectUpload {
		fmt.Fprintf(&b, "note: over the %s of a direct upload: %s\n", mb(p.DirectUpload), p.Upload)
	}
	if len(m.Env) > 0 {
		b.WriteString("environment (set by the wrappers in bin/; set it yourself to run libexec/ directly):\n")
		for _, k := range slices.Sorted(maps.Keys(m.Env)) {
			fmt.Fprintf(&b, "  %s=%s\n", k, m.Env[k])
		}
	}
	for _, n := range loaderNotes(l.Entries) {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	for _, sc := range l.Scripts {
		fmt.Fprintf(&b, "script: %s\n", sc)
	}
	b.WriteString("largest files:\n")
	b.WriteString(strings.Join(l.largest(15), "\n"))
	b.WriteString("\n")
	return b.String()
}

// mb prints bytes in MiB, the unit of the providers' "MB" limits.
func mb(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
