package layer

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// strip copies the layer's files into a new root and strips them there
// with the given program (binutils' strip, which reads every architecture:
// nothing of the target runs). It returns the new root.
func (l *Layer) strip(root, program string) (string, error) {
	r := rootFS{root}
	dir, err := os.MkdirTemp("", "strata-strip-")
	if err != nil {
		return "", err
	}
	for _, e := range l.Entries {
		if e.Link != "" {
			continue
		}
		dst := filepath.Join(dir, filepath.FromSlash(e.Source))
		if _, err := os.Stat(dst); err == nil {
			continue // a second name of the same file
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return "", err
		}
		fi, err := os.Stat(r.host(e.Source))
		if err != nil {
			return "", err
		}
		if err := copyFile(r.host(e.Source), dst, fi.Mode().Perm()|0o200); err != nil {
			return "", err
		}
		if out, err := exec.Command(program, "--strip-unneeded", dst).CombinedOutput(); err != nil {
			return "", fmt.Errorf("strip %s: %v: %s", e.Path, err, strings.TrimSpace(string(out)))
		}
		if err := os.Chmod(dst, fi.Mode().Perm()); err != nil {
			return "", err
		}
	}
	return dir, nil
}
