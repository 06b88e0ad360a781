package pywheel

import (
	"strings"
	"testing"
)

func TestFits(t *testing.T) {
	arm, err := NewTarget("3.11", "arm64", "2.36")
	if err != nil {
		t.Fatal(err)
	}
	al2, _ := NewTarget("3.12", "amd64", "2.26")
	for _, c := range []struct {
		t    Target
		file string
		want bool
	}{
		{arm, "numpy-2.3.5-cp311-cp311-manylinux_2_27_aarch64.manylinux_2_28_aarch64.whl", true},
		{arm, "numpy-2.3.5-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl", false},
		{arm, "numpy-2.3.5-cp312-cp312-manylinux_2_27_aarch64.whl", false},
		{arm, "numpy-2.3.5-cp311-cp311-musllinux_1_2_aarch64.whl", false},
		{arm, "numpy-2.3.5-cp311-cp311-manylinux_2_39_aarch64.whl", false},
		{arm, "bottle-0.13.4-py3-none-any.whl", true},
		{arm, "six-1.17.0-py2.py3-none-any.whl", true},
		{arm, "cryptography-46.0.0-cp37-abi3-manylinux2014_aarch64.whl", true},
		{arm, "cryptography-46.0.0-cp312-abi3-manylinux2014_aarch64.whl", false},
		{arm, "x-1.0-py312-none-any.whl", false},
		{arm, "x-1.0-py310-none-any.whl", true},
		{arm, "x-1.0-1build-cp311-cp311-linux_aarch64.whl", true},
		{arm, "x-1.0-cp311-cp311-win_amd64.whl", false},
		{arm, "x-1.0.tar.gz", false},
		{arm, "x-1.0-cp311-cp311.whl", false},
		{al2, "numpy-2.3.5-cp312-cp312-manylinux_2_27_x86_64.whl", false},
		{al2, "numpy-1.26.4-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", true},
		{al2, "x-1-cp312-cp312-manylinux1_x86_64.whl", true},
		{al2, "x-1-cp312-cp312-manylinux_2_x86_64.whl", false},
		// uv has no tag between 2.17 and 2.28: Amazon Linux 2's 2.26 takes
		// manylinux_2_17 wheels only, as uv installs them.
		{al2, "x-1-cp312-cp312-manylinux_2_24_x86_64.whl", false},
	} {
		if got := c.t.Fits(c.file); got != c.want {
			t.Errorf("%+v fits %s: %v, want %v", c.t, c.file, got, c.want)
		}
	}
	if p := arm.Platform(); p != "aarch64-manylinux_2_36" {
		t.Errorf("platform %s", p)
	}
	if p := al2.Platform(); p != "x86_64-manylinux_2_17" || al2.Glibc.String() != "2.26" {
		t.Errorf("al2: platform %s, glibc %s", p, al2.Glibc)
	}
	if trixie, _ := NewTarget("3.13", "arm64", "2.41"); trixie.Platform() != "aarch64-manylinux_2_40" {
		t.Errorf("trixie: platform %s", trixie.Platform())
	}
	if _, err := NewTarget("3", "amd64", "2.36"); err == nil {
		t.Error("a version without a minor")
	}
}

func TestUnbuilt(t *testing.T) {
	lock := `version = 1
revision = 3
requires-python = ">=3.11"

[[package]]
name = "app"
version = "0.1.0"
source = { virtual = "." }
dependencies = [{ name = "numpy" }, { name = "pyaudio" }]

[[package]]
name = "numpy"
version = "2.3.5"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files.example/numpy-2.3.5.tar.gz", hash = "sha256:` + strings.Repeat("a", 64) + `", size = 20000000 }
wheels = [
    { url = "https://files.example/numpy-2.3.5-cp311-cp311-manylinux_2_27_aarch64.manylinux_2_28_aarch64.whl", hash = "sha256:` + strings.Repeat("b", 64) + `", size = 1 },
    { url = "https://files.example/numpy-2.3.5-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl", hash = "sha256:` + strings.Repeat("c", 64) + `", size = 1 },
]

[[package]]
name = "PyAudio"
version = "0.2.14"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files.example/PyAudio-0.2.14.tar.gz", hash = "sha256:` + strings.Repeat("d", 64) + `", size = 47066 }
wheels = [
    { url = "https://files.example/PyAudio-0.2.14-cp311-cp311-win_amd64.whl", hash = "sha256:` + strings.Repeat("e", 64) + `", size = 1 },
]
`
	l, err := ReadLock([]byte(lock))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		python, arch, glibc string
		want                []string
	}{
		{"3.11", "arm64", "2.36", []string{"PyAudio"}},
		{"3.11", "amd64", "2.36", []string{"PyAudio"}},
		{"3.11", "arm64", "2.17", []string{"numpy", "PyAudio"}},
		{"3.12", "amd64", "2.36", []string{"numpy", "PyAudio"}},
	} {
		tg, _ := NewTarget(c.python, c.arch, c.glibc)
		var got []string
		for _, p := range l.Unbuilt(tg) {
			got = append(got, p.Name)
		}
		if strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("%+v: %v, want %v", c, got, c.want)
		}
	}
	// A version the lock keeps for other Pythons only is not built.
	newer := Package{Name: "numpy", Version: "2.5.5", Registry: "https://pypi.org/simple", Markers: []string{"python_full_version >= '3.12'"}}
	l.Packages = append(l.Packages, newer)
	for _, c := range []struct {
		python string
		want   bool
	}{{"3.11", false}, {"3.12", true}, {"3.13", true}} {
		tg, _ := NewTarget(c.python, "arm64", "2.36")
		got := false
		for _, p := range l.Unbuilt(tg) {
			got = got || p.Version == "2.5.5"
		}
		if got != c.want {
			t.Errorf("Python %s: numpy 2.5.5 unbuilt %v, want %v", c.python, got, c.want)
		}
	}
	t311, _ := NewTarget("3.11", "amd64", "2.36")
	for m, want := range map[string]bool{
		"python_full_version < '3.12'":                              true,
		"python_full_version >= '3.12'":                             false,
		"python_version == '3.10'":                                  false,
		"python_full_version >= '3.11.4'":                           true, // a patch version: uv's to decide
		"sys_platform == 'win32'":                                   true,
		"python_full_version >= '3.12' and sys_platform == 'linux'": false,
		"python_full_version >= '3.12' or sys_platform == 'linux'":  true,
		"python_full_version > '3.11'":                              true, // 3.11.1 > 3.11
		"python_version > '3.11'":                                   false,
	} {
		if got := t311.mayHold(m); got != want {
			t.Errorf("3.11: %q holds %v, want %v", m, got, want)
		}
	}
	if n := Normalize("PyAudio"); n != "pyaudio" {
		t.Errorf("normalized %s", n)
	}
	if n := Normalize("zope.interface__x"); n != "zope-interface-x" {
		t.Errorf("normalized %s", n)
	}
	if _, err := ReadLock([]byte("version = 2\n")); err == nil {
		t.Error("a lock of another version")
	}
}

// Packages from git, a path or a URL are named as unsupported; the
// project itself and index packages are not.
func TestUnsupportedSources(t *testing.T) {
	l, err := ReadLock([]byte(`version = 1
[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }

[[package]]
name = "lib"
version = "1.0"
source = { git = "https://example.com/lib.git?rev=abc#abc" }

[[package]]
name = "six"
version = "1.17.0"
source = { registry = "https://pypi.org/simple" }
`))
	if err != nil {
		t.Fatal(err)
	}
	u := l.Unsupported()
	if len(u) != 1 || u[0].Name != "lib" || u[0].Other != "git" {
		t.Errorf("unsupported: %+v", u)
	}
	if !l.Packages[0].Project || l.Packages[2].Project {
		t.Errorf("project flags: %+v", l.Packages)
	}
}
