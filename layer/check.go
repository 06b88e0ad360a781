package layer

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
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
	if len(c.Programs)+len(added) == 0 {
		return "checked: the image adds no ELF files\n", nil
	}
	opt := Options{Root: c.Root, Binaries: append(slices.Clip(c.Programs), added...), Place: "the image: " + c.Image,
		Profile: Profile{Name: "image", Glibc: c.Glibc, Provided: glibcFamily}, AnyGlibc: c.Glibc == ""}
	l, err := Assemble(opt)
	if err != nil {
		return "", err
	}
	if c.Floor != "" && len(c.Programs) > 0 {
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
	what := slices.Clip(c.Programs)
	if len(added) > 0 {
		what = append(what, fmt.Sprintf("the %d ELF files it adds", len(added)))
	}
	fmt.Fprintf(&b, "checked %s", strings.Join(what, " and "))
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
// the image's machine, as NAME=PATH in the root: a package's files must
// find their libraries in the image as the app's do (Debian lists every
// library its files link in the package's dependencies, so a gap is a real
// one), and so must a venv's native modules. Files for another machine
// (firmware, BPF objects) and relocatable objects are not loaded by the
// dynamic loader and are left alone.
func addedObjects(c CheckRequest) ([]string, error) {
	if len(c.Added) == 0 {
		return nil, nil
	}
	machine, ok := archMachines[c.Arch]
	if len(c.Programs) > 0 {
		r := rootFS{c.Root}
		real, err := r.resolve(c.Programs[0])
		if err != nil {
			return nil, fmt.Errorf("program %s: %v", c.Programs[0], err)
		}
		machine, _, ok = elfKind(r.host(real))
	}
	if !ok {
		return nil, fmt.Errorf("the image's machine: no ELF program and no known architecture %q", c.Arch)
	}
	var out []string
	for _, a := range c.Added {
		err := filepath.WalkDir(a.Dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(a.Dir, p)
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
			in := path.Join("/", a.At, filepath.ToSlash(rel))
			// A unique name (two packages may hold files of the same name)
			// without "=", which would end it.
			name := strings.NewReplacer("/", "%", "=", "%3D").Replace(strings.TrimPrefix(in, "/"))
			out = append(out, name+"="+in)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// archMachines are the ELF machines of the architectures images are built for.
var archMachines = map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}

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
