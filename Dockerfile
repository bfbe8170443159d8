# The dbmigrate image: the operator, and the runner of its step Jobs. One static executable
# (no shared library, no NSS module: scripts/build-static), `dbmigrate` on PATH, run as the
# numeric user 65532 that the Job specs require.
#
#   docker build -t ghcr.io/dbmigrate/dbmigrate:dev .
#   docker buildx build --platform linux/amd64,linux/arm64 -t ghcr.io/dbmigrate/dbmigrate:dev .
#
# The build stage builds for the platform it runs on (TARGETARCH picks the target triple:
# amd64 → x86_64-unknown-linux-gnu, arm64 → aarch64-unknown-linux-gnu). linux/arm64 therefore
# needs an arm64 builder (a native node, or QEMU emulation, which is slow); building it on an
# amd64 stage instead would need the aarch64 Rust target, an aarch64 cross linker and the
# static aarch64 glibc (libc6-dev-arm64-cross), which this Dockerfile does not install.
# tests/dockerfile.rs checks this file (no container engine runs in CI).

FROM rust:1.95-bookworm AS build
ARG TARGETARCH
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src src
COPY e2e e2e
COPY crds crds
COPY scripts scripts
RUN case "${TARGETARCH:-amd64}" in \
        amd64) triple=x86_64-unknown-linux-gnu ;; \
        arm64) triple=aarch64-unknown-linux-gnu ;; \
        *) echo "TARGETARCH=${TARGETARCH}: only amd64 and arm64 are built" >&2; exit 1 ;; \
    esac \
    && binary="$(bash scripts/build-static --release --target "$triple")" \
    && install -D -m 0755 "$binary" /out/dbmigrate

# distroless/static: CA certificates, /etc/passwd with nonroot (65532), tzdata — no libc.
# The version label is the crate's (tests/dockerfile.rs keeps them equal).
FROM gcr.io/distroless/static-debian12:nonroot
LABEL org.opencontainers.image.title="dbmigrate" \
      org.opencontainers.image.description="Kubernetes operator and runner for declarative, ordered, resumable database migrations" \
      org.opencontainers.image.version="0.1.0"
COPY --from=build /out/dbmigrate /usr/local/bin/dbmigrate
# kube's client looks for ~/.kube/config: with HOME set it never asks libc for the home
# directory (getpwuid_r, an NSS lookup a static executable must not make).
ENV HOME=/home/nonroot
USER 65532:65532
ENTRYPOINT ["dbmigrate"]
