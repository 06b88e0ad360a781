package cargo

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"unicode/utf8"

	"github.com/pelletier/go-toml/v2"
)

// The planner reads files a client sent, in the frontend: whatever they
// hold, it must take bounded memory and time. A parsed key or value takes a
// few hundred bytes (go-toml's parser and maps), so the limits keep the
// worst document to about 250 MB and a second, while staying well above
// what the largest real workspaces need.
const (
	// maxManifest bounds a Cargo.toml, a .cargo/config(.toml) and a
	// rust-toolchain(.toml), as the spec's 1 MiB: real ones are a few KB,
	// the biggest workspace roots (hundreds of [workspace.dependencies])
	// about 100 KB.
	maxManifest = 1 << 20
	// maxLock bounds Cargo.lock: real ones reach a few hundred KB, the
	// biggest (a few thousand packages) 1-2 MB. go-toml parses a whole
	// array before anything can stop it: 4 MiB of [1,1,..] take 250 MB.
	maxLock = 4 << 20
	// maxInput bounds all the files read together, whose parsed form the
	// planner holds at once; real workspaces read a few MB at most.
	maxInput = 16 << 20
	// maxSkeleton bounds the skeleton's files together: they travel in the
	// LLB definition, which BuildKit takes in gRPC messages of 16 MiB at
	// most. A real one is the size of its manifests, 2-3 MB at most.
	maxSkeleton = 8 << 20
	// maxDepth bounds the nesting of tables and arrays: go-toml writes
	// each table under a header that repeats its whole path, so the
	// skeleton grows with the square of the depth (a 40 KB manifest made
	// 400 MB). Real manifests nest 6 levels at most:
	// [target.'cfg(..)'.dependencies.foo] features = [..].
	maxDepth = 32
	// maxValues bounds the keys and values of all the documents parsed;
	// the biggest real workspaces (500 members, 3000 packages locked)
	// have about 100 000.
	maxValues = 1 << 19
	// maxWork bounds the key comparisons of parsing all the documents (see
	// scan), a quarter of a second; the biggest real workspaces take a
	// few million.
	maxWork = 100_000_000
	// maxPackages bounds the local packages, and the entries of
	// workspace.members; the biggest real workspaces have about 500.
	maxPackages = 4096
)

// MaxFile and MaxInput bound what a frontend reads for Plan: no file it
// reads is larger than the largest Plan takes, nor all of them together
// larger than what Plan holds at once.
const (
	MaxFile  = maxLock
	MaxInput = maxInput
)

// limitError is a limit's error: reading a file stops on it, when others
// (a file that is not there) may be skipped.
type limitError struct{ msg string }

func (e *limitError) Error() string { return e.msg }

func overLimit(format string, args ...any) error {
	return &limitError{fmt.Sprintf(format, args...)}
}

func isLimit(err error) bool {
	var le *limitError
	return errors.As(err, &le)
}

// readFile reads a file of at most limit bytes (what names the kind of file
// in the error) without reading more of it, and counts it in maxInput.
func (p *planner) readFile(file string, limit int64, what string) ([]byte, error) {
	f, err := p.fsys.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	size := int64(-1)
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	var dt []byte
	if size <= limit {
		if dt, err = io.ReadAll(io.LimitReader(f, limit+1)); err != nil {
			return nil, err
		}
		size = max(size, int64(len(dt)))
	}
	if size > limit {
		return nil, overLimit("%s: %s is over the %s limit for a %s", file, mib(size), mib(limit), what)
	}
	if p.inputSize += len(dt); p.inputSize > maxInput {
		return nil, overLimit("%s: the files read for the workspace are over the %s limit", file, mib(maxInput))
	}
	return dt, nil
}

// decode parses a TOML document once scan has found it within the limits.
func (p *planner) decode(file string, dt []byte) (map[string]any, error) {
	if err := p.scan(file, dt); err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := toml.Unmarshal(dt, &doc); err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	return doc, nil
}

// marshal adds a document to the skeleton as file, refusing it before it
// is written when it could take the skeleton over maxSkeleton.
func (p *planner) marshal(file string, doc map[string]any) error {
	if p.skeletonSize+tomlSize(doc, 0) > maxSkeleton {
		return overLimit("%s: the skeleton is over the %s limit for a workspace", file, mib(maxSkeleton))
	}
	out, err := toml.Marshal(doc)
	if err != nil {
		return fmt.Errorf("%s: %v", file, err)
	}
	return p.add(file, out)
}

// add adds a file to the skeleton.
func (p *planner) add(file string, dt []byte) error {
	if p.skeletonSize += len(file) + len(dt); p.skeletonSize > maxSkeleton {
		return overLimit("%s: the skeleton is over the %s limit for a workspace", file, mib(maxSkeleton))
	}
	p.files[file] = dt
	return nil
}

// tomlSize bounds the size of toml.Marshal(v) for v under a table whose
// header is header bytes long: each table repeats its whole path in its
// header ([a.b.c]), each array of tables for each element.
func tomlSize(v any, header int) int {
	switch v := v.(type) {
	case map[string]any:
		n := header + 6 // [header], a blank line
		for k, x := range v {
			key := quotedSize(k)
			n += key + 4 + tomlSize(x, header+key+1) // key = value
		}
		return n
	case []any:
		n := 2
		for _, x := range v {
			n += 2 + tomlSize(x, header)
		}
		return n
	case []map[string]any:
		n := 2
		for _, x := range v {
			n += 2 + tomlSize(x, header)
		}
		return n
	case string:
		return quotedSize(v)
	case int64:
		return len(strconv.FormatInt(v, 10))
	case float64: // written without an exponent: 1e300 takes 300 bytes
		return len(strconv.FormatFloat(v, 'f', -1, 64)) + 2
	default: // booleans and dates
		return 40
	}
}

// quotedSize is the size of s as a quoted string: control characters and
// invalid UTF-8 are written as \uXXXX.
func quotedSize(s string) int {
	n := 2
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r < 0x20 || r == 0x7f || r == utf8.RuneError && size == 1:
			n += 6
		case r == '"' || r == '\\':
			n += 2
		default:
			n += size
		}
		i += size
	}
	return n
}

func mib(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// checkFiles makes sure, whatever the checks before missed, that the
// skeleton's files are in the build context: relative, without "..".
func checkFiles(r *Recipe) error {
	dirs := append(append([]string{}, r.Dirs...), r.Whole...)
	for f := range r.Files {
		if f == "." || !fs.ValidPath(f) {
			return fmt.Errorf("the skeleton file %q is outside the build context", f)
		}
	}
	for _, d := range dirs {
		if !fs.ValidPath(d) {
			return fmt.Errorf("the skeleton directory %q is outside the build context", d)
		}
	}
	return nil
}
