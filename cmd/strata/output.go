package main

import (
	"encoding/csv"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/distribution/reference"
	"github.com/moby/buildkit/client"
)

// parseOutputs reads -o values as buildx does: CSV of key=value, with type
// and dest handled here and the rest passed to the exporter; a bare path is
// type=local,dest=PATH and "-" a tar stream on stdout. Files are written
// aside and put in place by files.finish once the build succeeded.
func parseOutputs(values []string, files *outputFiles) ([]client.ExportEntry, error) {
	var out []client.ExportEntry
	stdout := false
	for _, v := range values {
		var attrs map[string]string
		switch {
		case v == "-":
			attrs = map[string]string{"type": client.ExporterTar, "dest": "-"}
		case !strings.ContainsAny(v, ",=") && v != "":
			attrs = map[string]string{"type": client.ExporterLocal, "dest": v}
		default:
			var err error
			if attrs, err = parseCSV(v); err != nil {
				return nil, usagef("-o %q: %v", v, err)
			}
		}
		typ, dest := attrs["type"], attrs["dest"]
		delete(attrs, "type")
		delete(attrs, "dest")
		e := client.ExportEntry{Type: typ, Attrs: attrs}
		switch typ {
		case client.ExporterLocal:
			if dest == "" || dest == "-" {
				return nil, usagef("-o %q: type=local needs dest=DIR (-o - is a tar stream on stdout)", v)
			}
			e.OutputDir = dest
		case client.ExporterOCI, client.ExporterDocker:
			if attrs["tar"] == "false" { // an OCI layout directory
				if dest == "" || dest == "-" {
					return nil, usagef("-o %q: tar=false needs dest=DIR", v)
				}
				e.OutputDir = dest
				break
			}
			fallthrough
		case client.ExporterTar:
			if dest == "" {
				dest = "-" // as buildx: stdout, unless it is a terminal
			}
			if dest == "-" {
				if stdout {
					return nil, usagef("-o %q: another output already writes to stdout", v)
				}
				if isTerminal(os.Stdout) {
					return nil, usagef("-o %q: type=%s needs dest=FILE; refusing to write an archive to the terminal", v, typ)
				}
				stdout = true
			}
			e.Output = files.output(dest)
		case "registry": // as buildx: an image pushed, not unpacked
			e.Type = client.ExporterImage
			attrs["push"] = "true"
			if _, ok := attrs["unpack"]; !ok {
				attrs["unpack"] = "false"
			}
		case client.ExporterImage:
		case "cacheonly": // build, fill the cache, export nothing (as buildx)
			continue
		default:
			return nil, usagef("-o %q: unknown type %q (expected local, tar, oci, docker, image, registry or cacheonly)", v, typ)
		}
		out = append(out, e)
	}
	return out, nil
}

// withTags applies --push and -t as buildx does: --push pushes every image
// output (and adds one when there is none), and the tags name every image,
// oci and docker output.
func withTags(out []client.ExportEntry, tags []string, push bool) ([]client.ExportEntry, error) {
	if push {
		pushed := false
		for i := range out {
			if out[i].Type == client.ExporterImage {
				out[i].Attrs["push"] = "true"
				if _, ok := out[i].Attrs["unpack"]; !ok {
					out[i].Attrs["unpack"] = "false"
				}
				pushed = true
			}
		}
		if !pushed {
			out = append(out, client.ExportEntry{Type: client.ExporterImage, Attrs: map[string]string{"push": "true", "unpack": "false"}})
		}
	}
	if len(tags) > 0 {
		names := make([]string, len(tags))
		for i, t := range tags {
			ref, err := reference.Parse(t)
			if err != nil {
				return nil, usagef("-t %q: %v", t, err)
			}
			names[i] = ref.String()
		}
		for i := range out {
			switch out[i].Type {
			case client.ExporterImage, client.ExporterOCI, client.ExporterDocker:
				out[i].Attrs["name"] = strings.Join(names, ",")
			}
		}
		return out, nil
	}
	for _, e := range out {
		if e.Type == client.ExporterImage && e.Attrs["name"] == "" {
			if ok, _ := strconv.ParseBool(e.Attrs["push"]); ok {
				return nil, usagef("pushing an image needs a name: -t NAME[:TAG]")
			}
		}
	}
	return out, nil
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func parseCaches(values []string) ([]client.CacheOptionsEntry, error) {
	var out []client.CacheOptionsEntry
	for _, v := range values {
		attrs, err := parseCSV(v)
		if err != nil {
			return nil, usagef("cache %q: %v", v, err)
		}
		typ := attrs["type"]
		delete(attrs, "type")
		if typ == "" {
			return nil, usagef("cache %q: missing type=", v)
		}
		out = append(out, client.CacheOptionsEntry{Type: typ, Attrs: attrs})
	}
	return out, nil
}

func parseCSVFields(v string) ([]string, error) {
	return csv.NewReader(strings.NewReader(v)).Read()
}

func parseCSV(v string) (map[string]string, error) {
	fields, err := parseCSVFields(v)
	if err != nil {
		return nil, err
	}
	attrs := map[string]string{}
	for _, f := range fields {
		k, val, ok := strings.Cut(f, "=")
		if !ok {
			return nil, usagef("%q is not key=value", f)
		}
		attrs[strings.TrimSpace(k)] = val
	}
	return attrs, nil
}

// outputFiles are the files exporters write: to a temporary file beside
// the destination, renamed into place only when the whole build succeeded,
// so a failed build never leaves half an archive.
type outputFiles struct {
	mu      sync.Mutex
	pending []*os.File
	dests   []string
}

func (o *outputFiles) output(dest string) func(map[string]string) (io.WriteCloser, error) {
	return func(map[string]string) (io.WriteCloser, error) {
		if dest == "-" {
			return nopCloser{os.Stdout}, nil
		}
		f, err := os.CreateTemp(dirOf(dest), ".strata-out-*")
		if err != nil {
			return nil, err
		}
		o.mu.Lock()
		o.pending, o.dests = append(o.pending, f), append(o.dests, dest)
		o.mu.Unlock()
		return f, nil
	}
}

// finish puts the files in place after a successful build, or removes them.
func (o *outputFiles) finish(buildErr error) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	err := buildErr
	for i, f := range o.pending {
		f.Close()
		if err == nil {
			if err = os.Chmod(f.Name(), 0o644); err == nil {
				err = os.Rename(f.Name(), o.dests[i])
			}
		}
		os.Remove(f.Name()) // a no-op after the rename
	}
	return err
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

func dirOf(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i+1]
	}
	return "."
}
