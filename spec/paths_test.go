package spec

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// A app image's files are one layer built on scratch and merged onto the
// base, so every directory the layer holds replaces the base's directory of
// that path: a workdir or a layer's prefix under /tmp would make the base's
// 1777 /tmp root's 0755, one under /bin would replace merged /usr's link.
func TestImageDirsRefused(t *testing.T) {
	app := func(workdir string) string {
		return "version: 1\napps:\n  web:\n    lang: go\n    image:\n      workdir: " + workdir + "\n"
	}
	layer := func(prefix string) string {
		return "version: 1\napps:\n  web:\n    lang: go\n    image: {layers: [ff]}\nlayers:\n  ff:\n    runtime: al2023\n" +
			"    sources: {debian: {packages: [ffmpeg]}}\n    binaries: [ffmpeg]\n    prefix: " + prefix + "\n"
	}
	for _, tc := range []struct{ spec, want string }{
		{app("/tmp/app"), `strata.yaml:6:7: apps.web.image.workdir: workdir "/tmp/app" is under /tmp, which is 1777 (anyone may create files; sticky) in base images, and the image's layer would make it root's 0755 (use such as /app or /srv/app)`},
		{app("/tmp"), `strata.yaml:6:7: apps.web.image.workdir: workdir "/tmp" is /tmp, which is 1777 (anyone may create files; sticky) in base images`},
		{app("/var/tmp/a/b"), `strata.yaml:6:7: apps.web.image.workdir: workdir "/var/tmp/a/b" is under /var/tmp, which is 1777`},
		{app("/root/app"), `strata.yaml:6:7: apps.web.image.workdir: workdir "/root/app" is under /root, which is root's home (0700), and the image's layer would make it 0755`},
		{app("/run/app"), `strata.yaml:6:7: apps.web.image.workdir: workdir "/run/app" is under /run, which holds run-time state`},
		{app("/bin/app"), `strata.yaml:6:7: apps.web.image.workdir: workdir "/bin/app" is under /bin, which is a symbolic link into /usr in merged-/usr bases (Debian 12, Ubuntu), and the image's layer would replace the link with a directory`},
		{app("/var/run/app"), `workdir "/var/run/app" is under /var/run, which is a symbolic link to /run`},
		{app("/var/mail/app"), `workdir "/var/mail/app" is under /var/mail, which is 2775 root:mail in Debian`},
		{app("/proc/app"), `workdir "/proc/app" is under /proc, which the container runtime mounts`},
		{app("/usr"), `strata.yaml:6:7: apps.web.image.workdir: workdir "/usr" is a system directory; the user owns its workdir (use such as /app or /srv/app)`},
		{app("/var/log"), `workdir "/var/log" is a system directory`},
		{layer("/tmp/ff"), `strata.yaml:11:5: layers.ff.prefix: prefix "/tmp/ff" is under /tmp, which is 1777 (anyone may create files; sticky) in base images, and the image's layer would make it root's 0755 (an app's image.layers puts the layer there; use such as /opt)`},
		{layer("/var/lock"), `strata.yaml:11:5: layers.ff.prefix: prefix "/var/lock" is /var/lock, which is a symbolic link to /run/lock`},
		{layer("/lib64/ff"), `strata.yaml:11:5: layers.ff.prefix: prefix "/lib64/ff" is under /lib64, which is a symbolic link into /usr`},
	} {
		_, err := Load("strata.yaml", []byte(tc.spec))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) && !strings.Contains(err.Error(), ": "+tc.want) {
			t.Errorf("got %v\nwant %s", err, tc.want)
		}
	}
	for _, ok := range []string{app("/app"), app("/srv/app"), app("/usr/local/app"), app("/var/lib/app"), app("/home/app/data"),
		app("/tmpfiles"), layer("/opt"), layer("/opt/ff"), layer("/usr/local"), layer("/srv/ff")} {
		if _, err := Load("strata.yaml", []byte(ok)); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
}

// Paths inside a layer's root may not have a ".." element: it would name a
// path outside the root, which the build fails on later as "no such file".
func TestRootPathDotDot(t *testing.T) {
	const spec = "version: 1\nlayers:\n  ff:\n    runtime: al2023\n    sources:\n      images:\n        - ref: alpine\n" +
		"          paths: [%s]\n    binaries: [%s]\n    dlopen: [%s]\n"
	for _, tc := range []struct{ paths, bins, dlopen, want string }{
		{"usr", "../bin/ffmpeg", "libx.so.1", `strata.yaml:9:16: layers.ff.binaries[0]: path "../bin/ffmpeg" has a ".." element; name a file inside the layer's sources, such as usr/bin/ffmpeg`},
		{"usr", "ffmpeg, usr/bin/../../x", "libx.so.1", `strata.yaml:9:24: layers.ff.binaries[1]: path "usr/bin/../../x" has a ".." element`},
		{"usr", "ffmpeg", "../lib/libx.so.1", `strata.yaml:10:14: layers.ff.dlopen[0]: path "../lib/libx.so.1" has a ".." element`},
		{"usr/..", "ffmpeg", "libx.so.1", `strata.yaml:8:19: layers.ff.sources.images[0].paths[0]: path "usr/.." has a ".." element`},
		{"..", "ffmpeg", "libx.so.1", `strata.yaml:8:19: layers.ff.sources.images[0].paths[0]: path ".." has a ".." element`},
	} {
		text := strings.Replace(strings.Replace(strings.Replace(spec, "%s", tc.paths, 1), "%s", tc.bins, 1), "%s", tc.dlopen, 1)
		_, err := Load("strata.yaml", []byte(text))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("got %v\nwant %s", err, tc.want)
		}
	}
	ok := strings.Replace(strings.Replace(strings.Replace(spec, "%s", "usr/lib/x86_64-linux-gnu/*.so*", 1), "%s", "ffmpeg, usr/bin/ffprobe, /usr/bin/x..y", 1), "%s", "libva.so.2, usr/lib/libx.so.1", 1)
	if _, err := Load("strata.yaml", []byte(ok)); err != nil {
		t.Error(err)
	}
}

// The schema's description of workdir names every directory refused at any
// depth, as baseDirs has them.
func TestWorkdirDescriptionListsBaseDirs(t *testing.T) {
	var schema struct {
		Defs map[string]struct {
			Properties map[string]struct{ Description string } `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(Schema, &schema); err != nil {
		t.Fatal(err)
	}
	desc := strings.NewReplacer("\n", " ", ",", " ", "(", " ", ")", " ", ":", " ").Replace(schema.Defs["Image"].Properties["workdir"].Description)
	words := strings.Fields(desc)
	for _, b := range baseDirs {
		if b.why != "" && !slices.Contains(words, b.path) {
			t.Errorf("the workdir description does not name %s: %s", b.path, desc)
		}
	}
}
