# Sourced by e2e/up.sh and e2e/down.sh: sets `dir`, the state directory of the e2e environment
# of this checkout. $E2E_DIR when set; else one directory per checkout and user,
# ${TMPDIR:-/tmp}/dbmigrate-e2e-<uid>-<12 hex digits of the SHA-256 of the checkout's path>, so
# that two checkouts never share, reuse or stop each other's environment.
checkout=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
dir=${E2E_DIR:-${TMPDIR:-/tmp}/dbmigrate-e2e-$(id -u)-$(printf '%s' "$checkout" | sha256sum | cut -c1-12)}
