package layer

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strata-build/strata/facts"
)

// zipLayer is a layer of every kind of zip entry: directories (nested),
// files of two modes and a soname link, from a root of its own.
func zipLayer(t *testing.T) (*Layer, string) {
	t.Helper()
	root := t.TempDir()
	for name, mode := range map[string]fs.FileMode{"usr/bin/prog": 0o755, "usr/lib/libx.so.1.2": 0o644, "usr/lib/sub/data": 0o644} {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("content of "+name+"\n"), mode); err != nil {
			t.Fatal(err)
		}
	}
	return &Layer{Entries: []*Entry{
		{Path: "bin/prog", Source: "/usr/bin/prog", Mode: 0o755},
		{Path: "lib/libx.so.1", Link: "libx.so.1.2", Mode: fs.ModeSymlink | 0o777},
		{Path: "lib/libx.so.1.2", Source: "/usr/lib/libx.so.1.2", Mode: 0o644},
		{Path: "lib/sub/data", Source: "/usr/lib/sub/data", Mode: 0o644},
	}}, root
}

// zipModes are the Unix modes (type and permissions) of zipLayer's entries.
var zipModes = map[string]uint32{
	"bin/":            0o40755,
	"lib/":            0o40755,
	"lib/sub/":        0o40755,
	"bin/prog":        0o100755,
	"lib/libx.so.1":   0o120777,
	"lib/libx.so.1.2": 0o100644,
	"lib/sub/data":    0o100644,
}

func writeZip(t *testing.T, mtime time.Time) []byte {
	t.Helper()
	l, root := zipLayer(t)
	var buf bytes.Buffer
	if err := l.WriteArchive(&buf, root, facts.Zip, mtime); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// zipDates are SOURCE_DATE_EPOCH values and the time every entry must carry.
var zipDates = []struct {
	epoch int64
	want  time.Time
}{
	{0, time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)},               // the default: the zip epoch
	{100, time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)},             // before 1980: clamped
	{1700000000, time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC)}, //
	{1700000001, time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC)}, // DOS time is in 2 s
	{1 << 31, time.Date(2038, 1, 19, 3, 14, 8, 0, time.UTC)},       // past a signed 32-bit time
	{4354819199, time.Date(2107, 12, 31, 23, 59, 58, 0, time.UTC)}, // the last second of 2107
	{-1000000, time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)},        // before 1970
	{315532801, time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)},       // 1980-01-01 00:00:01
	{946684799, time.Date(1999, 12, 31, 23, 59, 58, 0, time.UTC)},  //
	{1709251199, time.Date(2024, 2, 29, 23, 59, 58, 0, time.UTC)},  // a leap day
	{1709251200, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)},      //
	{1234567890, time.Date(2009, 2, 13, 23, 31, 30, 0, time.UTC)},  //
	{2147483646, time.Date(2038, 1, 19, 3, 14, 6, 0, time.UTC)},    // the last with an extended timestamp
	{4102444800, time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)},      //
}

// The raw header fields of every entry: the MS-DOS date and time of
// SOURCE_DATE_EPOCH (1980-01-01 by default), made by Unix with the Unix
// mode, version 2.0 needed, no data descriptor, and the same extended
// timestamp, if any, on every entry.
func TestZipEntryHeaders(t *testing.T) {
	for _, tc := range zipDates {
		t.Run(fmt.Sprint(tc.epoch), func(t *testing.T) {
			dt := writeZip(t, time.Unix(tc.epoch, 0))
			if again := writeZip(t, time.Unix(tc.epoch, 0)); !bytes.Equal(dt, again) {
				t.Error("two zips of the same files differ")
			}
			w := tc.want
			date := uint16(w.Day() | int(w.Month())<<5 | (w.Year()-1980)<<9)
			tm := uint16(w.Second()/2 | w.Minute()<<5 | w.Hour()<<11)
			var ut []byte
			if w.Unix() <= 1<<31-1 {
				ut = binary.LittleEndian.AppendUint32([]byte{0x55, 0x54, 5, 0, 1}, uint32(w.Unix()))
			}
			zr, err := zip.NewReader(bytes.NewReader(dt), int64(len(dt)))
			if err != nil {
				t.Fatal(err)
			}
			if len(zr.File) != len(zipModes) {
				t.Errorf("%d entries, want %d", len(zr.File), len(zipModes))
			}
			for _, f := range zr.File {
				h := f.FileHeader
				if h.ModifiedDate != date || h.ModifiedTime != tm {
					t.Errorf("%s: DOS date %#04x time %#04x, want %#04x %#04x (%s)", h.Name, h.ModifiedDate, h.ModifiedTime, date, tm, w)
				}
				if !h.Modified.Equal(w) {
					t.Errorf("%s: modified %s, want %s", h.Name, h.Modified, w)
				}
				if h.CreatorVersion != 3<<8|20 || h.ReaderVersion != 20 {
					t.Errorf("%s: made by %#04x, needs %d: want Unix (3) and 2.0", h.Name, h.CreatorVersion, h.ReaderVersion)
				}
				if mode, ok := zipModes[h.Name]; !ok || h.ExternalAttrs>>16 != mode {
					t.Errorf("%s: Unix mode %o, want %o", h.Name, h.ExternalAttrs>>16, mode)
				}
				if h.Flags&0x8 != 0 {
					t.Errorf("%s: data descriptor", h.Name)
				}
				if !bytes.Equal(h.Extra, ut) {
					t.Errorf("%s: extra field %x, want %x", h.Name, h.Extra, ut)
				}
			}
		})
	}
}

func TestZipAfter2107IsAnError(t *testing.T) {
	l, root := zipLayer(t)
	var buf bytes.Buffer
	err := l.WriteArchive(&buf, root, facts.Zip, time.Unix(4354819200, 0)) // 2108-01-01
	if err == nil || !strings.Contains(err.Error(), "SOURCE_DATE_EPOCH=4354819200") || !strings.Contains(err.Error(), "2107-12-31") {
		t.Errorf("a zip of 2108: %v", err)
	}
	if buf.Len() != 0 {
		t.Errorf("%d bytes were written", buf.Len())
	}
	if err := l.WriteArchive(&buf, root, facts.TarGz, time.Unix(4354819200, 0)); err != nil {
		t.Errorf("a tar.gz of 2108: %v", err)
	}
	out := t.TempDir()
	_, _, err = Build(BuildOptions{Options: Options{Root: root}, Name: "x", Format: facts.Zip, Out: out, MTime: time.Unix(4354819200, 0)})
	if err == nil || !strings.Contains(err.Error(), "2107-12-31") {
		t.Errorf("a layer of 2108: %v", err)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("files were written: %v", entries)
	}
}

// The zips as Python's zipfile and Info-ZIP's zipinfo and unzip read them.
func TestZipReadByPythonAndInfoZIP(t *testing.T) {
	for _, tc := range []struct {
		epoch int64
		py    string // date_time
		zi    string // zipinfo -T
	}{
		{0, "(1980, 1, 1, 0, 0, 0)", "19800101.000000"},
		{1700000000, "(2023, 11, 14, 22, 13, 20)", "20231114.221320"},
	} {
		t.Run(fmt.Sprint(tc.epoch), func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "l.zip")
			if err := os.WriteFile(file, writeZip(t, time.Unix(tc.epoch, 0)), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Run("python", func(t *testing.T) {
				if _, err := exec.LookPath("python3"); err != nil {
					t.Skip("no python3")
				}
				out, err := exec.Command("python3", "-c", `import datetime, zipfile, sys
for i in zipfile.ZipFile(sys.argv[1]).infolist():
    datetime.datetime(*i.date_time)  # raises on an invalid date
    print(i.filename, i.date_time, oct(i.external_attr >> 16), i.create_system, sep="|")`, file).CombinedOutput()
				if err != nil {
					t.Fatalf("python3: %v\n%s", err, out)
				}
				t.Logf("python3:\n%s", out)
				lines := strings.Split(strings.TrimSpace(string(out)), "\n")
				if len(lines) != len(zipModes) {
					t.Errorf("%d entries, want %d", len(lines), len(zipModes))
				}
				for _, line := range lines {
					f := strings.Split(line, "|")
					if len(f) != 4 {
						t.Fatalf("bad line %q", line)
					}
					if want := fmt.Sprintf("0o%o", zipModes[f[0]]); f[1] != tc.py || f[2] != want || f[3] != "3" {
						t.Errorf("%s: %s %s create_system %s; want %s %s 3", f[0], f[1], f[2], f[3], tc.py, want)
					}
				}
			})
			t.Run("zipinfo", func(t *testing.T) {
				if _, err := exec.LookPath("unzip"); err != nil {
					t.Skip("no unzip")
				}
				cmd := exec.Command("unzip", "-Z", "-T", file)
				cmd.Env = append(os.Environ(), "TZ=UTC")
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("zipinfo: %v\n%s", err, out)
				}
				t.Logf("zipinfo:\n%s", out)
				n := 0
				for _, line := range strings.Split(string(out), "\n") {
					f := strings.Fields(line)
					if len(f) != 8 || !strings.ContainsAny(line[:1], "-dl") {
						continue
					}
					n++
					want := fs.FileMode(zipModes[f[7]] & 0o777)
					switch zipModes[f[7]] >> 12 {
					case 0o4:
						want |= fs.ModeDir
					case 0o12:
						want |= fs.ModeSymlink
					}
					if got, w := f[0], strings.Replace(strings.Replace(want.String(), "L", "l", 1), "D", "d", 1); got != w || f[1] != "2.0" || f[2] != "unx" || f[6] != tc.zi {
						t.Errorf("%s: %s %s %s %s; want %s 2.0 unx %s", f[7], f[0], f[1], f[2], f[6], w, tc.zi)
					}
				}
				if n != len(zipModes) {
					t.Errorf("%d entries, want %d", n, len(zipModes))
				}
			})
			t.Run("unzip", func(t *testing.T) {
				if _, err := exec.LookPath("unzip"); err != nil {
					t.Skip("no unzip")
				}
				dir := t.TempDir()
				cmd := exec.Command("unzip", "-q", file, "-d", dir)
				cmd.Env = append(os.Environ(), "TZ=America/New_York")
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("unzip: %v\n%s", err, out)
				}
				want := time.Unix(max(tc.epoch, zipEpoch.Unix()), 0)
				for name, mode := range zipModes {
					fi, err := os.Lstat(filepath.Join(dir, name))
					if err != nil {
						t.Error(err)
						continue
					}
					if got := uint32(fi.Mode().Perm()); got != mode&0o777 {
						t.Errorf("%s: extracted with mode %v", name, fi.Mode())
					}
					if (mode>>12 == 0o12) != (fi.Mode()&fs.ModeSymlink != 0) {
						t.Errorf("%s: extracted as %v", name, fi.Mode())
					}
					// The extended timestamp is UTC, whatever unzip's zone.
					if mode>>12 == 0o10 && !fi.ModTime().Equal(want) {
						t.Errorf("%s: extracted with time %s, want %s", name, fi.ModTime().UTC(), want.UTC())
					}
				}
				if link, err := os.Readlink(filepath.Join(dir, "lib/libx.so.1")); err != nil || link != "libx.so.1.2" {
					t.Errorf("the link: %q %v", link, err)
				}
			})
		})
	}
}
