package zigcc

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// A program linked through the wrapper with a glibc floor below 2.33 sees
// errno set by a failing stat, lstat and fstat, as C code testing for
// ENOENT needs (zig 0.11's own copies leave errno as it was); compiling
// alone (-c) adds nothing.
func TestStatSetsErrno(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("runs the x86_64 program")
	}
	zig, dir, src := realZig(t, `#include <sys/stat.h>
#include <stdio.h>
#include <errno.h>
int (*via_pointer)(const char *, struct stat *) = lstat;
int main(void) {
	struct stat s;
	errno = 0; int a = stat("/nonexistent/strata", &s); int ea = errno;
	errno = 0; int b = via_pointer("/nonexistent/strata", &s); int eb = errno;
	errno = 0; int c = fstat(-1, &s); int ec = errno;
	printf("%d %d %d %d %d %d\n", a, ea == ENOENT, b, eb == ENOENT, c, ec == EBADF);
	return 0;
}
`)
	for _, floor := range []string{"2.17", "2.28", "2.33"} {
		tg, _ := For("x86_64-unknown-linux-gnu", floor)
		wdir := filepath.Join(dir, floor)
		if err := os.MkdirAll(wdir, 0o755); err != nil {
			t.Fatal(err)
		}
		writeWrappers(t, wdir, zig, tg)
		cc := Env(wdir, tg)["CC_x86_64_unknown_linux_gnu"]
		if b, err := exec.Command(cc, "-c", "-o", filepath.Join(wdir, "prog.o"), src).CombinedOutput(); err != nil {
			t.Fatalf("%s: compile alone: %v\n%s", floor, err, b)
		}
		out := filepath.Join(wdir, "prog")
		if b, err := exec.Command(cc, "-O2", "-o", out, filepath.Join(wdir, "prog.o")).CombinedOutput(); err != nil {
			t.Fatalf("%s: link: %v\n%s", floor, err, b)
		}
		got, err := exec.Command(out).Output()
		if err != nil {
			t.Fatal(err)
		}
		if s := strings.TrimSpace(string(got)); s != "-1 1 -1 1 -1 1" {
			t.Errorf("glibc floor %s: stat, lstat through a pointer, fstat gave %q, want -1 and the right errno each", floor, s)
		}
		_, fixed := Files(wdir, zig, tg)[filepath.Join(wdir, statFixFile)]
		if fixed != (floor != "2.33") {
			t.Errorf("glibc floor %s: the fix is added: %v", floor, fixed)
		}
	}
}
