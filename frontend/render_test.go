package frontend

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
	strata "github.com/strata-build/strata"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// maxInlineFile is the largest file content a golden graph shows as text;
// larger or binary contents show as their size and digest.
const maxInlineFile = 16 << 10

// helperSources maps the sha256 of each embedded helper source to its path:
// the graph writes them whole, and a golden graph names them instead (their
// text is in the repository; a change shows as a changed digest).
var helperSources = sync.OnceValue(func() map[string]string {
	sums := map[string]string{}
	err := fs.WalkDir(strata.HelperSources, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		dt, err := fs.ReadFile(strata.HelperSources, p)
		sum := sha256.Sum256(dt)
		sums[hex.EncodeToString(sum[:])] = p
		return err
	})
	if err != nil {
		panic(err)
	}
	return sums
})

// renderDefinition renders a marshalled graph as indented JSON for review:
// its ops in a fixed order (each op after its inputs, inputs in order,
// from the output back), each with its digest and the metadata a reviewer
// reads (names, ignore-cache, progress groups; not the caps). A string
// holding newlines (a script) is an array of its lines, and a file
// written by the graph is its text when it is short UTF-8, the path of a
// helper source, or its size and sha256. The same definition always renders to the same bytes.
func renderDefinition(def *pb.Definition) ([]byte, error) {
	ops := map[digest.Digest]*pb.Op{}
	var last *pb.Op
	for _, dt := range def.Def {
		op := &pb.Op{}
		if err := op.UnmarshalVT(dt); err != nil {
			return nil, err
		}
		ops[digest.FromBytes(dt)] = op
		last = op
	}
	type rendered struct {
		Digest   digest.Digest `json:"digest"`
		Op       any           `json:"op"`
		Metadata any           `json:"metadata,omitempty"`
	}
	var out []rendered
	seen := map[digest.Digest]bool{}
	var visit func(d digest.Digest) error
	visit = func(d digest.Digest) error {
		if seen[d] {
			return nil
		}
		seen[d] = true
		op, ok := ops[d]
		if !ok {
			return fmt.Errorf("input %s is not in the definition", d)
		}
		for _, in := range op.Inputs {
			if err := visit(digest.Digest(in.Digest)); err != nil {
				return err
			}
		}
		r := rendered{Digest: d}
		var err error
		if r.Op, err = protoJSON(op); err != nil {
			return err
		}
		if md := def.Metadata[string(d)]; md != nil {
			md = md.CloneVT()
			md.Caps = nil
			if r.Metadata, err = protoJSON(md); err != nil {
				return err
			}
			if m, ok := r.Metadata.(map[string]any); ok && len(m) == 0 {
				r.Metadata = nil
			}
		}
		out = append(out, r)
		return nil
	}
	if last == nil {
		return nil, fmt.Errorf("empty definition")
	}
	for _, in := range last.Inputs {
		if err := visit(digest.Digest(in.Digest)); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	err := enc.Encode(out)
	return buf.Bytes(), err
}

// protoJSON is a message as plain JSON values: protojson's field names and
// enum names, re-encoded by encoding/json (protojson's own spacing is
// deliberately unstable), with scripts and file contents made readable.
func protoJSON(m proto.Message) (any, error) {
	dt, err := protojson.Marshal(m)
	if err != nil {
		return nil, err
	}
	var v any
	if err := json.Unmarshal(dt, &v); err != nil {
		return nil, err
	}
	return readable(v, ""), nil
}

// readable rewrites what is hard to review in a decoded op: the base64
// contents of a file op's mkfile, and strings of several lines.
func readable(v any, key string) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if key == "mkfile" && k == "data" {
				v[k] = fileContent(e.(string))
				continue
			}
			v[k] = readable(e, k)
		}
		return v
	case []any:
		for i, e := range v {
			v[i] = readable(e, key)
		}
		return v
	case string:
		if strings.Contains(v, "\n") {
			return strings.SplitAfter(v, "\n")
		}
	}
	return v
}

func fileContent(b64 string) any {
	dt, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return b64
	}
	sum := sha256.Sum256(dt)
	hexSum := hex.EncodeToString(sum[:])
	if p, ok := helperSources()[hexSum]; ok {
		return map[string]any{"helperSource": p, "sha256": hexSum}
	}
	if len(dt) <= maxInlineFile && utf8.Valid(dt) {
		return readable(string(dt), "")
	}
	return map[string]any{"bytes": len(dt), "sha256": hexSum}
}
