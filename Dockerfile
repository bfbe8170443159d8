# The dbmigrate image: the operator and the runner of its step Jobs (one static entry point,
# `dbmigrate`, on PATH; user 65532 as the Job specs require).
#   docker build -t ghcr.io/dbmigrate/dbmigrate:dev .
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src src
COPY e2e e2e
COPY crds crds
RUN cargo build --locked --release --package dbmigrate --bin dbmigrate

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/dbmigrate /usr/local/bin/dbmigrate
USER 65532:65532
ENTRYPOINT ["dbmigrate"]
