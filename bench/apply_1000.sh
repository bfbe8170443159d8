#!/usr/bin/env bash
# Benchmark: apply 1000 small migrations to PostgreSQL with `dbmigrate apply` vs `psql -1 -f`
# of the concatenated files (the physical limit), and a no-op `apply` when all are applied.
# Prints the ratios. Usage: bash bench/apply_1000.sh [count]
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-1000}"
bin_dir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
work="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
as_pg=()
if [ "$(id -u)" -eq 0 ]; then chown postgres "$work"; as_pg=(runuser -u postgres --); fi
cleanup() { "${as_pg[@]}" "$bin_dir/pg_ctl" -D "$work/data" stop -m immediate >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

cargo build --release --quiet
"${as_pg[@]}" "$bin_dir/initdb" -D "$work/data" -U postgres --auth=trust -E UTF8 >/dev/null
"${as_pg[@]}" "$bin_dir/pg_ctl" -D "$work/data" -l "$work/log" -w start \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$work" >/dev/null
psql_cmd=(psql -q -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=1)
"${as_pg[@]}" "${psql_cmd[@]}" -c "CREATE DATABASE by_psql" -c "CREATE DATABASE by_dbmigrate"

mkdir -p "$work/migrations"
for i in $(seq 1 "$count"); do
    printf 'CREATE TABLE bench_%d (id bigint PRIMARY KEY, label text NOT NULL);\nINSERT INTO bench_%d VALUES (1, %s);\n' \
        "$i" "$i" "'row $i'" > "$work/migrations/${i}_bench_${i}.sql"
done
cat $(ls "$work"/migrations/*.sql | sort -V) > "$work/all.sql"

now() { date +%s%N; }
t0=$(now); "${psql_cmd[@]}" -d by_psql -1 -f "$work/all.sql" >/dev/null; t1=$(now)
url="postgres://postgres@127.0.0.1:$port/by_dbmigrate"
t2=$(now); ./target/release/dbmigrate apply --dir "$work/migrations" --database-url "$url" -o json >/dev/null 2>&1; t3=$(now)
t4=$(now); ./target/release/dbmigrate apply --dir "$work/migrations" --database-url "$url" -o json >/dev/null 2>&1; t5=$(now)

psql_ms=$(( (t1 - t0) / 1000000 )); apply_ms=$(( (t3 - t2) / 1000000 )); noop_ms=$(( (t5 - t4) / 1000000 ))
applied=$("${psql_cmd[@]}" -d by_dbmigrate -tAc "SELECT count(*) FROM dbmigrate_history WHERE success")
echo "migrations:            $count (applied by dbmigrate: $applied)"
echo "psql -1 -f (baseline): ${psql_ms} ms"
echo "dbmigrate apply:       ${apply_ms} ms"
echo "ratio apply/psql:      $(python3 -c "print(f'{$apply_ms/max($psql_ms,1):.2f}')")x (target <= 1.2x)"
echo "no-op apply:           ${noop_ms} ms (target < 50 ms)"
