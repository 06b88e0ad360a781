package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/subrequests"
	"github.com/moby/buildkit/frontend/subrequests/lint"
	"github.com/moby/buildkit/frontend/subrequests/outline"
	"github.com/moby/buildkit/frontend/subrequests/targets"
)

// callFunc is --call NAME[,format=json][,ignorestatus=true], read as buildx
// reads it; nil for "build".
type callFunc struct {
	name, format string
	ignoreStatus bool
}

func parseCall(v string) (*callFunc, error) {
	if v == "" {
		return nil, nil
	}
	fields, err := parseCSVFields(v)
	if err != nil {
		return nil, usagef("--call %q: %v", v, err)
	}
	f := &callFunc{}
	for _, field := range fields {
		k, val, ok := strings.Cut(field, "=")
		switch {
		case !ok && f.name == "":
			f.name = field
		case !ok:
			return nil, usagef("--call %q: one function at most", v)
		case k == "format" && (val == "json" || val == "text" || val == ""):
			f.format = val
		case k == "ignorestatus":
			if f.ignoreStatus, err = strconv.ParseBool(val); err != nil {
				return nil, usagef("--call %q: ignorestatus: %v", v, err)
			}
		default:
			return nil, usagef("--call %q: unknown field %q", v, field)
		}
	}
	switch f.name {
	case "build":
		return nil, nil
	case "check": // buildx's name for the lint subrequest
		f.name = "lint"
	case "outline", "targets", "lint", "subrequests.describe":
	default:
		return nil, usagef("--call %q: expected build, check, outline, targets or subrequests.describe", v)
	}
	return f, nil
}

// print writes a subrequest's answer as buildx does, and returns the
// status the command exits with (1 when a check found warnings).
func (f *callFunc) print(w io.Writer, res map[string][]byte) (int, error) {
	value := func(printer func([]byte, io.Writer) error) error {
		if f.format == "json" {
			_, err := fmt.Fprintln(w, string(res["result.json"]))
			return err
		}
		return printer(res["result.json"], w)
	}
	var err error
	switch f.name {
	case "outline":
		err = value(outline.PrintOutline)
	case "targets":
		err = value(targets.PrintTargets)
	case "subrequests.describe":
		err = value(subrequests.PrintDescribe)
	case "lint":
		var results lint.LintResults
		if dt, ok := res["result.json"]; ok {
			if err := json.Unmarshal(dt, &results); err != nil {
				return 0, err
			}
		}
		switch n := len(results.Warnings); {
		case f.format == "json":
		case n == 1:
			fmt.Fprintln(w, "Check complete, 1 warning has been found!")
		case n > 1:
			fmt.Fprintf(w, "Check complete, %d warnings have been found!\n", n)
		}
		err = value(func([]byte, io.Writer) error { return results.PrintTo(w, nil) })
		if err == nil && results.Error != nil {
			var b strings.Builder
			results.PrintErrorTo(&b, nil)
			return 0, errors.New(strings.TrimSpace(b.String()))
		}
		if err == nil && len(results.Warnings) == 0 && f.format != "json" {
			fmt.Fprintln(w, "Check complete, no warnings found.")
		}
	}
	if err != nil {
		return 0, err
	}
	if v, ok := res["result.statuscode"]; ok && !f.ignoreStatus {
		if n, err := strconv.Atoi(string(v)); err == nil && n != 0 {
			return n, nil
		}
	}
	return 0, nil
}

// writeMetadata writes --metadata-file as buildx does: the exporter's
// response (containerimage.digest, image.name, ...), each value that is
// base64 of JSON decoded into JSON.
func writeMetadata(file string, resp map[string]string) error {
	out := map[string]any{}
	for k, v := range resp {
		dt := []byte(v)
		if k != "result.json" {
			var err error
			if dt, err = base64.StdEncoding.DecodeString(v); err != nil {
				out[k] = v
				continue
			}
		}
		var obj map[string]any
		var list []map[string]any
		if json.Unmarshal(dt, &obj) == nil && len(obj) > 0 || json.Unmarshal(dt, &list) == nil && len(list) > 0 {
			out[k] = json.RawMessage(dt)
		} else {
			out[k] = v
		}
	}
	dt, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	files := &outputFiles{}
	w, err := files.output(file)(nil)
	if err == nil {
		_, err = w.Write(dt)
	}
	return files.finish(err)
}
