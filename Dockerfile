# The Strata frontend image: a static Go binary in scratch, cross-compiled on
# the build platform for each target platform (no QEMU). Built by
# docker-bake.hcl (target "frontend") with BuildKit's built-in Dockerfile
# frontend, so no # syntax image is needed.
ARG GO_VERSION=1.26
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-buildvcs=false GOTOOLCHAIN=local
COPY go.mod go.sum ./
RUN --mount=type=cache,id=strata-gomod,target=/go/pkg/mod go mod download
COPY . .
ARG TARGETOS TARGETARCH
# The version strata-frontend --version prints, as the CLI's (make build).
ARG VERSION
RUN --mount=type=cache,id=strata-gomod,target=/go/pkg/mod \
    --mount=type=cache,id=strata-gobuild,target=/root/.cache/go-build \
    GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath \
      -ldflags="-s -w -X github.com/strata-build/strata/version.Version=${VERSION}" \
      -o /out/strata-frontend ./cmd/strata-frontend
RUN --mount=type=cache,id=strata-gomod,target=/go/pkg/mod \
    --mount=type=cache,id=strata-gobuild,target=/root/.cache/go-build \
    go run ./cmd/strata-zigwarm >/out/zigwarm.sh
# The layer helper for each build platform Strata supports: graphs mount it
# from this image (the gateway's CurrentFrontend) instead of pulling the Go
# toolchain and compiling it in every cold build.
RUN --mount=type=cache,id=strata-gomod,target=/go/pkg/mod \
    --mount=type=cache,id=strata-gobuild,target=/root/.cache/go-build \
    for arch in amd64 arm64; do \
      GOOS=linux GOARCH=$arch go build -trimpath -ldflags="-s -w" \
        -o /out/helpers/linux-$arch/strata-layer ./cmd/strata-layer || exit 1; \
    done

# zig for the build platform, the release facts.DefaultZig names, as files
# at the root: docker-bake.hcl gives it as the context "zig" (variable ZIG).
# Without it this stage is empty and the image carries no zig libraries.
FROM scratch AS zig

# zig's libraries for the links a default build makes (compiler_rt, the
# libc stubs: 2 s of CPU each), made once here as the build steps' zig
# warm-up makes them (graph.PrebuiltZigScript); the warm-up starts from
# them and makes only what they lack.
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-bookworm AS zig-libraries
RUN --mount=from=zig,target=/strata/zig --mount=from=build,source=/out/zigwarm.sh,target=/zigwarm.sh \
    mkdir /out && sh /zigwarm.sh /out

FROM scratch
COPY --from=build /out/strata-frontend /bin/strata-frontend
COPY --from=build /out/helpers/ /usr/lib/strata/
COPY --from=zig-libraries /out/ /
# buildx refuses --build-context and --call without these capabilities.
LABEL moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts"
LABEL moby.buildkit.frontend.network.none="true"
ARG VERSION
LABEL org.opencontainers.image.title="strata frontend" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.source="https://github.com/strata-build/strata"
# Root, as BuildKit's own frontend images: the gateway gives the frontend
# its own image (CurrentFrontend) in a file only root can read. The frontend
# runs in BuildKit's gateway container, without network.
ENTRYPOINT ["/bin/strata-frontend"]
