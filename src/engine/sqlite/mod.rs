//! SQLite: `BEGIN IMMEDIATE` as the migration lock, statement-by-statement execution.
//!
//! Each script runs in a `BEGIN IMMEDIATE` transaction (the database's single write lock,
//! waited for up to the lock timeout through `busy_timeout`), re-reads the version's history
//! under it, runs statement by statement (so a failure names its line) and commits together
//! with its history row.

pub(crate) mod failure;
mod watchdog;

use std::path::Path;
use std::time::Instant;

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};

use self::failure::{bookkeeping_error, statement_failure};
use self::watchdog::Watchdog;
use super::command::CommandRun;
use super::dialect::{
    Dialect, HISTORY_FORMAT_VERSION, HistoryVerdict, LatestRecord, ScriptOutcome, ScriptRun,
    applied_by, check_format, history_verdict, mentions_history, script_span,
};
use super::error::EngineError;
use super::settings::{EngineSettings, Timeouts};
use crate::plan::{DatabaseKind, HistoryRecord, RecordKind};
use crate::source::split_statements;

/// An open SQLite database ready to run migrations.
pub struct Sqlite {
    conn: Connection,
    watchdog: Watchdog,
    timeouts: Timeouts,
    table: String,
    meta: String,
    plain_table: String,
    applied_by: String,
}

impl Sqlite {
    /// Opens (creating if needed) the database file.
    pub fn open(path: &Path, settings: &EngineSettings) -> Result<Self, EngineError> {
        if settings.history.schema.is_some() {
            return Err(EngineError::InvalidSetting {
                setting: "--history-table",
                message: "SQLite has no schemas; give a plain table name".into(),
            });
        }
        let conn = Connection::open(path).map_err(|e| EngineError::Connect {
            target: format!("sqlite://{}", path.display()),
            message: e.to_string(),
        })?;
        conn.busy_timeout(settings.timeouts.lock)
            .map_err(|e| bookkeeping_error("setting the busy timeout", &e, &settings.timeouts))?;
        let quote = |name: &str| format!("\"{}\"", name.replace('"', "\"\""));
        let table = &settings.history.table;
        Ok(Self {
            watchdog: Watchdog::start(conn.get_interrupt_handle(), settings.timeouts.statement),
            conn,
            timeouts: settings.timeouts,
            table: quote(table),
            meta: quote(&format!("{table}_meta")),
            plain_table: table.clone(),
            applied_by: applied_by(),
        })
    }

    /// The connection, for the sync engine (which takes the same `BEGIN IMMEDIATE` lock).
    pub(crate) fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Runs `work` under the statement timeout; tells whether the timeout interrupted it.
    pub(crate) fn guarded<T>(&self, work: impl FnOnce() -> T) -> (T, bool) {
        self.watchdog.guard(work)
    }

    /// The timeouts this connection runs with.
    pub(crate) fn timeouts(&self) -> Timeouts {
        self.timeouts
    }

    fn fail(&self, what: &str) -> impl Fn(rusqlite::Error) -> EngineError + '_ {
        let what = what.to_owned();
        move |e| bookkeeping_error(&what, &e, &self.timeouts)
    }

    fn table_exists(&self, name: &str) -> Result<bool, EngineError> {
        self.conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [name],
                |row| row.get::<_, i64>(0),
            )
            .map(|n| n > 0)
            .map_err(self.fail("checking for the history table"))
    }

    /// `BEGIN IMMEDIATE` and the version's latest record.
    fn lock_and_read(&self, version: &str) -> Result<Option<LatestRecord>, EngineError> {
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(self.fail("taking the migration lock"))?;
        let sql = format!(
            "SELECT kind, success FROM {} WHERE version = ?1 ORDER BY id DESC LIMIT 1",
            self.table
        );
        let latest = self
            .conn
            .query_row(&sql, [version], |row| {
                Ok(LatestRecord {
                    kind: RecordKind::parse(&row.get::<_, String>(0)?)
                        .unwrap_or(RecordKind::Schema),
                    success: row.get(1)?,
                })
            })
            .optional();
        latest.map_err(|e| {
            self.rollback();
            self.fail("reading the history table")(e)
        })
    }

    fn rollback(&self) {
        if !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }

    fn insert(
        &self,
        run: &ScriptRun<'_>,
        execution_ms: i64,
        success: bool,
    ) -> Result<i64, rusqlite::Error> {
        self.conn.execute(
            &format!(
                "INSERT INTO {} (version, name, checksum, kind, execution_ms, success, applied_by) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                self.table
            ),
            params![
                run.version,
                run.name,
                run.checksum,
                run.record.as_str(),
                execution_ms,
                success,
                self.applied_by
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Runs the script's statements one by one under the statement deadline.
    fn execute_script(&self, run: &ScriptRun<'_>, rolled_back: bool) -> Result<(), EngineError> {
        if let Some(command) = CommandRun::of(run, self.timeouts.statement) {
            return command.run();
        }
        let script = &run.script.sql;
        for statement in split_statements(script) {
            let (result, timed_out) = self
                .watchdog
                .guard(|| self.conn.execute_batch(statement.sql));
            if let Err(error) = result {
                return Err(statement_failure(
                    run,
                    &statement,
                    &error,
                    timed_out,
                    self.watchdog.limit(),
                    rolled_back,
                ));
            }
        }
        Ok(())
    }

    fn run_in_transaction(&self, run: &ScriptRun<'_>) -> Result<ScriptOutcome, EngineError> {
        let started = Instant::now();
        if let Err(error) = self.execute_script(run, true) {
            self.rollback();
            return Err(error);
        }
        let execution_ms = elapsed_ms(started);
        let recorded = self
            .insert(run, execution_ms, true)
            .and_then(|_| self.conn.execute_batch("COMMIT"));
        if let Err(error) = recorded {
            self.rollback();
            return Err(self.fail("recording the migration")(error));
        }
        Ok(ScriptOutcome::Ran { execution_ms })
    }

    fn run_without_transaction(&self, run: &ScriptRun<'_>) -> Result<ScriptOutcome, EngineError> {
        let claimed = self
            .insert(run, 0, false)
            .and_then(|id| self.conn.execute_batch("COMMIT").map(|()| id));
        let id = claimed.map_err(|e| {
            self.rollback();
            self.fail("recording the start of a non-transactional migration")(e)
        })?;
        let started = Instant::now();
        if let Err(error) = self.execute_script(run, false) {
            // a command that never started leaves no dirty row: nothing ran
            let recorded = if error.left_unchanged() {
                let sql = format!("DELETE FROM {} WHERE id = ?1", self.table);
                self.conn.execute(&sql, params![id])
            } else {
                let sql = format!("UPDATE {} SET error = ?1 WHERE id = ?2", self.table);
                self.conn.execute(&sql, params![error.to_string(), id])
            };
            if let Err(e) = recorded {
                tracing::debug!(%e, "could not record the failure on the claimed row");
            }
            return Err(error);
        }
        let execution_ms = elapsed_ms(started);
        let sql = format!(
            "UPDATE {} SET success = 1, execution_ms = ?1, applied_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?2",
            self.table
        );
        self.conn
            .execute(&sql, params![execution_ms, id])
            .map_err(self.fail("recording a finished non-transactional migration"))?;
        Ok(ScriptOutcome::Ran { execution_ms })
    }

    /// Runs `sql` inside `BEGIN IMMEDIATE … COMMIT`.
    fn locked<T>(
        &self,
        what: &str,
        work: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, EngineError> {
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(self.fail(what))?;
        match work(&self.conn).and_then(|value| self.conn.execute_batch("COMMIT").map(|()| value)) {
            Ok(value) => Ok(value),
            Err(error) => {
                self.rollback();
                Err(self.fail(what)(error))
            }
        }
    }
}

#[async_trait]
impl Dialect for Sqlite {
    fn kind(&self) -> DatabaseKind {
        DatabaseKind::Sqlite
    }

    async fn read_history(&mut self) -> Result<Vec<HistoryRecord>, EngineError> {
        if !self.table_exists(&self.plain_table)? {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT id, version, name, checksum, kind, applied_at, execution_ms, success, applied_by, error \
             FROM {} ORDER BY id",
            self.table
        );
        let read = || -> rusqlite::Result<Vec<HistoryRecord>> {
            let mut statement = self.conn.prepare(&sql)?;
            let rows = statement.query_map([], |row| {
                let kind: String = row.get(4)?;
                Ok(HistoryRecord {
                    id: row.get(0)?,
                    version: row.get(1)?,
                    name: row.get(2)?,
                    checksum: row.get(3)?,
                    kind: RecordKind::parse(&kind).unwrap_or(RecordKind::Schema),
                    applied_at: row.get(5)?,
                    execution_ms: row.get(6)?,
                    success: row.get(7)?,
                    applied_by: row.get(8)?,
                    error: row.get(9)?,
                })
            })?;
            rows.collect()
        };
        read().map_err(self.fail("reading the history table"))
    }

    async fn ensure_history(&mut self) -> Result<(), EngineError> {
        let meta_exists = self.table_exists(&format!("{}_meta", self.plain_table))?;
        if !meta_exists || !self.table_exists(&self.plain_table)? {
            let ddl = format!(
                "CREATE TABLE IF NOT EXISTS {table} (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    version TEXT NOT NULL,
                    name TEXT NOT NULL,
                    checksum TEXT NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('schema', 'data', 'down')),
                    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
                    execution_ms INTEGER NOT NULL DEFAULT 0,
                    success INTEGER NOT NULL,
                    applied_by TEXT NOT NULL,
                    error TEXT
                );
                CREATE INDEX IF NOT EXISTS \"{plain}_version_idx\" ON {table} (version, id);
                CREATE TABLE IF NOT EXISTS {meta} (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                INSERT OR IGNORE INTO {meta} (key, value) VALUES ('format_version', '{HISTORY_FORMAT_VERSION}');",
                table = self.table,
                meta = self.meta,
                plain = self.plain_table,
            );
            self.locked("creating the history table", |conn| {
                conn.execute_batch(&ddl)
            })?;
        }
        let found: String = self
            .conn
            .query_row(
                &format!(
                    "SELECT value FROM {} WHERE key = 'format_version'",
                    self.meta
                ),
                [],
                |row| row.get(0),
            )
            .map_err(self.fail("reading the history format"))?;
        check_format(&found, &self.plain_table)
    }

    async fn run_script(&mut self, run: &ScriptRun<'_>) -> Result<ScriptOutcome, EngineError> {
        let span = script_span(run);
        let _entered = span.enter();
        let latest = self.lock_and_read(run.version)?;
        match history_verdict(run, latest.as_ref()) {
            HistoryVerdict::Skip => {
                self.rollback();
                Ok(ScriptOutcome::AlreadyDone)
            }
            HistoryVerdict::Dirty => {
                self.rollback();
                Err(EngineError::Dirty {
                    version: run.version.to_owned(),
                })
            }
            HistoryVerdict::Run if run.transactional() => self.run_in_transaction(run),
            HistoryVerdict::Run => self.run_without_transaction(run),
        }
    }

    async fn clear_dirty(&mut self) -> Result<Vec<String>, EngineError> {
        let table = &self.table;
        self.locked("clearing dirty records", |conn| {
            let mut select =
                conn.prepare(&format!("SELECT version FROM {table} WHERE success = 0"))?;
            let versions = select
                .query_map([], |row| row.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()?;
            conn.execute(&format!("DELETE FROM {table} WHERE success = 0"), [])?;
            Ok(versions)
        })
    }

    async fn mark_applied(&mut self, version: &str) -> Result<bool, EngineError> {
        let sql = format!(
            "UPDATE {t} SET success = 1, error = NULL WHERE success = 0 AND id = (SELECT max(id) FROM {t} WHERE version = ?1)",
            t = self.table
        );
        self.locked("marking a version applied", |conn| {
            conn.execute(&sql, [version]).map(|n| n > 0)
        })
    }

    async fn set_checksum(&mut self, version: &str, checksum: &str) -> Result<(), EngineError> {
        let sql = format!(
            "UPDATE {t} SET checksum = ?1 WHERE id = (SELECT max(id) FROM {t} WHERE version = ?2)",
            t = self.table
        );
        self.locked("updating a checksum", |conn| {
            conn.execute(&sql, [checksum, version]).map(drop)
        })
    }

    async fn schema_snapshot(&mut self) -> Result<Vec<String>, EngineError> {
        let read = || -> rusqlite::Result<Vec<String>> {
            let mut statement = self.conn.prepare(SNAPSHOT)?;
            let lines = statement.query_map([], |row| row.get::<_, String>(0))?;
            lines.collect()
        };
        let lines = read().map_err(self.fail("reading the schema"))?;
        Ok(lines
            .into_iter()
            .filter(|line| !mentions_history(line, &self.plain_table))
            .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect())
    }
}

/// One line per table, column, foreign key, index, view and trigger, sorted.
const SNAPSHOT: &str = r#"
SELECT line FROM (
    SELECT 'table ' || name AS line FROM sqlite_master
    WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
    UNION ALL
    SELECT 'column ' || m.name || '.' || p.name || ' ' || p.type
        || CASE WHEN p."notnull" THEN ' not null' ELSE '' END
        || coalesce(' default ' || p.dflt_value, '')
        || CASE WHEN p.pk > 0 THEN ' pk' || p.pk ELSE '' END
    FROM sqlite_master m JOIN pragma_table_info(m.name) p
    WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
    UNION ALL
    SELECT 'foreign key ' || m.name || '.' || f."from" || ' -> ' || f."table" || '.'
        || coalesce(f."to", '') || ' on delete ' || f.on_delete
    FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f
    WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
    UNION ALL
    SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_master
    WHERE type IN ('index', 'view', 'trigger') AND name NOT LIKE 'sqlite_%'
) ORDER BY line
"#;

fn elapsed_ms(started: Instant) -> i64 {
    i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX)
}
