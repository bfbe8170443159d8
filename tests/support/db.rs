//! A test database (SQLite file or PostgreSQL database) with the engine calls the tests make,
//! and the tests' own look at it (tables, values) that does not go through the engine.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use dbmigrate::engine::{
    self, AppliedMigration, DatabaseUrl, Dialect, EngineError, EngineSettings, HistoryTable,
    MigrationFailure, Progress, RunError, RunReport, Timeouts,
};
use dbmigrate::plan::{DatabaseKind, HistoryRecord, Plan, PlanOverrides, RecordKind};
use dbmigrate::source::{MigrationSet, Version};
use rusqlite::types::ValueRef;
use tempfile::TempDir;

use super::postgres;

/// A database the tests migrate, with the settings of the runs against it.
#[derive(Clone)]
pub struct TestDb {
    /// Where it is.
    pub url: DatabaseUrl,
    /// History table and timeouts of every run.
    pub settings: EngineSettings,
    _dir: Option<Arc<TempDir>>,
}

impl TestDb {
    /// A new SQLite file in a temporary directory.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("creating a directory for the SQLite file");
        let url = DatabaseUrl::Sqlite(dir.path().join("forum.db"));
        Self::new(url, Some(Arc::new(dir)))
    }

    /// An existing SQLite file.
    pub fn sqlite_at(path: PathBuf) -> Self {
        Self::new(DatabaseUrl::Sqlite(path), None)
    }

    /// A new, empty database on the test binary's PostgreSQL server.
    pub async fn postgres() -> Self {
        Self::postgres_at(postgres::fresh_database().await)
    }

    /// An existing PostgreSQL database.
    pub fn postgres_at(url: String) -> Self {
        Self::new(DatabaseUrl::Postgres(url), None)
    }

    fn new(url: DatabaseUrl, dir: Option<Arc<TempDir>>) -> Self {
        let settings = EngineSettings {
            // Bounded well below the defaults so a hang fails the test instead of stalling it.
            timeouts: Timeouts {
                connect: Duration::from_secs(10),
                lock: Duration::from_secs(30),
                statement: Duration::from_secs(120),
            },
            history: HistoryTable::default(),
        };
        Self {
            url,
            settings,
            _dir: dir,
        }
    }

    /// Which database this is.
    pub fn kind(&self) -> DatabaseKind {
        self.url.kind()
    }

    /// The SQLite file.
    pub fn sqlite_path(&self) -> PathBuf {
        match &self.url {
            DatabaseUrl::Sqlite(path) => path.clone(),
            DatabaseUrl::Postgres(_) => panic!("not a SQLite database"),
        }
    }

    /// The PostgreSQL URL.
    pub fn postgres_url(&self) -> &str {
        match &self.url {
            DatabaseUrl::Postgres(url) => url,
            DatabaseUrl::Sqlite(_) => panic!("not a PostgreSQL database"),
        }
    }

    /// The same database, recording into another history table (`[schema.]table`).
    pub fn with_history(&self, table: &str) -> Self {
        let mut other = self.clone();
        other.settings.history = HistoryTable::parse(table).expect("a valid history table name");
        other
    }

    /// The same database with other timeouts.
    pub fn with_timeouts(&self, change: impl FnOnce(&mut Timeouts)) -> Self {
        let mut other = self.clone();
        change(&mut other.settings.timeouts);
        other
    }

    /// A new engine connection.
    pub async fn connect(&self) -> Box<dyn Dialect> {
        engine::connect(&self.url, &self.settings)
            .await
            .unwrap_or_else(|e| panic!("connecting to {:?}: {e}", self.url))
    }

    /// The history table's rows (empty before the first run).
    pub async fn history(&self) -> Vec<HistoryRecord> {
        self.connect()
            .await
            .read_history()
            .await
            .expect("reading the history table")
    }

    /// The plan of `set` against this database.
    pub async fn plan(&self, set: &MigrationSet) -> Plan {
        Plan::build(set, &self.history().await)
    }

    /// Plans and applies `set` up to `to` (all when `None`) on a new connection, as a run does.
    pub async fn apply(&self, set: &MigrationSet, to: Option<&str>) -> Result<RunReport, RunError> {
        self.apply_with(set, to, &mut |_| {}).await
    }

    /// [`Self::apply`], reporting progress.
    pub async fn apply_with(
        &self,
        set: &MigrationSet,
        to: Option<&str>,
        on_progress: &mut dyn FnMut(Progress<'_>),
    ) -> Result<RunReport, RunError> {
        let mut db = self.connect().await;
        let plan = Plan::build(
            set,
            &db.read_history().await.expect("reading the history table"),
        );
        let target = to.map(|v| Version::parse(v).expect("a valid target version"));
        engine::apply(&mut *db, set, &plan, target.as_ref(), on_progress).await
    }

    /// [`Self::apply`] for runs that must pass the plan's checks and succeed.
    pub async fn apply_ok(&self, set: &MigrationSet, to: Option<&str>) -> RunReport {
        let problems = self.plan(set).await.problems(PlanOverrides::default());
        assert!(problems.is_empty(), "the plan has problems: {problems:?}");
        self.apply(set, to)
            .await
            .unwrap_or_else(|e| panic!("apply failed: {e}"))
    }

    /// Reverts applied migrations of `set` above `to` on a new connection.
    pub async fn down(&self, set: &MigrationSet, to: Option<&str>) -> Result<RunReport, RunError> {
        let mut db = self.connect().await;
        let plan = Plan::build(
            set,
            &db.read_history().await.expect("reading the history table"),
        );
        let target = to.map(|v| Version::parse(v).expect("a valid target version"));
        engine::down(&mut *db, set, &plan, target.as_ref(), &mut |_| {}).await
    }

    /// The user's tables, sorted (`schema.table` outside PostgreSQL's `public`).
    pub async fn tables(&self) -> Vec<String> {
        let sql = match self.kind() {
            DatabaseKind::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            }
            DatabaseKind::Postgres => {
                "SELECT CASE WHEN schemaname = 'public' THEN tablename ELSE schemaname || '.' || tablename END AS name \
                 FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY name"
            }
        };
        self.rows(sql)
            .await
            .into_iter()
            .map(|mut row| row.swap_remove(0))
            .collect()
    }

    /// The columns of a table, in order.
    pub async fn columns(&self, table: &str) -> Vec<String> {
        let sql = match self.kind() {
            DatabaseKind::Sqlite => {
                format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid")
            }
            DatabaseKind::Postgres => format!(
                "SELECT attname FROM pg_attribute WHERE attrelid = '{table}'::regclass \
                 AND attnum > 0 AND NOT attisdropped ORDER BY attnum"
            ),
        };
        self.rows(&sql)
            .await
            .into_iter()
            .map(|mut row| row.swap_remove(0))
            .collect()
    }

    /// The value of the first column of the first row, as text (`NULL` for null).
    pub async fn scalar(&self, sql: &str) -> String {
        let rows = self.rows(sql).await;
        let row = rows
            .first()
            .unwrap_or_else(|| panic!("`{sql}` returned no row"));
        row[0].clone()
    }

    /// Every row of a query, each value as text (`NULL` for null), outside the engine.
    pub async fn rows(&self, sql: &str) -> Vec<Vec<String>> {
        match &self.url {
            DatabaseUrl::Sqlite(path) => {
                let conn = rusqlite::Connection::open(path).expect("opening the SQLite file");
                let mut statement = conn.prepare(sql).unwrap_or_else(|e| panic!("`{sql}`: {e}"));
                let columns = statement.column_count();
                let rows = statement.query_map([], |row| {
                    (0..columns)
                        .map(|i| row.get_ref(i).map(sqlite_text))
                        .collect::<rusqlite::Result<Vec<_>>>()
                });
                rows.and_then(Iterator::collect)
                    .unwrap_or_else(|e| panic!("`{sql}`: {e}"))
            }
            DatabaseUrl::Postgres(url) => {
                let client = postgres::client(url).await;
                let messages = client
                    .simple_query(sql)
                    .await
                    .unwrap_or_else(|e| panic!("`{sql}`: {e}"));
                messages
                    .iter()
                    .filter_map(|m| match m {
                        tokio_postgres::SimpleQueryMessage::Row(row) => Some(
                            (0..row.len())
                                .map(|i| row.get(i).unwrap_or("NULL").to_owned())
                                .collect(),
                        ),
                        _ => None,
                    })
                    .collect()
            }
        }
    }

    /// Runs SQL outside the engine (what an operator does by hand).
    pub async fn execute(&self, sql: &str) {
        match &self.url {
            DatabaseUrl::Sqlite(path) => {
                let conn = rusqlite::Connection::open(path).expect("opening the SQLite file");
                conn.execute_batch(sql)
                    .unwrap_or_else(|e| panic!("`{sql}`: {e}"));
            }
            DatabaseUrl::Postgres(url) => {
                let client = postgres::client(url).await;
                client
                    .batch_execute(sql)
                    .await
                    .unwrap_or_else(|e| panic!("`{sql}`: {e}"));
            }
        }
    }
}

fn sqlite_text(value: ValueRef<'_>) -> String {
    match value {
        ValueRef::Null => "NULL".to_owned(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => f.to_string(),
        ValueRef::Text(t) | ValueRef::Blob(t) => String::from_utf8_lossy(t).into_owned(),
    }
}

/// A single-threaded runtime for a thread of its own (the tests' runners on threads).
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("building a tokio runtime")
}

/// The versions of the scripts a run applied (or reverted), in order.
pub fn versions(applied: &[AppliedMigration]) -> Vec<&str> {
    applied.iter().map(|m| m.version.as_str()).collect()
}

/// The migration failure a run stopped with; panics on any other outcome.
pub fn migration_failure(result: Result<RunReport, RunError>) -> (RunReport, MigrationFailure) {
    match result {
        Err(RunError {
            report,
            error: EngineError::MigrationFailed(failure),
        }) => (report, *failure),
        Err(RunError { error, .. }) => panic!("expected a migration failure, got {error:?}"),
        Ok(report) => panic!("expected a migration failure, the run succeeded: {report:?}"),
    }
}

/// Asserts that the history records each of `expected` exactly once, as applied, and nothing
/// else: no failed rows, no reverts, no other versions.
pub fn assert_applied_once(history: &[HistoryRecord], expected: &[&str]) {
    let recorded: Vec<&str> = history.iter().map(|r| r.version.as_str()).collect();
    assert_eq!(recorded, expected, "history versions in insertion order");
    for record in history {
        assert!(
            record.success && record.kind != RecordKind::Down,
            "version {} is recorded as {:?} (success {}): {:?}",
            record.version,
            record.kind,
            record.success,
            record.error
        );
    }
}
