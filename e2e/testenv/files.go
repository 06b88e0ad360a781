package testenv

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// WriteFiles writes files (path → content) under dir.
func WriteFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// CopyDir copies a directory of the repository (an example, test data)
// into a directory of the test, which the test may edit.
func CopyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	MustRun(t, "cp", "-a", filepath.Join(root, src)+"/.", dst)
	return dst
}

// EditFile replaces the first old in a file with new; the test fails when
// the file does not hold old.
func EditFile(t *testing.T, path, old, new string) {
	t.Helper()
	dt, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(dt, []byte(old)) {
		t.Fatalf("%s does not contain %q", path, old)
	}
	if err := os.WriteFile(path, bytes.Replace(dt, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

// AppendFile appends text to a file.
func AppendFile(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteString(text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
}

// SameTimes gives every file under dir one old time, as two checkouts of a
// branch made at the same moment would have.
func SameTimes(t *testing.T, dir string) {
	t.Helper()
	when := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil {
			os.Chtimes(p, when, when)
		}
		return nil
	})
}

// WriteExecutable writes data to a new executable file of the test.
func WriteExecutable(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// FileSHA256 is the hex sha256 of a file.
func FileSHA256(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ReadJSON decodes a JSON file into v.
func ReadJSON(t *testing.T, path string, v any) {
	t.Helper()
	dt, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(dt, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
