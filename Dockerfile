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
# The layer helper for each build platform Strata supports: graphs mount it
# from this image (the gateway's CurrentFrontend) instead of pulling the Go
# toolchain and compiling it in every cold build.
RUN --mount=type=cache,id=strata-gomod,target=/go/pkg/mod \
    --mount=type=cache,id=strata-gobuild,target=/root/.cache/go-build \
    for arch in amd64 arm64; do \
      GOOS=linux GOARCH=$arch go build -trimpath -ldflags="-s -w" \
        -o /out/helpers/linux-$arch/strata-layer ./cmd/strata-layer || exit 1; \
    done

FROM scratch
COPY --from=build /out/strata-frontend /bin/strata-frontend
COPY --from=build /out/helpers/ /usr/lib/strata/
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
