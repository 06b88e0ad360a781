package layer

import (
	"fmt"
	"strings"
)

// CheckImage checks an app image's programs the way a layer's are checked:
// every library they need, and their libraries need, is in the image (the
// base's files or its packages), and none needs a newer glibc than the
// image's. The report lists what each program loads.
func CheckImage(c CheckRequest) (string, error) {
	opt := Options{Root: c.Root, Binaries: c.Programs, Place: "the image: " + c.Image,
		Profile: Profile{Name: "image", Glibc: c.Glibc, Provided: glibcFamily}, AnyGlibc: c.Glibc == ""}
	l, err := Assemble(opt)
	if err != nil {
		return "", err
	}
	if c.Floor != "" {
		// The programs keep to the floor; what they load must too.
		opt.Profile.Glibc, opt.AnyGlibc = c.Floor, false
		opt.Place = c.FloorKey + ", the glibc floor (the libraries come from a newer Debian: raise it, or take them from an older suite)"
		if _, err := Assemble(opt); err != nil {
			return "", err
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "checked %s: glibc %s needed", strings.Join(c.Programs, ", "), l.Glibc)
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
