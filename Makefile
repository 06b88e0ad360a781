# Strata. `make demo` and `make test` are the two commands of the README;
# both start the dev environment (hack/dev-env up) when it is not running.
SHELL := /bin/bash
ENV := eval "$$(hack/dev-env env)"
PLATFORMS ?= linux/amd64,linux/arm64
# zig for Rust apps: hack/dev-env's copy, since this machine cannot reach
# ziglang.org; `make demo ZIG=` downloads the pinned release instead.
export ZIG ?= docker-image://localhost:5000/strata/zig:0.11.0
# How many e2e tests run at once: they mostly wait on buildkitd, so more
# than GOMAXPROCS (go test's default) of them keep a 2-core machine busy.
E2E_PARALLEL ?= 4

.PHONY: all build dev-env frontend demo test test-unit test-e2e fuzz schema lint clean

all: build

# The version of the CLI and the frontend image (strata --version); bake
# reads it from the environment.
export VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null)
LDFLAGS := -X github.com/strata-build/strata/version.Version=$(VERSION)

build:
	go build -ldflags "$(LDFLAGS)" -o bin/strata ./cmd/strata
	go build -ldflags "$(LDFLAGS)" -o bin/strata-frontend ./cmd/strata-frontend

dev-env:
	hack/dev-env up

# The frontend image, pushed to the local registry as localhost:5000/strata/frontend:dev.
frontend: dev-env
	$(ENV) && docker buildx bake frontend --push

# Builds the frontend and every example through it, for amd64 and arm64, into ./out.
demo: dev-env
	$(ENV) && docker buildx bake --set frontend.output=type=image,push=true

schema:
	go generate ./spec

lint:
	go vet ./...
	@test -z "$$(gofmt -l .)" || { gofmt -l .; exit 1; }

test-unit: lint
	hack/dev-env zig
	$(ENV) && go test $$(go list ./... | grep -v /e2e)
	go test ./spec -run '^$$' -fuzz FuzzLoad -fuzztime 30s

test-e2e: frontend build
	@for c in cargo python3; do command -v $$c >/dev/null || { echo "make test-e2e: $$c is needed (see the README's Quickstart)" >&2; exit 1; }; done
	$(ENV) && STRATA_E2E=1 go test -count=1 -timeout 40m -parallel $(E2E_PARALLEL) -v ./e2e

test: test-unit test-e2e

clean:
	rm -rf bin out
