#!/usr/bin/env bash
# Benchmark: a ConfigSync of `rows` (100000) rows into PostgreSQL with `dbmigrate apply -f`,
# against `psql \copy` of the same rows into an empty table (the physical limit of moving the
# data), then a re-sync with 1% of the rows changed and a no-op re-sync.
# Prints the times and the ratios. Usage: bash bench/sync_100k.sh [rows]
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-100000}"
cargo build --release --quiet
source bench/postgres.sh
"${as_pg[@]}" "${psql_cmd[@]}" -c "CREATE DATABASE by_psql" -c "CREATE DATABASE by_dbmigrate"
table="CREATE TABLE big (id bigint PRIMARY KEY, name text NOT NULL, n integer NOT NULL)"
"${psql_cmd[@]}" -d by_psql -c "$table"
"${psql_cmd[@]}" -d by_dbmigrate -c "$table"

# The rows as CSV (for psql) and as a ConfigSync manifest whose ConfigMap holds the same CSV;
# `changed` rewrites every 100th row.
write_rows() {
    python3 - "$rows" "$1" <<'PY'
import sys
rows, changed = int(sys.argv[1]), sys.argv[2] == "changed"
for i in range(rows):
    n = 1 if changed and i % 100 == 0 else 0
    print(f"{i},row {i},{n}")
PY
}
write_manifest() {
    {
        printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n  big.csv: |\n    id,name,n\n'
        write_rows "$1" | sed 's/^/    /'
        printf -- '---\napiVersion: dbmigrate.dev/v1alpha1\nkind: ConfigSync\nmetadata: {name: big}\nspec:\n'
        printf '  database: {urlSecretRef: {name: unused, key: url}}\n'
        printf '  tables:\n  - {table: big, keyColumns: [id], rowsFrom: {configMap: big, key: big.csv}}\n'
    } > "$work/$1.yaml"
}
write_rows initial > "$work/rows.csv"
write_manifest initial
write_manifest changed

url="$(pg_url by_dbmigrate)"
sync() { ./target/release/dbmigrate apply -f "$work/$1.yaml" --database-url "$url" -o json >/dev/null; }
t0=$(now); "${psql_cmd[@]}" -d by_psql -c "\\copy big FROM '$work/rows.csv' CSV"; t1=$(now)
t2=$(now); sync initial; t3=$(now)
t4=$(now); sync changed; t5=$(now)
t6=$(now); sync changed; t7=$(now)

copy_ms=$(ms "$t0" "$t1"); first_ms=$(ms "$t2" "$t3"); changed_ms=$(ms "$t4" "$t5"); noop_ms=$(ms "$t6" "$t7")
synced=$("${psql_cmd[@]}" -d by_dbmigrate -tAc "SELECT count(*) FILTER (WHERE n = 1) || '/' || count(*) FROM big")
echo "rows:                          $rows (changed/total after the runs: $synced)"
echo "psql \\copy (baseline):         ${copy_ms} ms"
echo "first sync (all inserted):     ${first_ms} ms, ratio $(ratio "$first_ms" "$copy_ms")x"
echo "re-sync, 1% changed:           ${changed_ms} ms, ratio $(ratio "$changed_ms" "$copy_ms")x"
echo "re-sync, nothing changed:      ${noop_ms} ms, ratio $(ratio "$noop_ms" "$copy_ms")x"
