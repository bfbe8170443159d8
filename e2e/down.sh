#!/usr/bin/env bash
# Stops the e2e environment that e2e/up.sh of this checkout started (in $E2E_DIR, else the
# checkout's own directory, see e2e/state-dir.sh) and waits until its processes are gone and its
# directory is removed.
set -euo pipefail
cd "$(dirname "$0")/.."

source e2e/state-dir.sh

alive() { # pid: the process exists and has not finished (a zombie has)
    [ -r "/proc/$1/stat" ] && ! grep -q '^[0-9]* (.*) [ZX] ' "/proc/$1/stat"
}

if [ ! -f "$dir/e2e-up.pid" ]; then
    if [ -f "$dir/.dbmigrate-e2e" ]; then
        echo "down.sh: removing $dir, left by an e2e environment that did not start" >&2
        rm -rf "$dir"
    else
        echo "down.sh: no e2e environment in $dir" >&2
    fi
    exit 0
fi
pid=$(cat "$dir/e2e-up.pid")
if alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q e2e-up; then
    kill -TERM "$pid"
    for _ in $(seq 1 150); do # 15 s: e2e-up stops each component within 2 s
        alive "$pid" || break
        sleep 0.1
    done
    if alive "$pid"; then
        echo "down.sh: e2e-up (pid $pid) still running after 15 s; SIGKILL (its reaper cleans up)" >&2
        kill -KILL "$pid" 2>/dev/null || true
    fi
else
    echo "down.sh: e2e-up (pid $pid) is not running; its reaper cleans up" >&2
fi
for _ in $(seq 1 100); do # 10 s
    [ -e "$dir" ] || break
    sleep 0.1
done
if [ -e "$dir" ] && ! alive "$pid" && [ -f "$dir/.dbmigrate-e2e" ]; then
    echo "down.sh: removing what is left in $dir" >&2
    rm -rf "$dir"
fi
if [ -e "$dir" ]; then
    echo "down.sh: $dir is still there after 10 s" >&2
    exit 1
fi
echo "down.sh: e2e environment in $dir stopped" >&2
