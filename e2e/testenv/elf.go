package testenv

import (
	"debug/elf"
	"strconv"
	"strings"
	"testing"
)

// ElfMachine is the ELF machine of each architecture the tests build for.
var ElfMachine = map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}

// Multiarch is Debian's directory of each architecture's libraries.
var Multiarch = map[string]string{"amd64": "x86_64-linux-gnu", "arm64": "aarch64-linux-gnu"}

// CheckELF checks a program's machine and, when glibcFloor is set (as
// "2.17"), that no symbol it imports needs a newer glibc.
func CheckELF(t *testing.T, path, arch, glibcFloor string) {
	t.Helper()
	ef, err := elf.Open(path)
	if err != nil {
		t.Fatalf("%s: %v", arch, err)
	}
	defer ef.Close()
	if ef.Machine != ElfMachine[arch] {
		t.Errorf("%s: ELF machine %v, want %v", arch, ef.Machine, ElfMachine[arch])
	}
	if glibcFloor == "" {
		return
	}
	syms, err := ef.ImportedSymbols()
	if err != nil {
		t.Fatal(err)
	}
	highest := "GLIBC_2.0"
	for _, s := range syms {
		if strings.HasPrefix(s.Version, "GLIBC_2.") && glibcMinor(highest) < glibcMinor(s.Version) {
			highest = s.Version
		}
	}
	if glibcMinor("GLIBC_"+glibcFloor) < glibcMinor(highest) {
		t.Errorf("%s: needs %s, above the floor %s", arch, highest, glibcFloor)
	}
	t.Logf("%s: highest glibc symbol %s", arch, highest)
}

// glibcMinor is N of a version GLIBC_2.N or GLIBC_2.N.M.
func glibcMinor(v string) int {
	parts := strings.Split(strings.TrimPrefix(v, "GLIBC_"), ".")
	if len(parts) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(parts[1])
	return n
}
