#!/usr/bin/env bash
# Starts dbmigrate's e2e environment (TEST-ONLY: kube-standin, job-runner and PostgreSQL on
# loopback, see e2e/README.md) in the background and prints the lines to eval:
#
#     eval "$(bash e2e/up.sh)"      # sets KUBECONFIG and DATABASE_URL
#     bash e2e/down.sh              # stops it
#
# Build output and messages go to stderr. State directory: $E2E_DIR, else one per checkout
# (e2e/state-dir.sh).
# KUBECONFIG, E2E_JOB_RUNNER and E2E_DATABASE_URL are honoured as by the tests' harness.
set -euo pipefail
cd "$(dirname "$0")/.."

source e2e/state-dir.sh
target=${CARGO_TARGET_DIR:-target}

# A KUBECONFIG exported by an earlier `eval "$(bash e2e/up.sh)"` (of this checkout or another)
# names that run's kube-standin, not a cluster to use instead of a new one.
if [ -n "${KUBECONFIG:-}" ] && [ -f "$(dirname "$KUBECONFIG")/.dbmigrate-e2e" ]; then
    unset KUBECONFIG
fi

alive() { # pid: the process exists and has not finished (a zombie has)
    [ -r "/proc/$1/stat" ] && ! grep -q '^[0-9]* (.*) [ZX] ' "/proc/$1/stat"
}

if [ -f "$dir/e2e-up.pid" ] && alive "$(cat "$dir/e2e-up.pid")" && [ -f "$dir/env.sh" ]; then
    echo "up.sh: the e2e environment is already running in $dir" >&2
    cat "$dir/env.sh"
    exit 0
fi
if [ -e "$dir" ]; then
    if [ -f "$dir/.dbmigrate-e2e" ] || [ -z "$(ls -A "$dir")" ]; then
        rm -rf "$dir"
    else
        echo "up.sh: $dir exists and is not an e2e state directory; remove it or set E2E_DIR" >&2
        exit 1
    fi
fi

cargo build --release -p kube-standin -p job-runner -p dbmigrate -p e2e-harness >&2
# job-runner's `dbmigrate:*` image is the static build (e2e/README.md, "Images")
bash scripts/build-static --release >/dev/null

mkdir -p "$dir"
touch "$dir/.dbmigrate-e2e" "$dir/e2e-up.log"
# Kept open: e2e-up removes the directory when it fails, and its messages are wanted then.
exec 4<"$dir/e2e-up.log"
setsid nohup "$target/release/e2e-up" "$dir" >/dev/null 2>"$dir/e2e-up.log" </dev/null &
pid=$!

for _ in $(seq 1 1200); do # 120 s
    if [ -f "$dir/env.sh" ] && grep -q '^export DATABASE_URL=' "$dir/env.sh"; then
        echo "up.sh: e2e environment running in $dir (pid $pid); stop it with: bash e2e/down.sh" >&2
        cat "$dir/env.sh"
        exit 0
    fi
    if ! alive "$pid"; then
        echo "up.sh: the e2e environment did not start:" >&2
        cat <&4 >&2
        exit 1
    fi
    sleep 0.1
done
echo "up.sh: the e2e environment was not ready within 120 s; stopping it" >&2
kill -TERM "$pid" 2>/dev/null || true
cat <&4 >&2
exit 1
