package layer

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// CheckImage checks an app image's programs the way a layer's are checked:
// every library they need, and their libraries need, is in the image (the
// base's files or its packages), and none needs a newer glibc than the
// image's. The report lists what each program loads.
func CheckImage(c CheckRequest) (string, error) {
	added, err := addedObjects(c)
	if err != nil {
		return "", err
	}
	opt := Options{Root: c.Root, Binaries: append(slices.Clip(c.Programs), added...), Place: "the image: " + c.Image,
		Profile: Profile{Name: "image", Glibc: c.Glibc, Provided: glibcFamily}, AnyGlibc: c.Glibc == ""}
	l, err := Assemble(opt)
	if err != nil {
		return "", err
	}
	if c.Floor != "" {
		// The programs keep to the floor; what they load must too. The
		// packages' own files were built for the image's Debian.
		opt.Binaries = c.Programs
		opt.Profile.Glibc, opt.AnyGlibc = c.Floor, false
		opt.Place = c.FloorKey + ", the glibc floor (the libraries come from a newer Debian: raise it, or take them from an older suite)"
		if _, err := Assemble(opt); err != nil {
			return "", err
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "checked %s", strings.Join(c.Programs, ", "))
	if len(added) > 0 {
		fmt.Fprintf(&b, " and the packages' %d ELF files", len(added))
	}
	fmt.Fprintf(&b, ": glibc %s needed", l.Glibc)
	if c.Glibc != "" {
		fmt.Fprintf(&b, " (the image has %s)", c.Glibc)
	}
	b.WriteString("\n")
	for _, e := range l.Entries {
		switch {
		case !strings.HasPrefix(e.Path, "lib/"):
		case e.Link != "":
			fmt.Fprintf(&b, "  %s -> %s\n", strings.TrimPrefix(e.Path, "lib/"), e.Link)
		default:
			fmt.Fprintf(&b, "  %s from %s, needed by %s\n", strings.TrimPrefix(e.Path, "lib/"), e.Source, strings.Join(e.NeededBy, ", "))
		}
	}
	return b.String(), nil
}

// addedObjects are the ELF programs and shared libraries under c.Added for
// the programs' machine, as NAME=PATH in the root: a package's files must
// find their libraries in the image as the app's do. Debian lists every
// library its files link in the package's dependencies, so a gap is a real
// one. Files for another machine (firmware, BPF objects) and relocatable
// objects are not loaded by the dynamic loader and are left alone.
func addedObjects(c CheckRequest) ([]string, error) {
	if c.Added == "" || len(c.Programs) == 0 {
		return nil, nil
	}
	r := rootFS{c.Root}
	real, err := r.resolve(c.Programs[0])
	if err != nil {
		return nil, fmt.Errorf("program %s: %v", c.Programs[0], err)
	}
	machine, _, ok := elfKind(r.host(real))
	if !ok {
		return nil, nil
	}
	var out []string
	err = filepath.WalkDir(c.Added, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(c.Added, p)
		if d.IsDir() && rel == statusDir {
			return filepath.SkipDir
		}
		if !d.Type().IsRegular() {
			return nil
		}
		m, typ, ok := elfKind(p)
		if !ok || m != machine || (typ != elf.ET_EXEC && typ != elf.ET_DYN) {
			return nil
		}
		in := "/" + filepath.ToSlash(rel)
		// A unique name: two packages may hold files of the same name.
		out = append(out, strings.ReplaceAll(strings.TrimPrefix(in, "/"), "/", "%")+"="+in)
		return nil
	})
	return out, err
}

// statusDir is where the packages' state keeps its package lists, not
// part of the image.
const statusDir = ".strata"

// elfKind reads an ELF file's machine and type from its header alone.
func elfKind(host string) (elf.Machine, elf.Type, bool) {
	f, err := os.Open(host)
	if err != nil {
		return 0, 0, false
	}
	defer f.Close()
	var h [20]byte
	if _, err := io.ReadFull(f, h[:]); err != nil || string(h[:4]) != elf.ELFMAG {
		return 0, 0, false
	}
	var bo binary.ByteOrder = binary.LittleEndian
	switch elf.Data(h[elf.EI_DATA]) {
	case elf.ELFDATA2LSB:
	case elf.ELFDATA2MSB:
		bo = binary.BigEndian
	default:
		return 0, 0, false
	}
	return elf.Machine(bo.Uint16(h[18:])), elf.Type(bo.Uint16(h[16:])), true
}
