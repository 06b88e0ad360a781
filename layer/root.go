package layer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// rootFS is a target root filesystem in a directory: paths are absolute
// inside it and symlinks are resolved inside it, never on the host.
type rootFS struct{ dir string }

func (r rootFS) host(p string) string { return filepath.Join(r.dir, filepath.FromSlash(p)) }

// resolve follows every symlink of p inside the root and returns the
// real path, absolute inside the root.
func (r rootFS) resolve(p string) (string, error) {
	parts := components(p)
	cur := "/"
	for hops := 0; len(parts) > 0; {
		next := path.Join(cur, parts[0])
		parts = parts[1:]
		fi, err := os.Lstat(r.host(next))
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			cur = next
			continue
		}
		if hops++; hops > 40 {
			return "", fmt.Errorf("%s: too many levels of symbolic links", p)
		}
		t, err := os.Readlink(r.host(next))
		if err != nil {
			return "", err
		}
		if path.IsAbs(t) {
			cur = "/"
		}
		parts = append(components(t), parts...)
	}
	return cur, nil
}

func components(p string) []string {
	var out []string
	for _, c := range strings.Split(p, "/") {
		if c != "" && c != "." {
			out = append(out, c)
		}
	}
	return out
}

// isFile tells whether p resolves to a regular file. Where it does not, the
// other half of merged /usr is tried (/usr/bin/gzip for /bin/gzip and back):
// Debian 12 systems link /bin to /usr/bin, but the packages unpacked into a
// root keep their own paths.
func (r rootFS) isFile(p string) (string, bool) {
	for _, c := range []string{p, mergedUsr(p)} {
		if c == "" {
			continue
		}
		real, err := r.resolve(c)
		if err != nil {
			continue
		}
		if fi, err := os.Stat(r.host(real)); err == nil && fi.Mode().IsRegular() {
			return real, true
		}
	}
	return "", false
}

// mergedUsr is p's other path on a merged-/usr system, or "".
func mergedUsr(p string) string {
	for _, d := range []string{"bin", "sbin", "lib", "lib32", "lib64", "libx32"} {
		if rest, ok := strings.CutPrefix(p, "/usr/"+d+"/"); ok {
			return "/" + d + "/" + rest
		}
		if rest, ok := strings.CutPrefix(p, "/"+d+"/"); ok {
			return "/usr/" + d + "/" + rest
		}
	}
	return ""
}

// ldSoConf reads the library directories of /etc/ld.so.conf and its includes.
func (r rootFS) ldSoConf() []string {
	var dirs []string
	seen := map[string]bool{}
	var read func(file string, depth int)
	read = func(file string, depth int) {
		if depth > 8 || seen[file] {
			return
		}
		seen[file] = true
		real, err := r.resolve(file)
		if err != nil {
			return
		}
		dt, err := os.ReadFile(r.host(real))
		if err != nil {
			return
		}
		for _, line := range strings.Split(string(dt), "\n") {
			line = strings.TrimSpace(line)
			if i := strings.IndexByte(line, '#'); i >= 0 {
				line = strings.TrimSpace(line[:i])
			}
			switch {
			case line == "":
			case strings.HasPrefix(line, "include "):
				pattern := strings.TrimSpace(strings.TrimPrefix(line, "include "))
				if !path.IsAbs(pattern) {
					pattern = path.Join(path.Dir(file), pattern)
				}
				matches, _ := filepath.Glob(r.host(pattern))
				for _, m := range matches {
					rel, err := filepath.Rel(r.dir, m)
					if err == nil {
						read("/"+filepath.ToSlash(rel), depth+1)
					}
				}
			default:
				dirs = append(dirs, line)
			}
		}
	}
	if _, err := r.resolve("/etc/ld.so.conf"); err == nil {
		read("/etc/ld.so.conf", 0)
	} else {
		// libc-bin, which owns ld.so.conf, is often not among a layer's
		// packages; their own ld.so.conf.d files still count.
		matches, _ := filepath.Glob(r.host("/etc/ld.so.conf.d/*.conf"))
		for _, m := range matches {
			read("/etc/ld.so.conf.d/"+filepath.Base(m), 1)
		}
	}
	return dirs
}

var errNotFound = errors.New("not found")
