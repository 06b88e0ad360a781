// docker buildx bake: the frontend image, and every example built through
// the frontend of the same run (contexts fe = target:frontend).
variable "REGISTRY" {
  default = "localhost:5000"
}
variable "TAG" {
  default = "dev"
}
variable "PLATFORMS" {
  default = "linux/amd64,linux/arm64"
}
// VERSION is the frontend's version (strata-frontend --version); empty, the
// Go build information's.
variable "VERSION" {
  default = ""
}
variable "OUT" {
  default = "out"
}
// ZIG replaces the download of zig from ziglang.org for Rust apps, such as
// docker-image://localhost:5000/strata/zig:0.11.0 (hack/dev-env's offline copy);
// the frontend image takes the zig libraries it carries from it.
variable "ZIG" {
  default = ""
}

// FRONTEND is the frontend the examples are built with: the frontend target
// of the same run. `bake --call` (targets, outline, check) sets the call on
// every target, the linked frontend target too, which then yields no image
// to run: give it an image instead, such as
// FRONTEND=docker-image://localhost:5000/strata/frontend:dev.
variable "FRONTEND" {
  default = "target:frontend"
}

group "default" {
  targets = ["frontend", "examples"]
}

target "frontend" {
  context    = "."
  dockerfile = "Dockerfile"
  platforms  = split(",", PLATFORMS)
  tags       = ["${REGISTRY}/strata/frontend:${TAG}"]
  args       = { VERSION = VERSION }
  // zig, for the zig libraries the image carries (none without it)
  contexts = ZIG != "" ? { zig = ZIG } : {}
}

group "examples" {
  targets = ["go-app", "rust-app", "rust-app-fc", "ffmpeg-fc", "ffmpeg-lambda", "probe-fc", "probe-lambda", "python-app"]
}

// _example builds a spec with the frontend target of this run instead of
// the image its # syntax line names.
target "_example" {
  contexts  = { strata-frontend = FRONTEND }
  args      = { BUILDKIT_SYNTAX = "strata-frontend" }
  platforms = split(",", PLATFORMS)
}

target "go-app" {
  inherits   = ["_example"]
  context    = "examples/go-app"
  dockerfile = "strata.yaml"
  tags       = ["${REGISTRY}/strata/examples/go-app:${TAG}"]
  output     = ["type=local,dest=${OUT}/go-app"]
}

target "rust-app" {
  inherits   = ["_example"]
  context    = "examples/rust-app"
  dockerfile = "strata.yaml"
  contexts   = ZIG == "" ? { strata-frontend = FRONTEND } : { strata-frontend = FRONTEND, zig = ZIG }
  tags       = ["${REGISTRY}/strata/examples/rust-app:${TAG}"]
  output     = ["type=local,dest=${OUT}/rust-app"]
}

// The same program as a Function Compute code package (main).
target "rust-app-fc" {
  inherits = ["rust-app"]
  target   = "rust-app-fc"
  tags     = []
  output   = ["type=local,dest=${OUT}/rust-app-fc"]
}

// The FFmpeg layer for Function Compute and for Lambda, one archive per
// platform in out/ffmpeg-*/linux_*/.
target "_ffmpeg" {
  inherits   = ["_example"]
  context    = "examples/ffmpeg-layer"
  dockerfile = "strata.yaml"
}

target "ffmpeg-fc" {
  inherits = ["_ffmpeg"]
  target   = "ffmpeg-fc"
  output   = ["type=local,dest=${OUT}/ffmpeg-fc"]
}

target "ffmpeg-lambda" {
  inherits = ["_ffmpeg"]
  target   = "ffmpeg-lambda"
  output   = ["type=local,dest=${OUT}/ffmpeg-lambda"]
}

// The probe function's code packages: main (FC) and bootstrap (Lambda).
target "probe-fc" {
  inherits = ["_ffmpeg"]
  target   = "probe-fc"
  output   = ["type=local,dest=${OUT}/probe-fc"]
}

target "probe-lambda" {
  inherits = ["_ffmpeg"]
  target   = "probe-lambda"
  output   = ["type=local,dest=${OUT}/probe-lambda"]
}

// A Python service: numpy's wheels and pyaudio compiled for each target
// with zig (ZIG as for rust-app), from the Python Package Index.
target "python-app" {
  inherits   = ["_example"]
  context    = "examples/python-app"
  dockerfile = "strata.yaml"
  contexts   = ZIG == "" ? { strata-frontend = FRONTEND } : { strata-frontend = FRONTEND, zig = ZIG }
  tags       = ["${REGISTRY}/strata/examples/python-app:${TAG}"]
  output     = ["type=local,dest=${OUT}/python-app"]
}
