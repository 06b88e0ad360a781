package layer

import (
	"path"
	"slices"
	"strings"
)

// pluginLoaders are libraries that load plugins or data at run time, which
// no ELF header names: when a layer's closure holds one, its report says
// what such programs usually need beside their libraries (files: and env:
// of the spec).
var pluginLoaders = []struct {
	prefix string // a soname prefix
	note   string
}{
	{"libMagickCore-", "ImageMagick: its coders are modules found through .la files: ship the modules-Q16 directory (files:) and set MAGICK_CODER_MODULE_PATH, and MAGICK_CONFIGURE_PATH for policy.xml (env:)"},
	{"libgs.so", "Ghostscript: ship usr/share/ghostscript/*/Resource and iccprofiles (files:) and set GS_LIB to Resource/Init (env:)"},
	{"libltdl.so", "libltdl loads modules through .la files at paths the program is given: ship the modules with their .la files (files:)"},
	{"libgmodule-2.0.so", "GLib's GModule loads plugins from directories the program names: ship them (files:), often with an environment variable (env:)"},
	{"libgstreamer-1.0.so", "GStreamer: ship the gstreamer-1.0 plugin directory (files:) and set GST_PLUGIN_PATH, GST_PLUGIN_SYSTEM_PATH (env:)"},
	{"libgdk_pixbuf-2.0.so", "GDK-Pixbuf: ship the loaders and their loaders.cache (files:) and set GDK_PIXBUF_MODULE_FILE (env:)"},
	{"libpython3", "Python: ship the standard library (files:) and set PYTHONHOME (env:)"},
	{"libmagic.so", "libmagic (file): ship its database, usr/lib/file/magic.mgc (files:), and set MAGIC to it (env:)"},
	{"libsox.so", "SoX: its format plugins are found only in the directory compiled into libsox, not under a prefix: formats beyond the built-in ones need a rebuilt libsox"},
	{"libfontconfig.so", "fontconfig: ship a fonts.conf and fonts (files:) and set FONTCONFIG_FILE (env:), or expect the runtime's"},
}

// loaderNotes are the notes of the plugin loaders among the entries.
func loaderNotes(entries []*Entry) []string {
	var out []string
	for _, l := range pluginLoaders {
		if slices.ContainsFunc(entries, func(e *Entry) bool {
			return strings.HasPrefix(e.Path, "lib/") && strings.HasPrefix(path.Base(e.Path), l.prefix)
		}) {
			out = append(out, l.note)
		}
	}
	return out
}
