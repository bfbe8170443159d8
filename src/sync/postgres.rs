//! ConfigSync on PostgreSQL: typed, parameterised statements in the migration lock's transaction.
//!
//! Desired rows travel as one JSON parameter expanded by `json_populate_recordset` into a
//! temporary table shaped like the target, so a table of any size takes a handful of
//! statements. Statements are unnamed (`*_typed`), which transaction-mode poolers accept.

use std::collections::BTreeMap;
use std::future::Future;

use tokio_postgres::types::{ToSql, Type};
use tracing::{Instrument, debug, info_span};

use super::convert::ColumnType;
use super::error::SyncError;
use super::ident::{TableName, quote};
use super::rows::{ColumnInfo, DesiredRows, desired_rows};
use super::sql::{DESIRED, Flavor, TableSql, bookkeeping_ddl};
use super::state::{Bookkeeping, Counts, drift, same_config, state_row};
use super::{HashedTable, SyncRequest, TableReport};
use crate::api::SyncMode;
use crate::engine::EngineError;
use crate::engine::postgres::Postgres;
use crate::engine::postgres::failure::describe;

/// Rows beyond which a constraint violation is not narrowed down to its row.
const DIAGNOSE_LIMIT: usize = 10_000;

/// Runs the whole request in one locked transaction; rolls back on error or dry run.
pub async fn run(
    pg: &Postgres,
    bookkeeping: &Bookkeeping,
    request: &SyncRequest<'_>,
    tables: &[HashedTable<'_>],
) -> Result<Vec<TableReport>, SyncError> {
    pg.begin_locked().await?;
    let result = async {
        let ddl = bookkeeping_ddl(&bookkeeping.owned, &bookkeeping.state, Flavor::Postgres);
        guarded(pg, "sync bookkeeping", pg.client().batch_execute(&ddl)).await?;
        let mut reports = Vec::with_capacity(tables.len());
        for table in tables {
            let span = info_span!("sync_table", table = %table.table.table);
            reports.push(
                sync_table(pg, bookkeeping, request, table)
                    .instrument(span)
                    .await?,
            );
        }
        Ok(reports)
    }
    .await;
    let commit = result.is_ok() && !request.dry_run;
    pg.finish(commit).await?;
    result
}

async fn sync_table(
    pg: &Postgres,
    bookkeeping: &Bookkeeping,
    request: &SyncRequest<'_>,
    hashed: &HashedTable<'_>,
) -> Result<TableReport, SyncError> {
    let (table, hash) = (hashed.table, &hashed.hash);
    let name = TableName::parse(&table.table)?;
    let target = name.quoted();
    let label = name.to_string();
    let columns = introspect(pg, &name).await?;
    let desired = desired_rows(table, &name, &columns)?;
    let sql = TableSql {
        flavor: Flavor::Postgres,
        target: &target,
        owned: &bookkeeping.owned,
        keys: desired.key_columns(),
        values: desired.value_columns(),
    };
    let client = pg.client();
    let owner = request.owner.to_owned();
    let params: [(&(dyn ToSql + Sync), Type); 2] = [(&owner, Type::TEXT), (&label, Type::TEXT)];
    let previous = guarded(
        pg,
        &label,
        client.query_typed(
            &format!(
                "SELECT source_hash FROM {} WHERE owner = $1 AND target = $2",
                bookkeeping.state
            ),
            &params,
        ),
    )
    .await?;
    let previous: Option<String> = previous.first().map(|row| row.get(0));
    let create = sql.create_desired();
    guarded(
        pg,
        &label,
        client.batch_execute(&format!("SAVEPOINT dbmigrate_sync; {create}")),
    )
    .await?;
    let written = async {
        load_rows(pg, &desired.columns, &desired.rows).await?;
        apply(pg, &sql, &params, table.mode).await
    };
    // The deadline covers the whole write; a database error goes to diagnosis.
    let counts = match guarded(pg, &label, async { Ok(written.await) }).await? {
        Ok(counts) => counts,
        Err(error) => return Err(diagnose(pg, &sql, &label, &desired, error).await),
    };
    // The same config as last time: ownership was reconciled then and cannot have changed.
    if !same_config(previous.as_deref(), hash) {
        guarded(pg, &label, client.execute_typed(&sql.own(), &params)).await?;
        guarded(pg, &label, client.execute_typed(&sql.disown(), &params)).await?;
    }
    guarded(
        pg,
        &label,
        client.batch_execute(&format!(
            "DROP TABLE {DESIRED}; RELEASE SAVEPOINT dbmigrate_sync"
        )),
    )
    .await?;
    let drift_detected = drift(previous.as_deref(), hash, &counts);
    if let Some(row) = state_row(previous.as_deref(), hash, &counts, desired.rows.len()) {
        let record = bookkeeping.record_sql(Flavor::Postgres);
        let values: [(&(dyn ToSql + Sync), Type); 9] = [
            (&owner, Type::TEXT),
            (&label, Type::TEXT),
            (hash, Type::TEXT),
            (&row.desired, Type::INT8),
            (&row.inserted, Type::INT8),
            (&row.updated, Type::INT8),
            (&row.deleted, Type::INT8),
            (&row.drift, Type::BOOL),
            (&row.applied_by, Type::TEXT),
        ];
        guarded(pg, &label, client.execute_typed(&record.delete, &params)).await?;
        guarded(pg, &label, client.execute_typed(&record.insert, &values)).await?;
    }
    debug!(?counts, drift_detected, "table synced");
    Ok(counts.report(label, desired.rows.len(), drift_detected))
}

async fn introspect(pg: &Postgres, name: &TableName) -> Result<Vec<ColumnInfo>, SyncError> {
    let quoted = name.quoted();
    let label = name.to_string();
    let params: [(&(dyn ToSql + Sync), Type); 1] = [(&quoted, Type::TEXT)];
    let exists = guarded(
        pg,
        &label,
        pg.client()
            .query_typed("SELECT to_regclass($1)::text", &params),
    )
    .await?;
    if exists
        .first()
        .and_then(|row| row.get::<_, Option<String>>(0))
        .is_none()
    {
        return Err(SyncError::TableNotFound { table: label });
    }
    let rows = guarded(
        pg,
        &label,
        pg.client().query_typed(
            "SELECT attname::text, format_type(atttypid, atttypmod), attnotnull FROM pg_attribute \
             WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            &params,
        ),
    )
    .await?;
    Ok(rows
        .iter()
        .map(|row| ColumnInfo {
            name: row.get(0),
            ty: ColumnType::from_postgres(row.get(1)),
            declared: row.get(1),
            not_null: row.get(2),
        })
        .collect())
}

/// Loads rows into the temporary table with one statement (one JSON parameter).
async fn load_rows(
    pg: &Postgres,
    columns: &[ColumnInfo],
    rows: &[Vec<serde_json::Value>],
) -> Result<u64, tokio_postgres::Error> {
    // Borrowed column → value maps: the rows are serialized once, not copied first.
    let objects: Vec<BTreeMap<&str, &serde_json::Value>> = rows
        .iter()
        .map(|values| {
            columns
                .iter()
                .map(|column| column.name.as_str())
                .zip(values)
                .collect()
        })
        .collect();
    // String keys and JSON values: serializing to a string cannot fail.
    let payload = serde_json::to_string(&objects).unwrap_or_default();
    let cols = columns
        .iter()
        .map(|c| quote(&c.name))
        .collect::<Vec<_>>()
        .join(", ");
    let insert = format!(
        "INSERT INTO {DESIRED} ({cols}) SELECT {cols} FROM json_populate_recordset(NULL::{DESIRED}, $1::json)"
    );
    let params: [(&(dyn ToSql + Sync), Type); 1] = [(&payload, Type::TEXT)];
    pg.client().execute_typed(&insert, &params).await
}

/// Update, insert and (mirror) prune, counting each.
async fn apply(
    pg: &Postgres,
    sql: &TableSql<'_>,
    params: &[(&(dyn ToSql + Sync), Type)],
    mode: SyncMode,
) -> Result<Counts, tokio_postgres::Error> {
    let client = pg.client();
    let updated = match sql.update() {
        Some(update) => client.execute_typed(&update, &[]).await?,
        None => 0,
    };
    let inserted = client.execute_typed(&sql.insert(), &[]).await?;
    let deleted = match mode {
        SyncMode::Mirror => client.execute_typed(&sql.prune(), params).await?,
        SyncMode::Upsert => 0,
    };
    Ok(Counts {
        inserted,
        updated,
        deleted,
    })
}

/// Turns a failed apply into an error; for a constraint violation, finds the row by
/// re-applying the rows one by one (inside the transaction, which is rolled back anyway).
async fn diagnose(
    pg: &Postgres,
    sql: &TableSql<'_>,
    label: &str,
    desired: &DesiredRows,
    error: tokio_postgres::Error,
) -> SyncError {
    let Some(db) = error.as_db_error() else {
        return statement_error(pg, label, &error);
    };
    // Class 22: a value the column refuses (too long, out of range); 23: a constraint.
    let class = db.code().code().get(..2).unwrap_or_default();
    if class != "22" && class != "23" {
        return statement_error(pg, label, &error);
    }
    let constraint = db
        .constraint()
        .map(str::to_owned)
        .unwrap_or_else(|| db.code().code().to_owned());
    let message = describe(&error);
    let row_key = match find_row(pg, sql, desired).await {
        Some(index) => desired.keys[index].clone(),
        None => format!(
            "unknown ({})",
            db.detail().unwrap_or("a row this sync deletes")
        ),
    };
    if class == "22" {
        return SyncError::InvalidValue {
            table: label.to_owned(),
            row_key,
            sqlstate: db.code().code().to_owned(),
            message,
        };
    }
    SyncError::ConstraintViolation {
        table: label.to_owned(),
        row_key,
        constraint,
        sqlstate: db.code().code().to_owned(),
        message,
    }
}

/// Re-applies the rows one by one after rolling the table back; returns the failing row.
async fn find_row(pg: &Postgres, sql: &TableSql<'_>, desired: &DesiredRows) -> Option<usize> {
    if desired.rows.len() > DIAGNOSE_LIMIT {
        return None;
    }
    let client = pg.client();
    // Rolling back to the savepoint also drops the temporary table created after it.
    let restart = format!(
        "ROLLBACK TO SAVEPOINT dbmigrate_sync; {}",
        sql.create_desired()
    );
    client.batch_execute(&restart).await.ok()?;
    for (index, row) in desired.rows.iter().enumerate() {
        client
            .batch_execute(&format!("SAVEPOINT dbmigrate_sync_row; TRUNCATE {DESIRED}"))
            .await
            .ok()?;
        let loaded = load_rows(pg, &desired.columns, std::slice::from_ref(row)).await;
        let applied = match loaded {
            Ok(_) => apply(pg, sql, &[], SyncMode::Upsert).await.map(drop),
            Err(error) => Err(error),
        };
        if applied.is_err() {
            return Some(index);
        }
        client
            .batch_execute("RELEASE SAVEPOINT dbmigrate_sync_row")
            .await
            .ok()?;
    }
    None
}

fn statement_error(pg: &Postgres, label: &str, error: &tokio_postgres::Error) -> SyncError {
    match error.code().map(|c| c.code()) {
        Some("55P03") => SyncError::Engine(EngineError::LockTimeout {
            what: format!("table {label}"),
            after: pg.timeouts().lock,
        }),
        _ => SyncError::Statement {
            table: label.to_owned(),
            message: describe(error),
        },
    }
}

/// Awaits a query within the client deadline; on expiry cancels it on the server.
async fn guarded<T>(
    pg: &Postgres,
    label: &str,
    query: impl Future<Output = Result<T, tokio_postgres::Error>>,
) -> Result<T, SyncError> {
    let deadline = pg.timeouts().client_deadline();
    match tokio::time::timeout(deadline, query).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(statement_error(pg, label, &error)),
        Err(_) => {
            pg.cancel().await;
            Err(SyncError::Engine(EngineError::Timeout {
                what: format!("syncing table {label}"),
                after: deadline,
            }))
        }
    }
}
