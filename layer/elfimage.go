package layer

import (
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// The files read come from packages and from users' sources: every size in
// them may lie. Each read is bounded by the file's real size (the loader
// maps nothing past it), by a cap far above any real file's (libLLVM's
// .dynstr, the largest on Debian, is 3 MB; its .dynamic 720 bytes), and by
// a budget of twice the file's size for all reads together: the tables of
// a real file are disjoint parts of it, so only an overlapping, hostile
// layout can ask for more.
const (
	maxPhdrBytes  = 64 << 10 // the Linux kernel's own limit on the program headers
	maxShdrBytes  = 4 << 20  // 65536 section headers
	maxDynBytes   = 1 << 20  // 65536 dynamic entries; real files have < 100
	maxTableBytes = 64 << 20 // a string, symbol, version or hash table
	budgetSlack   = 64 << 10 // so that a tiny file can still be read
)

// openFile opens an ELF file for reading; tests count the opens.
var openFile = os.Open

// errNotELF is a file that is no ELF file at all, such as the linker
// script libc.so: library search skips it, as the loader does.
var errNotELF = errors.New("not an ELF file")

// image is an ELF file as the dynamic loader sees it: the header and the
// program headers; the rest is read by address through the PT_LOAD
// segments. Section headers are checked, and only consulted for the count
// of dynamic symbols: a file without them still runs.
type image struct {
	r       io.ReaderAt
	size    uint64
	budget  uint64
	bo      binary.ByteOrder
	is64    bool
	machine elf.Machine
	loads   []segment
	dynamic *segment       // PT_DYNAMIC
	interp  bool           // PT_INTERP
	dynsym  *sectionHeader // the first SHT_DYNSYM, if there are sections
}

type segment struct{ off, vaddr, filesz uint64 }

type header struct {
	machine                     elf.Machine
	phoff, shoff                uint64
	phentsize, phnum, shentsize uint16
	shnum                       uint16
}

func openImage(r io.ReaderAt, size uint64) (*image, error) {
	var b [64]byte // the larger, ELF64, header
	n, _ := r.ReadAt(b[:], 0)
	if n < elf.EI_NIDENT || string(b[:4]) != elf.ELFMAG || b[elf.EI_VERSION] != byte(elf.EV_CURRENT) {
		return nil, errNotELF
	}
	e := &image{r: r, size: size, budget: 2*size + budgetSlack}
	switch elf.Data(b[elf.EI_DATA]) {
	case elf.ELFDATA2LSB:
		e.bo = binary.LittleEndian
	case elf.ELFDATA2MSB:
		e.bo = binary.BigEndian
	default:
		return nil, errNotELF
	}
	var h header
	switch elf.Class(b[elf.EI_CLASS]) {
	case elf.ELFCLASS64:
		var x elf.Header64
		if _, err := binary.Decode(b[:n], e.bo, &x); err != nil {
			return nil, errors.New("ELF header: file too short")
		}
		e.is64 = true
		h = header{elf.Machine(x.Machine), x.Phoff, x.Shoff, x.Phentsize, x.Phnum, x.Shentsize, x.Shnum}
	case elf.ELFCLASS32:
		var x elf.Header32
		if _, err := binary.Decode(b[:n], e.bo, &x); err != nil {
			return nil, errors.New("ELF header: file too short")
		}
		h = header{elf.Machine(x.Machine), uint64(x.Phoff), uint64(x.Shoff), x.Phentsize, x.Phnum, x.Shentsize, x.Shnum}
	default:
		return nil, errNotELF
	}
	e.machine = h.machine
	if err := e.readPrograms(h); err != nil {
		return nil, err
	}
	if err := e.checkSections(h); err != nil {
		return nil, err
	}
	return e, nil
}

func (e *image) readPrograms(h header) error {
	if h.phnum == 0 {
		return nil // a relocatable object: nothing to load, nothing needed
	}
	size := uint64(binary.Size(elf.Prog32{}))
	if e.is64 {
		size = uint64(binary.Size(elf.Prog64{}))
	}
	if uint64(h.phentsize) != size {
		return fmt.Errorf("program headers of %d bytes, not %d", h.phentsize, size)
	}
	if h.phnum == 0xffff { // PN_XNUM, which the kernel does not load either
		return errors.New("too many program headers (PN_XNUM)")
	}
	b, err := e.read(h.phoff, uint64(h.phnum)*size, maxPhdrBytes, "program headers")
	if err != nil {
		return err
	}
	for ; len(b) > 0; b = b[size:] {
		var typ elf.ProgType
		var s segment
		if e.is64 {
			var p elf.Prog64
			binary.Decode(b, e.bo, &p)
			typ, s = elf.ProgType(p.Type), segment{p.Off, p.Vaddr, p.Filesz}
		} else {
			var p elf.Prog32
			binary.Decode(b, e.bo, &p)
			typ, s = elf.ProgType(p.Type), segment{uint64(p.Off), uint64(p.Vaddr), uint64(p.Filesz)}
		}
		switch typ {
		case elf.PT_LOAD:
			e.loads = append(e.loads, s)
		case elf.PT_INTERP:
			e.interp = true
		case elf.PT_DYNAMIC:
			if e.dynamic != nil {
				return errors.New("two dynamic segments (PT_DYNAMIC)")
			}
			e.dynamic = &s
		}
	}
	return nil
}

// checkSections refuses what no linker writes and no loader reads: a
// compressed (SHF_COMPRESSED) string, symbol, version, hash or dynamic
// section, or any loaded one (the gABI forbids SHF_ALLOC with it), and
// such a section running past the end of the file. Other tools (strip,
// debug/elf) would read the section headers and trust them.
func (e *image) checkSections(h header) error {
	if h.shoff == 0 {
		return nil
	}
	size := uint64(binary.Size(elf.Section32{}))
	if e.is64 {
		size = uint64(binary.Size(elf.Section64{}))
	}
	if uint64(h.shentsize) != size {
		return fmt.Errorf("section headers of %d bytes, not %d", h.shentsize, size)
	}
	n := uint64(h.shnum)
	if n == 0 { // extended numbering: section 0's size is the count
		b, err := e.read(h.shoff, size, size, "section header 0")
		if err != nil {
			return err
		}
		n = e.section(b).size
	}
	if n > maxShdrBytes/size {
		return fmt.Errorf("%d section headers, more than the %d this reads", n, maxShdrBytes/size)
	}
	b, err := e.read(h.shoff, n*size, maxShdrBytes, "section headers")
	if err != nil {
		return err
	}
	for i := uint64(0); i < n; i++ {
		s := e.section(b[i*size:])
		switch s.typ {
		case elf.SHT_DYNAMIC, elf.SHT_DYNSYM, elf.SHT_SYMTAB, elf.SHT_STRTAB, elf.SHT_HASH, elf.SHT_GNU_HASH,
			elf.SHT_GNU_VERSYM, elf.SHT_GNU_VERNEED, elf.SHT_GNU_VERDEF:
			if s.off > e.size || s.size > e.size-s.off {
				return fmt.Errorf("section %d (%v): %d bytes at offset %#x run past the end of the file (%d bytes)", i, s.typ, s.size, s.off, e.size)
			}
		default:
			if s.flags&elf.SHF_ALLOC == 0 {
				continue // such as compressed debugging information
			}
		}
		if s.flags&elf.SHF_COMPRESSED != 0 {
			return fmt.Errorf("section %d (%v) is compressed (SHF_COMPRESSED), which the dynamic loader cannot read", i, s.typ)
		}
		if s.typ == elf.SHT_DYNSYM && e.dynsym == nil {
			e.dynsym = &s
		}
	}
	return nil
}

type sectionHeader struct {
	typ             elf.SectionType
	flags           elf.SectionFlag
	addr, off, size uint64
}

func (e *image) section(b []byte) sectionHeader {
	if e.is64 {
		var s elf.Section64
		binary.Decode(b, e.bo, &s)
		return sectionHeader{elf.SectionType(s.Type), elf.SectionFlag(s.Flags), s.Addr, s.Off, s.Size}
	}
	var s elf.Section32
	binary.Decode(b, e.bo, &s)
	return sectionHeader{elf.SectionType(s.Type), elf.SectionFlag(s.Flags), uint64(s.Addr), uint64(s.Off), uint64(s.Size)}
}

// read reads n bytes at offset off, if they are in the file, within max
// and within the file's budget.
func (e *image) read(off, n, max uint64, what string) ([]byte, error) {
	switch {
	case n > max:
		return nil, fmt.Errorf("%s: %d bytes, more than the %d this reads", what, n, max)
	case off > e.size || n > e.size-off:
		return nil, fmt.Errorf("%s: %d bytes at offset %#x run past the end of the file (%d bytes)", what, n, off, e.size)
	case n > e.budget:
		return nil, fmt.Errorf("%s: %d bytes, more than is left of twice the file's size: tables overlap", what, n)
	}
	e.budget -= n
	b := make([]byte, n)
	if _, err := e.r.ReadAt(b, int64(off)); err != nil {
		return nil, fmt.Errorf("%s: %v", what, err)
	}
	return b, nil
}

// readAddr reads n bytes at a virtual address, from the file's part of the
// PT_LOAD segment that holds it, as the loaded file would show them.
func (e *image) readAddr(addr, n, max uint64, what string) ([]byte, error) {
	s, ok := e.segmentOf(addr)
	if !ok {
		return nil, fmt.Errorf("%s: address %#x is in no loaded part of the file", what, addr)
	}
	if n > s.filesz-(addr-s.vaddr) {
		return nil, fmt.Errorf("%s: %d bytes at address %#x run past the end of their segment", what, n, addr)
	}
	off := s.off + (addr - s.vaddr)
	if off < s.off {
		return nil, fmt.Errorf("%s: address %#x maps past any file", what, addr)
	}
	return e.read(off, n, max, what)
}

// left is how many bytes of the file's part of its segment follow addr.
func (e *image) left(addr uint64) uint64 {
	s, ok := e.segmentOf(addr)
	if !ok {
		return 0
	}
	return s.filesz - (addr - s.vaddr)
}

func (e *image) segmentOf(addr uint64) (segment, bool) {
	for _, s := range e.loads {
		if addr >= s.vaddr && addr-s.vaddr < s.filesz {
			return s, true
		}
	}
	return segment{}, false
}
