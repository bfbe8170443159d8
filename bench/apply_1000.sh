#!/usr/bin/env bash
# Benchmark: apply 1000 small migrations to PostgreSQL with `dbmigrate apply` vs `psql -1 -f`
# of the concatenated files (the physical limit), and a no-op `apply` when all are applied.
# Prints the ratios. Usage: bash bench/apply_1000.sh [count]
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-1000}"
cargo build --release --quiet
source bench/postgres.sh
"${as_pg[@]}" "${psql_cmd[@]}" -c "CREATE DATABASE by_psql" -c "CREATE DATABASE by_dbmigrate"

mkdir -p "$work/migrations"
for i in $(seq 1 "$count"); do
    printf 'CREATE TABLE bench_%d (id bigint PRIMARY KEY, label text NOT NULL);\nINSERT INTO bench_%d VALUES (1, %s);\n' \
        "$i" "$i" "'row $i'" > "$work/migrations/${i}_bench_${i}.sql"
done
cat $(ls "$work"/migrations/*.sql | sort -V) > "$work/all.sql"

t0=$(now); "${psql_cmd[@]}" -d by_psql -1 -f "$work/all.sql" >/dev/null; t1=$(now)
url="$(pg_url by_dbmigrate)"
t2=$(now); ./target/release/dbmigrate apply --dir "$work/migrations" --database-url "$url" -o json >/dev/null 2>&1; t3=$(now)
t4=$(now); ./target/release/dbmigrate apply --dir "$work/migrations" --database-url "$url" -o json >/dev/null 2>&1; t5=$(now)

psql_ms=$(ms "$t0" "$t1"); apply_ms=$(ms "$t2" "$t3"); noop_ms=$(ms "$t4" "$t5")
applied=$("${psql_cmd[@]}" -d by_dbmigrate -tAc "SELECT count(*) FROM dbmigrate_history WHERE success")
echo "migrations:            $count (applied by dbmigrate: $applied)"
echo "psql -1 -f (baseline): ${psql_ms} ms"
echo "dbmigrate apply:       ${apply_ms} ms"
echo "ratio apply/psql:      $(ratio "$apply_ms" "$psql_ms")x (target <= 1.2x)"
echo "no-op apply:           ${noop_ms} ms (target < 50 ms)"
