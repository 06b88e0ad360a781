# The seed's own cross-compiling way, the benchmark's column D: cargo-chef
# (planner, cook, build) and cargo-zigbuild for both targets in one cargo
# run on the build platform, then each platform's binary copied onto
# debian:bookworm-slim (no RUN there, so nothing runs under QEMU).
#
# The tools stage is what a user would take as a prebuilt cargo-chef image:
# the run script builds it once (--target tools) and pushes it as CHEF_IMAGE,
# so that a cold build prunes the build cache but pulls the tools like any
# base image. CHEF_IMAGE=tools builds everything from this file.
# Pins (see the run script): the newest releases that build with rustc 1.85
# from their own Cargo.lock (cargo install --locked): cargo-chef 0.1.76 and
# later lock crates that need rustc 1.86+ (cargo_metadata 0.23, cargo-platform
# 0.3.2), cargo-zigbuild 0.22 declares rust-version 1.88.
ARG RUST_IMAGE=rust:1.85-bookworm
ARG ZIG_IMAGE=localhost:5000/strata/zig:0.11.0
ARG CHEF_IMAGE=localhost:5000/strata/bench-rust-chef:chef0.1.75-zigbuild0.21.8-zig0.11.0

# zig's release files at the image's root: this machine cannot reach
# ziglang.org (elsewhere: ADD --checksum=... the release's tarball).
FROM ${ZIG_IMAGE} AS zig

FROM --platform=$BUILDPLATFORM ${RUST_IMAGE} AS tools
RUN cargo install --locked cargo-chef@0.1.75 cargo-zigbuild@0.21.8 \
	&& rm -rf "$CARGO_HOME/registry" "$CARGO_HOME/git"
COPY --from=zig / /usr/local/zig/
RUN ln -s /usr/local/zig/zig /usr/local/bin/zig && zig version

FROM --platform=$BUILDPLATFORM ${CHEF_IMAGE} AS chef
WORKDIR /src
# Both targets: cargo-zigbuild links each for the glibc floor after the dot,
# 2.17 as the Strata example (rust.glibc) and Strata's default; stripped as
# Strata's release builds are (rust.strip).
ENV TARGETS="--target x86_64-unknown-linux-gnu.2.17 --target aarch64-unknown-linux-gnu.2.17" \
	CARGO_PROFILE_RELEASE_STRIP=true

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

# The dependencies, from the recipe alone: cached while no manifest or lock
# changes (cargo-chef masks the local crates' versions).
FROM chef AS cook
COPY --from=planner /src/recipe.json recipe.json
# TARGETS unquoted: two flags each. The links: cargo-chef looks for the
# dummy artifacts it must remove in target/<triple>.2.17, where
# cargo-zigbuild writes target/<triple> (cargo-chef issue #367; it fails
# without them).
RUN for t in x86_64 aarch64; do mkdir -p target/$t-unknown-linux-gnu \
	&& ln -s $t-unknown-linux-gnu target/$t-unknown-linux-gnu.2.17; done \
	&& cargo chef cook --release --locked --zigbuild $TARGETS --recipe-path recipe.json

FROM cook AS build
ARG BIN=rust-app
COPY . .
RUN cargo zigbuild --release --locked $TARGETS --bin "$BIN" \
	&& mkdir -p out/amd64 out/arm64 \
	&& cp "target/x86_64-unknown-linux-gnu/release/$BIN" out/amd64/ \
	&& cp "target/aarch64-unknown-linux-gnu/release/$BIN" out/arm64/

FROM debian:bookworm-slim
ARG TARGETARCH
COPY --from=build /src/out/${TARGETARCH}/ /usr/local/bin/
USER 65532:65532
# The example's program; for another project (BIN) the bench only times
# the build.
ENTRYPOINT ["/usr/local/bin/rust-app"]
