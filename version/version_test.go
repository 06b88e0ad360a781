package version

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestFormat(t *testing.T) {
	bi := &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20250101000000-0123456789ab+dirty"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "true"},
	}}
	for _, tc := range []struct {
		v    string
		bi   *debug.BuildInfo
		want string
	}{
		{"v1.2.3", bi, "v1.2.3 (commit 0123456789ab+dirty, " + runtime.Version() + ")"},
		{"", bi, "v0.0.0-20250101000000-0123456789ab+dirty (commit 0123456789ab+dirty, " + runtime.Version() + ")"},
		{"", &debug.BuildInfo{}, "(devel) (" + runtime.Version() + ")"},
		{"", nil, "(devel) (" + runtime.Version() + ")"},
	} {
		if got := format(tc.v, tc.bi); got != tc.want {
			t.Errorf("format(%q) = %q, want %q", tc.v, got, tc.want)
		}
	}
}
