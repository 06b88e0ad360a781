package layer

import (
	"debug/elf"
	"fmt"
)

// symbolCount is the number of dynamic symbols, which no dynamic tag
// gives: the loader never needs it. The .dynsym section header gives it if
// it describes the same table (and the reads stay bounded if it lies);
// else the hash table does: DT_HASH's chain count, or the end of
// DT_GNU_HASH's last chain (or its symoffset, which old linkers set too
// low when nothing is hashed). Without either it is 0, and the symbols are
// not read: the versions needed still are.
func (e *image) symbolCount(d dynamicInfo, symtab, size uint64) (uint64, error) {
	if s := e.dynsym; s != nil && s.addr == symtab {
		return s.size / size, nil
	}
	if addr, ok := d.vals[elf.DT_HASH]; ok {
		w := uint64(4)
		if e.is64 && (e.machine == elf.EM_S390 || e.machine == elf.EM_ALPHA) {
			w = 8 // their DT_HASH words are 64-bit
		}
		b, err := e.readAddr(addr, 2*w, 2*w, "hash table (DT_HASH)")
		if err != nil {
			return 0, err
		}
		if w == 8 {
			return e.bo.Uint64(b[8:]), nil
		}
		return uint64(e.bo.Uint32(b[4:])), nil
	}
	if addr, ok := d.vals[elf.DT_GNU_HASH]; ok {
		return e.gnuHashCount(addr)
	}
	return 0, nil
}

// gnuHashCount follows the chain of the highest bucket to its end: the
// symbols past symoffset are hashed in order, the ones before are not.
func (e *image) gnuHashCount(addr uint64) (uint64, error) {
	const what = "GNU hash table (DT_GNU_HASH)"
	b, err := e.readAddr(addr, 16, 16, what)
	if err != nil {
		return 0, err
	}
	nbuckets, symoffset, bloom := uint64(e.bo.Uint32(b)), uint64(e.bo.Uint32(b[4:])), uint64(e.bo.Uint32(b[8:]))
	word := uint64(4)
	if e.is64 {
		word = 8
	}
	buckets := addr + 16 + bloom*word
	if buckets < addr {
		return 0, fmt.Errorf("%s: address overflow", what)
	}
	bb, err := e.readAddr(buckets, nbuckets*4, maxTableBytes, what)
	if err != nil {
		return 0, err
	}
	last := uint64(0)
	for i := uint64(0); i < nbuckets; i++ {
		last = max(last, uint64(e.bo.Uint32(bb[4*i:])))
	}
	if last == 0 {
		return symoffset, nil // nothing hashed
	}
	if last < symoffset {
		return 0, fmt.Errorf("%s: bucket %d below the first hashed symbol %d", what, last, symoffset)
	}
	chain := buckets + nbuckets*4 + (last-symoffset)*4
	for i := last; ; {
		n := min(e.left(chain)/4, 1024)
		if n == 0 {
			return 0, fmt.Errorf("%s: a chain runs past the end of its segment", what)
		}
		if i > maxTableBytes/16 {
			return 0, fmt.Errorf("%s: more than %d symbols", what, maxTableBytes/16)
		}
		c, err := e.readAddr(chain, n*4, maxTableBytes, what)
		if err != nil {
			return 0, err
		}
		for j := uint64(0); j < n; j++ {
			if e.bo.Uint32(c[4*j:])&1 != 0 { // the chain's last entry
				return i + j + 1, nil
			}
		}
		i, chain = i+n, chain+4*n
	}
}
