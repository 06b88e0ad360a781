package layer

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// maxVersionRecords bounds the walk of the version needs; real files
// have fewer than 100 records.
const maxVersionRecords = 4096

// readObject reads what the closure needs of the ELF file at real (a host
// path) as the dynamic loader finds it, from the program headers: a file
// with PT_DYNAMIC or PT_INTERP is dynamic, and what of it cannot be read
// safely refuses the file rather than leaving something out.
func readObject(real, path string) (*object, error) {
	f, err := openFile(real)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, errNotELF
	}
	e, err := openImage(f, uint64(fi.Size()))
	if err != nil {
		return nil, err
	}
	o := &object{path: path, machine: e.machine}
	if e.dynamic == nil {
		if e.interp {
			return nil, errors.New("an interpreter (PT_INTERP) but no dynamic segment (PT_DYNAMIC)")
		}
		o.static = true
		return o, nil
	}
	if err := e.readDynamic(o); err != nil {
		return nil, err
	}
	return o, nil
}

// dynamicInfo is the dynamic segment: string offsets of the tags that
// repeat, and the last value of each other tag (the loader keeps the last).
type dynamicInfo struct {
	strs map[elf.DynTag][]uint64
	vals map[elf.DynTag]uint64
}

func (e *image) dynamicEntries() (dynamicInfo, error) {
	d := dynamicInfo{map[elf.DynTag][]uint64{}, map[elf.DynTag]uint64{}}
	b, err := e.readAddr(e.dynamic.vaddr, e.dynamic.filesz, maxDynBytes, "dynamic segment (PT_DYNAMIC)")
	if err != nil {
		return d, err
	}
	size := 8
	if e.is64 {
		size = 16
	}
	for ; len(b) >= size; b = b[size:] {
		var tag elf.DynTag
		var val uint64
		if e.is64 {
			tag, val = elf.DynTag(int64(e.bo.Uint64(b))), e.bo.Uint64(b[8:])
		} else {
			tag, val = elf.DynTag(int32(e.bo.Uint32(b))), uint64(e.bo.Uint32(b[4:]))
		}
		switch tag {
		case elf.DT_NULL:
			return d, nil
		case elf.DT_NEEDED, elf.DT_SONAME, elf.DT_RPATH, elf.DT_RUNPATH:
			d.strs[tag] = append(d.strs[tag], val)
		default:
			d.vals[tag] = val
		}
	}
	return d, errors.New("dynamic segment (PT_DYNAMIC): no DT_NULL at its end")
}

func (e *image) readDynamic(o *object) error {
	d, err := e.dynamicEntries()
	if err != nil {
		return err
	}
	_, verneed := d.vals[elf.DT_VERNEED]
	if len(d.strs) == 0 && !verneed {
		return nil // such as a static PIE: nothing needed
	}
	addr, ok1 := d.vals[elf.DT_STRTAB]
	size, ok2 := d.vals[elf.DT_STRSZ]
	if !ok1 || !ok2 {
		return errors.New("dynamic segment: names but no string table (DT_STRTAB, DT_STRSZ)")
	}
	b, err := e.readAddr(addr, size, maxTableBytes, "string table (DT_STRTAB)")
	if err != nil {
		return err
	}
	str := strtab(b)
	var lists [4][]string
	for i, tag := range []elf.DynTag{elf.DT_NEEDED, elf.DT_SONAME, elf.DT_RPATH, elf.DT_RUNPATH} {
		for _, off := range d.strs[tag] {
			s, err := str.at(off)
			if err != nil {
				return fmt.Errorf("%v: %v", tag, err)
			}
			if tag == elf.DT_RPATH || tag == elf.DT_RUNPATH {
				lists[i] = append(lists[i], strings.Split(s, ":")...)
			} else {
				lists[i] = append(lists[i], s)
			}
		}
	}
	o.needed, o.rpath, o.runpath = lists[0], lists[2], lists[3]
	if len(lists[1]) > 0 {
		o.soname = lists[1][0]
	}
	if len(o.runpath) > 0 {
		o.rpath = nil // the loader ignores DT_RPATH when DT_RUNPATH is there
	}
	if !verneed {
		return nil // no versioned imports
	}
	needs, err := e.versionNeeds(d.vals[elf.DT_VERNEED], str)
	if err != nil {
		return err
	}
	for v, n := range needs {
		if !strings.HasPrefix(n.name, "GLIBC_") || strings.HasPrefix(n.name, "GLIBC_PRIVATE") {
			delete(needs, v)
		}
	}
	if len(needs) > 0 {
		o.glibc, err = e.glibcSymbols(d, needs, str)
	}
	return err
}

// strtab is a string table: a string is at an offset and ends in NUL.
type strtab []byte

func (s strtab) at(off uint64) (string, error) {
	if off >= uint64(len(s)) {
		return "", fmt.Errorf("string at %#x is past the end of the string table (%d bytes)", off, len(s))
	}
	i := bytes.IndexByte(s[off:], 0)
	if i < 0 {
		return "", fmt.Errorf("string at %#x has no end in the string table", off)
	}
	return string(s[off : off+uint64(i)]), nil
}

type versionNeed struct {
	name string
	weak bool // VER_FLG_WEAK: the loader only warns if it is missing
}

// versionNeeds walks the version needs (DT_VERNEED) by their next links, as
// the loader does, to the version index each needed version has.
func (e *image) versionNeeds(addr uint64, str strtab) (map[uint16]versionNeed, error) {
	const what = "version needs (DT_VERNEED)"
	out := map[uint16]versionNeed{}
	for records := 0; ; {
		b, err := e.readAddr(addr, 16, 16, what)
		if err != nil {
			return nil, err
		}
		if v := e.bo.Uint16(b); v != 1 {
			return nil, fmt.Errorf("%s: record of version %d", what, v)
		}
		a := addr + uint64(e.bo.Uint32(b[8:]))
		for n := e.bo.Uint16(b[2:]); n > 0; n-- {
			if records++; records > maxVersionRecords {
				return nil, fmt.Errorf("%s: more than %d records", what, maxVersionRecords)
			}
			x, err := e.readAddr(a, 16, 16, what)
			if err != nil {
				return nil, err
			}
			name, err := str.at(uint64(e.bo.Uint32(x[8:])))
			if err != nil {
				return nil, fmt.Errorf("%s: %v", what, err)
			}
			weak := elf.DynamicVersionFlag(e.bo.Uint16(x[4:]))&elf.VER_FLG_WEAK != 0
			out[e.bo.Uint16(x[6:])&0x7fff] = versionNeed{name, weak}
			next := e.bo.Uint32(x[12:])
			if next == 0 {
				break
			}
			a += uint64(next)
		}
		next := e.bo.Uint32(b[12:])
		if next == 0 {
			return out, nil
		}
		if records++; records > maxVersionRecords {
			return nil, fmt.Errorf("%s: more than %d records", what, maxVersionRecords)
		}
		addr += uint64(next)
	}
}

// glibcSymbols lists the undefined symbols bound to the glibc versions
// needed, and each such version no symbol names: the loader checks them
// all, so the versions alone still say what the file needs when there is
// no hash table to count the symbols by.
func (e *image) glibcSymbols(d dynamicInfo, needs map[uint16]versionNeed, str strtab) ([]symbolVersion, error) {
	var out []symbolVersion
	used := map[uint16]bool{}
	symtab, ok1 := d.vals[elf.DT_SYMTAB]
	versym, ok2 := d.vals[elf.DT_VERSYM]
	size := uint64(16)
	if e.is64 {
		size = 24
	}
	if v, ok := d.vals[elf.DT_SYMENT]; ok && v != size {
		return nil, fmt.Errorf("symbols of %d bytes (DT_SYMENT), not %d", v, size)
	}
	count, err := e.symbolCount(d, symtab, size)
	if err != nil {
		return nil, err
	}
	if count > 1 && ok1 && ok2 {
		if count > maxTableBytes/size {
			return nil, fmt.Errorf("%d symbols, more than the %d this reads", count, maxTableBytes/size)
		}
		syms, err := e.readAddr(symtab, count*size, maxTableBytes, "symbol table (DT_SYMTAB)")
		if err != nil {
			return nil, err
		}
		vers, err := e.readAddr(versym, count*2, maxTableBytes, "symbol versions (DT_VERSYM)")
		if err != nil {
			return nil, err
		}
		for i := uint64(1); i < count; i++ {
			s := syms[i*size:]
			info, shndx := s[12], e.bo.Uint16(s[14:]) // Elf32_Sym: name, value, size, info, other, shndx
			if e.is64 {
				info, shndx = s[4], e.bo.Uint16(s[6:]) // Elf64_Sym: name, info, other, shndx, ...
			}
			v := e.bo.Uint16(vers[2*i:]) & 0x7fff
			n, ok := needs[v]
			// Weak references need no symbol (as debug/elf's ImportedSymbols);
			// their version still counts below.
			if elf.SectionIndex(shndx) != elf.SHN_UNDEF || elf.ST_BIND(info) != elf.STB_GLOBAL || !ok {
				continue
			}
			name, err := str.at(uint64(e.bo.Uint32(s)))
			if err != nil {
				return nil, fmt.Errorf("symbol %d: %v", i, err)
			}
			out = append(out, symbolVersion{Symbol: name, Version: n.name})
			used[v] = true
		}
	}
	for _, v := range slices.Sorted(maps.Keys(needs)) {
		if !used[v] && !needs[v].weak {
			out = append(out, symbolVersion{Version: needs[v].name})
		}
	}
	return out, nil
}
