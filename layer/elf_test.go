package layer

import (
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A 1 GiB zlib bomb as .dynstr: debug/elf would inflate it on every read.
func TestCompressedDynstrIsRefusedQuickly(t *testing.T) {
	b := compress(t, hostELF(t, "/bin/true"), ".dynstr", 1<<30, zlibBomb(1024))
	refusedQuickly(t, b, "compressed (SHF_COMPRESSED)")
}

func TestHostileHeadersAreRefused(t *testing.T) {
	for _, c := range []struct {
		name, want string
		patch      func(t *testing.T, b []byte) []byte
	}{
		{"compressed .dynsym", "compressed (SHF_COMPRESSED)", func(t *testing.T, b []byte) []byte {
			return compress(t, b, ".dynsym", 1<<30, nil)
		}},
		{"PT_DYNAMIC past its segment", "run past the end of their segment", func(t *testing.T, b []byte) []byte {
			le.PutUint64(b[program(t, b, elf.PT_DYNAMIC)+32:], 1<<40) // p_filesz
			return b
		}},
		{"no DT_NULL in PT_DYNAMIC", "no DT_NULL", func(t *testing.T, b []byte) []byte {
			p, null := program(t, b, elf.PT_DYNAMIC), dynEntry(t, b, elf.DT_NULL)
			le.PutUint64(b[p+32:], uint64(null)-le.Uint64(b[p+8:]))
			return b
		}},
		{"DT_STRSZ past the end of the file", "string table (DT_STRTAB)", func(t *testing.T, b []byte) []byte {
			le.PutUint64(b[dynEntry(t, b, elf.DT_STRSZ)+8:], 1<<40)
			return b
		}},
		{"DT_NEEDED past the string table", "DT_NEEDED: string at", func(t *testing.T, b []byte) []byte {
			le.PutUint64(b[dynEntry(t, b, elf.DT_NEEDED)+8:], 1<<20)
			return b
		}},
		{".dynsym past the end of the file", "run past the end of the file", func(t *testing.T, b []byte) []byte {
			hdr, _ := section(t, b, ".dynsym")
			le.PutUint64(b[hdr+32:], 1<<40) // sh_size
			return b
		}},
		{"GNU hash buckets past the end", "GNU hash table", func(t *testing.T, b []byte) []byte {
			_, off := section(t, b, ".gnu.hash")
			le.PutUint32(b[off:], 0x7fffffff) // nbuckets
			return stripSections(b)           // else .dynsym counts the symbols
		}},
		{"version needs past the end", "version needs (DT_VERNEED)", func(t *testing.T, b []byte) []byte {
			_, off := section(t, b, ".gnu.version_r")
			le.PutUint32(b[off+12:], 0x7fff0000) // vn_next
			return b
		}},
		{"truncated, without section headers", "past the end of the file", func(t *testing.T, b []byte) []byte {
			return stripSections(b[:le.Uint64(b[program(t, b, elf.PT_DYNAMIC)+8:])+16])
		}},
		{"an interpreter without PT_DYNAMIC", "no dynamic segment", func(t *testing.T, b []byte) []byte {
			le.PutUint32(b[program(t, b, elf.PT_DYNAMIC):], uint32(elf.PT_NULL))
			return stripSections(b)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			refusedQuickly(t, c.patch(t, hostELF(t, "/bin/true")), c.want)
		})
	}
}

// Without section headers a dynamic file still runs: what it needs is read
// from its program headers, as the loader reads it, the same as debug/elf
// reads it from the sections of the intact file.
func TestStrippedSectionHeadersStayDynamic(t *testing.T) {
	for _, name := range []string{"/usr/bin/ls", "/usr/lib/x86_64-linux-gnu/libselinux.so.1"} {
		b := hostELF(t, name)
		p := filepath.Join(t.TempDir(), "f")
		if err := os.WriteFile(p, stripSections(b), 0o755); err != nil {
			t.Fatal(err)
		}
		o, err := readObject(p, name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		f, err := elf.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		needed, _ := f.DynString(elf.DT_NEEDED)
		syms, err := f.ImportedSymbols()
		if err != nil {
			t.Fatal(err)
		}
		var want, got []string
		for _, s := range syms {
			if strings.HasPrefix(s.Version, "GLIBC_2.") {
				want = append(want, s.Name+"@"+s.Version)
			}
		}
		for _, s := range o.glibc {
			if s.Symbol != "" {
				got = append(got, s.Symbol+"@"+s.Version)
			}
		}
		if o.static || !slices.Equal(o.needed, needed) || len(want) == 0 || !slices.Equal(got, want) {
			t.Errorf("%s without section headers: static %v, needs %v (want %v), glibc %v (want %v)", name, o.static, o.needed, needed, got, want)
		}
	}

	// So the closure walks it: its libraries are missing in an empty root.
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "usr/bin"), 0o755)
	os.WriteFile(filepath.Join(root, "usr/bin/ls"), stripSections(hostELF(t, "/usr/bin/ls")), 0o755)
	_, err := Assemble(Options{Root: root, Binaries: []string{"ls"}, Profile: runtimeProfile("al2023")})
	if err == nil || !strings.Contains(err.Error(), "libselinux.so.1, needed by /usr/bin/ls") {
		t.Fatalf("ls without section headers: %v", err)
	}
}

// A hostile library is an error naming it, not one skipped as missing.
func TestRefusedLibraryIsNamed(t *testing.T) {
	const lib = "/usr/lib/x86_64-linux-gnu/libselinux.so.1"
	root := t.TempDir()
	for _, d := range []string{"usr/bin", "usr/lib/x86_64-linux-gnu"} {
		os.MkdirAll(filepath.Join(root, d), 0o755)
	}
	os.WriteFile(filepath.Join(root, "usr/bin/ls"), hostELF(t, "/usr/bin/ls"), 0o755)
	os.WriteFile(filepath.Join(root, lib), compress(t, hostELF(t, lib), ".dynstr", 1<<30, []byte("not zlib")), 0o644)
	_, err := Assemble(Options{Root: root, Binaries: []string{"ls"}, Profile: runtimeProfile("al2023")})
	if err == nil || !strings.Contains(err.Error(), lib+": section") || !strings.Contains(err.Error(), "compressed") ||
		!strings.Contains(err.Error(), "needed by /usr/bin/ls") {
		t.Fatalf("hostile library: %v", err)
	}
}

// Library search tries files for many names; each is parsed once.
func TestEachELFFileIsReadOnce(t *testing.T) {
	opt := hostLS(t)
	defer func(open func(string) (*os.File, error)) { openFile = open }(openFile)
	opened := map[string]int{}
	openFile = func(name string) (*os.File, error) {
		opened[name]++
		return os.Open(name)
	}
	if _, err := Assemble(opt); err != nil {
		t.Fatal(err)
	}
	var again []string
	for name, n := range opened {
		if n > 1 {
			again = append(again, fmt.Sprintf("%s %d times", name, n))
		}
	}
	if len(opened) < 3 || len(again) > 0 {
		t.Errorf("files read: %v; read again: %v", opened, again)
	}
}
