//! ConfigSync on SQLite: the same statements in a `BEGIN IMMEDIATE` transaction, rows bound
//! to a prepared statement (in-process, so one execution per row costs no round trip).

use rusqlite::types::{ToSqlOutput, Value as SqlValue, ValueRef};
use rusqlite::{Connection, ErrorCode, params_from_iter};
use tracing::{debug, info_span};

use super::convert::ColumnType;
use super::error::SyncError;
use super::ident::{TableName, quote};
use super::rows::{ColumnInfo, DesiredRows, desired_rows};
use super::sql::{DESIRED, Flavor, TableSql, bookkeeping_ddl};
use super::state::{Bookkeeping, Counts, drift, same_config, state_row};
use super::{HashedTable, SyncRequest, TableReport};
use crate::api::SyncMode;
use crate::engine::EngineError;
use crate::engine::sqlite::Sqlite;

/// Runs the whole request in one `BEGIN IMMEDIATE` transaction; rolls back on error or dry run.
pub fn run(
    db: &Sqlite,
    bookkeeping: &Bookkeeping,
    request: &SyncRequest<'_>,
    tables: &[HashedTable<'_>],
) -> Result<Vec<TableReport>, SyncError> {
    let conn = db.connection();
    exec(db, "taking the database lock", |c| {
        c.execute_batch("BEGIN IMMEDIATE")
    })?;
    let result = (|| {
        exec(db, "creating the sync bookkeeping tables", |c| {
            c.execute_batch(&bookkeeping_ddl(
                &bookkeeping.owned,
                &bookkeeping.state,
                Flavor::Sqlite,
            ))
        })?;
        tables
            .iter()
            .map(|table| {
                let _span = info_span!("sync_table", table = %table.table.table).entered();
                sync_table(db, bookkeeping, request.owner, table)
            })
            .collect::<Result<Vec<_>, _>>()
    })();
    let end = if result.is_ok() && !request.dry_run {
        "COMMIT"
    } else {
        "ROLLBACK"
    };
    if let Err(error) = conn.execute_batch(end) {
        if result.is_ok() {
            return Err(engine_error(db, "committing", &error));
        }
        debug!(%error, "rollback failed");
    }
    result
}

fn sync_table(
    db: &Sqlite,
    bookkeeping: &Bookkeeping,
    owner: &str,
    hashed: &HashedTable<'_>,
) -> Result<TableReport, SyncError> {
    let (table, hash) = (hashed.table, &hashed.hash);
    let name = TableName::parse(&table.table)?;
    let label = name.to_string();
    let target = name.quoted();
    let columns = introspect(db, &name)?;
    let desired = desired_rows(table, &name, &columns)?;
    let sql = TableSql {
        flavor: Flavor::Sqlite,
        target: &target,
        owned: &bookkeeping.owned,
        keys: desired.key_columns(),
        values: desired.value_columns(),
    };
    let conn = db.connection();
    let previous: Option<String> = statement(db, &label, |c| {
        c.query_row(
            &format!(
                "SELECT source_hash FROM {} WHERE owner = ?1 AND target = ?2",
                bookkeeping.state
            ),
            [owner, label.as_str()],
            |row| row.get(0),
        )
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            other => Err(other),
        })
    })?;
    statement(db, &label, |c| {
        c.execute_batch(&format!(
            "SAVEPOINT dbmigrate_sync; {}",
            sql.create_desired()
        ))
    })?;
    statement(db, &label, |c| {
        load_rows(c, &desired.columns, &desired.rows)
    })?;
    let counts = match db.guarded(|| apply(conn, &sql, owner, &label, table.mode)) {
        (Ok(counts), _) => counts,
        (Err(error), interrupted) => {
            return Err(diagnose(db, &sql, &label, &desired, &error, interrupted));
        }
    };
    // The same config as last time: ownership was reconciled then and cannot have changed.
    if !same_config(previous.as_deref(), hash) {
        statement(db, &label, |c| {
            c.execute(&sql.own(), [owner, label.as_str()])
        })?;
        statement(db, &label, |c| {
            c.execute(&sql.disown(), [owner, label.as_str()])
        })?;
    }
    statement(db, &label, |c| {
        c.execute_batch(&format!(
            "DROP TABLE {DESIRED}; RELEASE SAVEPOINT dbmigrate_sync"
        ))
    })?;
    let drift_detected = drift(previous.as_deref(), hash, &counts);
    if let Some(row) = state_row(previous.as_deref(), hash, &counts, desired.rows.len()) {
        let record = bookkeeping.record_sql(Flavor::Sqlite);
        statement(db, &label, |c| {
            c.execute(&record.delete, [owner, label.as_str()])
        })?;
        statement(db, &label, |c| {
            c.execute(
                &record.insert,
                rusqlite::params![
                    owner,
                    label,
                    hash,
                    row.desired,
                    row.inserted,
                    row.updated,
                    row.deleted,
                    row.drift,
                    row.applied_by
                ],
            )
        })?;
    }
    debug!(?counts, drift_detected, "table synced");
    Ok(counts.report(label, desired.rows.len(), drift_detected))
}

fn introspect(db: &Sqlite, name: &TableName) -> Result<Vec<ColumnInfo>, SyncError> {
    let label = name.to_string();
    let schema = name.schema.clone().unwrap_or_else(|| "main".into());
    let columns = statement(db, &label, |c| {
        let mut query = c.prepare(
            "SELECT name, type, \"notnull\" FROM pragma_table_info(?1, ?2) ORDER BY cid",
        )?;
        let rows = query.query_map([name.table.as_str(), schema.as_str()], |row| {
            let declared: String = row.get(1)?;
            Ok(ColumnInfo {
                name: row.get(0)?,
                ty: ColumnType::from_sqlite(&declared),
                declared,
                not_null: row.get::<_, i64>(2)? != 0,
            })
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
    })?;
    if columns.is_empty() {
        return Err(SyncError::TableNotFound { table: label });
    }
    Ok(columns)
}

fn load_rows(
    conn: &Connection,
    columns: &[ColumnInfo],
    rows: &[Vec<serde_json::Value>],
) -> rusqlite::Result<()> {
    let names: Vec<String> = columns.iter().map(|c| quote(&c.name)).collect();
    let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
    let mut insert = conn.prepare(&format!(
        "INSERT INTO {DESIRED} ({}) VALUES ({})",
        names.join(", "),
        placeholders.join(", ")
    ))?;
    for row in rows {
        insert.execute(params_from_iter(row.iter().map(sql_value)))?;
    }
    Ok(())
}

/// A converted value as SQLite stores it (booleans as 0/1, objects as JSON text); strings are
/// bound without a copy.
fn sql_value(value: &serde_json::Value) -> ToSqlOutput<'_> {
    match value {
        serde_json::Value::Null => ToSqlOutput::Owned(SqlValue::Null),
        serde_json::Value::Bool(b) => ToSqlOutput::Owned(SqlValue::Integer(i64::from(*b))),
        serde_json::Value::Number(n) => ToSqlOutput::Owned(
            n.as_i64()
                .map(SqlValue::Integer)
                .unwrap_or_else(|| SqlValue::Real(n.as_f64().unwrap_or(f64::NAN))),
        ),
        serde_json::Value::String(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        other => ToSqlOutput::Owned(SqlValue::Text(other.to_string())),
    }
}

fn apply(
    conn: &Connection,
    sql: &TableSql<'_>,
    owner: &str,
    label: &str,
    mode: SyncMode,
) -> rusqlite::Result<Counts> {
    let updated = match sql.update() {
        Some(update) => conn.execute(&update, [])?,
        None => 0,
    };
    let inserted = conn.execute(&sql.insert(), [])?;
    let deleted = match mode {
        SyncMode::Mirror => conn.execute(&sql.prune(), [owner, label])?,
        SyncMode::Upsert => 0,
    };
    let widen = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
    Ok(Counts {
        inserted: widen(inserted),
        updated: widen(updated),
        deleted: widen(deleted),
    })
}

fn diagnose(
    db: &Sqlite,
    sql: &TableSql<'_>,
    label: &str,
    desired: &DesiredRows,
    error: &rusqlite::Error,
    interrupted: bool,
) -> SyncError {
    if interrupted {
        return SyncError::Engine(EngineError::Timeout {
            what: format!("syncing table {label}"),
            after: db.timeouts().statement,
        });
    }
    if error.sqlite_error_code() != Some(ErrorCode::ConstraintViolation) {
        return engine_or_statement(db, label, error);
    }
    let conn = db.connection();
    let row_key = find_row(conn, sql, desired)
        .map(|index| desired.keys[index].clone())
        .unwrap_or_else(|| "unknown (a row this sync deletes)".into());
    let code = match error {
        rusqlite::Error::SqliteFailure(failure, _) => {
            format!("SQLITE_CONSTRAINT ({})", failure.extended_code)
        }
        _ => "SQLITE_CONSTRAINT".into(),
    };
    SyncError::ConstraintViolation {
        table: label.to_owned(),
        row_key,
        constraint: constraint_kind(&error.to_string()),
        sqlstate: code,
        message: error.to_string(),
    }
}

/// Re-applies the rows one by one after rolling the table back; returns the failing row.
fn find_row(conn: &Connection, sql: &TableSql<'_>, desired: &DesiredRows) -> Option<usize> {
    conn.execute_batch(&format!(
        "ROLLBACK TO SAVEPOINT dbmigrate_sync; DROP TABLE IF EXISTS temp.{DESIRED}"
    ))
    .ok()?;
    conn.execute_batch(&sql.create_desired()).ok()?;
    for (index, row) in desired.rows.iter().enumerate() {
        conn.execute_batch(&format!("DELETE FROM {DESIRED}")).ok()?;
        load_rows(conn, &desired.columns, std::slice::from_ref(row)).ok()?;
        if apply(conn, sql, "", "", SyncMode::Upsert).is_err() {
            return Some(index);
        }
    }
    None
}

/// `UNIQUE`, `NOT NULL`, `CHECK` or `FOREIGN KEY`, from SQLite's message.
fn constraint_kind(message: &str) -> String {
    message
        .split(" constraint failed")
        .next()
        .unwrap_or(message)
        .to_owned()
}

fn statement<T>(
    db: &Sqlite,
    label: &str,
    work: impl FnOnce(&Connection) -> rusqlite::Result<T>,
) -> Result<T, SyncError> {
    match db.guarded(|| work(db.connection())) {
        (Ok(value), _) => Ok(value),
        (Err(_), true) => Err(SyncError::Engine(EngineError::Timeout {
            what: format!("syncing table {label}"),
            after: db.timeouts().statement,
        })),
        (Err(error), false) => Err(engine_or_statement(db, label, &error)),
    }
}

fn exec(
    db: &Sqlite,
    what: &str,
    work: impl FnOnce(&Connection) -> rusqlite::Result<()>,
) -> Result<(), SyncError> {
    work(db.connection()).map_err(|e| engine_error(db, what, &e))
}

fn engine_error(db: &Sqlite, what: &str, error: &rusqlite::Error) -> SyncError {
    SyncError::Engine(crate::engine::sqlite::failure::bookkeeping_error(
        what,
        error,
        &db.timeouts(),
    ))
}

fn engine_or_statement(db: &Sqlite, label: &str, error: &rusqlite::Error) -> SyncError {
    match error.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            engine_error(db, &format!("syncing table {label}"), error)
        }
        _ => SyncError::Statement {
            table: label.to_owned(),
            message: error.to_string(),
        },
    }
}
