package layer

import (
	"bytes"
	"compress/flate"
	"debug/elf"
	"encoding/binary"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Hostile ELF files are made by patching real ones of this machine: the
// offsets below are those of an ELF64 little-endian file.
var le = binary.LittleEndian

// hostELF reads a dynamic little-endian ELF64 file of this machine.
func hostELF(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Skip(err)
	}
	f, err := elf.NewFile(bytes.NewReader(b))
	if err != nil || f.Class != elf.ELFCLASS64 || f.Data != elf.ELFDATA2LSB || f.SectionByType(elf.SHT_DYNAMIC) == nil {
		t.Skipf("%s is no dynamic little-endian ELF64 file", name)
	}
	return b
}

// section is the file offset of the header of the named section, and the
// section's own offset.
func section(t *testing.T, b []byte, name string) (hdr, off int) {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range f.Sections {
		if s.Name == name {
			return int(le.Uint64(b[40:])) + 64*i, int(s.Offset)
		}
	}
	t.Fatalf("no section %s", name)
	return 0, 0
}

// program is the file offset of the first program header of a type.
func program(t *testing.T, b []byte, typ elf.ProgType) int {
	t.Helper()
	off := int(le.Uint64(b[32:]))
	for i := 0; i < int(le.Uint16(b[56:])); i++ {
		if p := off + 56*i; elf.ProgType(le.Uint32(b[p:])) == typ {
			return p
		}
	}
	t.Fatalf("no %v", typ)
	return 0
}

// dynEntry is the file offset of the first dynamic entry with a tag.
func dynEntry(t *testing.T, b []byte, tag elf.DynTag) int {
	t.Helper()
	for off := int(le.Uint64(b[program(t, b, elf.PT_DYNAMIC)+8:])); off+16 <= len(b); off += 16 {
		if elf.DynTag(le.Uint64(b[off:])) == tag {
			return off
		}
	}
	t.Fatalf("no %v", tag)
	return 0
}

// stripSections removes the section header table, as sstrip does.
func stripSections(b []byte) []byte {
	le.PutUint64(b[40:], 0) // e_shoff
	le.PutUint16(b[60:], 0) // e_shnum
	le.PutUint16(b[62:], 0) // e_shstrndx
	return b
}

// compress marks a section SHF_COMPRESSED, its contents now a zlib stream
// claiming size bytes, appended to the file. It is no longer SHF_ALLOC,
// which debug/elf would refuse: the loader never looks at sections.
func compress(t *testing.T, b []byte, name string, size uint64, stream []byte) []byte {
	hdr, _ := section(t, b, name)
	flags := elf.SectionFlag(le.Uint64(b[hdr+8:]))&^elf.SHF_ALLOC | elf.SHF_COMPRESSED
	le.PutUint64(b[hdr+8:], uint64(flags))
	le.PutUint64(b[hdr+24:], uint64(len(b)))
	le.PutUint64(b[hdr+32:], uint64(24+len(stream)))
	b = le.AppendUint32(b, uint32(elf.COMPRESS_ZLIB)) // Elf64_Chdr: type, reserved, size, addralign
	b = le.AppendUint32(b, 0)
	b = le.AppendUint64(b, size)
	b = le.AppendUint64(b, 1)
	return append(b, stream...)
}

// zlibBomb is a zlib stream of n MiB of zeros, made in milliseconds: a
// compressed MiB of zeros that only refers back to zeros, repeated.
func zlibBomb(mib int) []byte {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	zeros := make([]byte, 1<<20)
	w.Write(zeros)
	w.Flush()
	first := buf.Len()
	w.Write(zeros)
	w.Flush()
	block := buf.Bytes()[first:]
	out := append([]byte{0x78, 0xda}, buf.Bytes()[:first]...)
	for i := 1; i < mib; i++ {
		out = append(out, block...)
	}
	out = append(out, 1, 0, 0, 0xff, 0xff) // a last, empty stored block
	n := uint32(mib) << 20
	return binary.BigEndian.AppendUint32(out, (n%65521)<<16|1) // Adler-32 of n zeros
}

// refusedQuickly wants the file refused, with want in the error, within a
// second and allocating less than the file's size.
func refusedQuickly(t *testing.T, b []byte, want string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, b, 0o755); err != nil {
		t.Fatal(err)
	}
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	start := time.Now()
	o, err := readObject(p, "/usr/bin/f")
	took := time.Since(start)
	runtime.ReadMemStats(&m1)
	if err == nil {
		t.Errorf("accepted: %+v", o)
	} else if !strings.Contains(err.Error(), want) {
		t.Errorf("refused without %q: %v", want, err)
	}
	if took > time.Second {
		t.Errorf("took %v", took)
	}
	alloc := m1.TotalAlloc - m0.TotalAlloc
	if alloc > uint64(len(b)) {
		t.Errorf("allocated %d bytes for a file of %d", alloc, len(b))
	}
	t.Logf("%v (%v, %d bytes allocated)", err, took, alloc)
}
