// Command probe is a small video function: it runs the ffprobe of the
// FFmpeg layer (found on PATH, its libraries through LD_LIBRARY_PATH, both
// set by the image) on a file and prints its streams as JSON.
package main

import (
	"fmt"
	"os"
	"os/exec"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: probe FILE")
		os.Exit(2)
	}
	out, err := exec.Command("ffprobe", "-hide_banner", "-loglevel", "error",
		"-show_entries", "stream=codec_type,codec_name", "-of", "json", os.Args[1]).Output()
	if err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		os.Exit(1)
	}
	os.Stdout.Write(out)
}
