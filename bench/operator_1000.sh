#!/usr/bin/env bash
# Benchmark: `dbmigrate operator` with 1000 DatabaseMigrations in steady state on kube-standin
# (Jobs run by job-runner against PostgreSQL): memory against the operator with no resource,
# idle CPU against kube-standin's, and change -> new Job against the API server's own
# create -> watch-event time, all measured in the same run.
# Usage: bash bench/operator_1000.sh [count]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet --workspace --bins
cargo run --release --locked --quiet -p e2e-harness --example operator_1000 -- "${1:-1000}"
