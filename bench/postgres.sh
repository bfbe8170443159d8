# Sourced by the benchmarks: starts a throw-away PostgreSQL (default settings, fsync on) on a
# free port in a temporary folder, stopped and removed on exit. Sets: work, port, psql_cmd,
# as_pg, and the function `pg_url <database>`.
bin_dir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
work="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
as_pg=()
if [ "$(id -u)" -eq 0 ]; then chown postgres "$work"; as_pg=(runuser -u postgres --); fi
cleanup() { "${as_pg[@]}" "$bin_dir/pg_ctl" -D "$work/data" stop -m immediate >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
"${as_pg[@]}" "$bin_dir/initdb" -D "$work/data" -U postgres --auth=trust -E UTF8 >/dev/null
"${as_pg[@]}" "$bin_dir/pg_ctl" -D "$work/data" -l "$work/log" -w start \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$work" >/dev/null
psql_cmd=(psql -q -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=1)
pg_url() { echo "postgres://postgres@127.0.0.1:$port/$1"; }
now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }
ratio() { python3 -c "print(f'{$1/max($2,1):.2f}')"; }
