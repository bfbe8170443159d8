//! PostgreSQL: transaction-scoped advisory locks, simple-protocol queries, error positions.
//!
//! Locking works through transaction-mode poolers: every script runs in its own transaction
//! that first takes `pg_advisory_xact_lock(<database + history table>)` and re-reads the
//! version's history row under it. The lock ends with the transaction, so nothing can leak on
//! a pooled server connection, and two runners can never both apply a version.

mod address;
pub(crate) mod failure;
mod sql;
mod tls;

use std::time::{Duration, Instant};

use async_trait::async_trait;
use tokio_postgres::{CancelToken, Client, SimpleQueryMessage, SimpleQueryRow};
use tokio_postgres_rustls::MakeRustlsConnect;
use tracing::{Instrument, debug};

use self::failure::{QueryError, migration_failure};
use self::sql::{HistorySql, NewRecord, SNAPSHOT};
use self::tls::TlsSettings;
use super::command::CommandRun;
use super::dialect::{
    Dialect, HistoryVerdict, LatestRecord, ScriptOutcome, ScriptRun, applied_by, check_format,
    history_verdict, mentions_history, script_span,
};
use super::error::EngineError;
use super::settings::{EngineSettings, Timeouts};
use crate::plan::{DatabaseKind, HistoryRecord, RecordKind};
use crate::source::split_statements;

/// A PostgreSQL connection ready to run migrations.
pub struct Postgres {
    client: Client,
    cancel: CancelToken,
    connector: MakeRustlsConnect,
    timeouts: Timeouts,
    sql: HistorySql,
    history_name: String,
    applied_by: String,
}

impl Postgres {
    /// Connects within the connect timeout (name lookup, TCP, greeting and authentication
    /// together); host names are resolved by the engine (`address`), never by libc.
    pub async fn connect(
        url: &str,
        redacted: &str,
        settings: &EngineSettings,
    ) -> Result<Self, EngineError> {
        let tls = TlsSettings::from_url(url, redacted)?;
        let mut config: tokio_postgres::Config =
            tls.url
                .parse()
                .map_err(|e: tokio_postgres::Error| EngineError::InvalidUrl {
                    message: format!("{redacted}: {e}"),
                })?;
        config.ssl_mode(tls.ssl_mode());
        let connector = tls.connector()?;
        if config.get_application_name().is_none() {
            config.application_name("dbmigrate");
        }
        let within = settings.timeouts.connect;
        let deadline = tokio::time::Instant::now() + within;
        address::resolve_hosts(&mut config, redacted, deadline, within).await?;
        config.connect_timeout(within);
        let connecting = config.connect(connector.clone());
        let (client, connection) = tokio::time::timeout_at(deadline, connecting)
            .await
            .map_err(|_| EngineError::ConnectTimeout {
                target: redacted.to_owned(),
                after: settings.timeouts.connect,
            })?
            .map_err(|e| EngineError::Connect {
                target: redacted.to_owned(),
                message: failure::describe(&e),
            })?;
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                debug!(%error, "postgres connection closed");
            }
        });
        Ok(Self {
            cancel: client.cancel_token(),
            connector,
            client,
            timeouts: settings.timeouts,
            sql: HistorySql::new(&settings.history),
            history_name: settings.history.display_name(),
            applied_by: applied_by(),
        })
    }

    /// The client, for the sync engine's parameterised queries inside a transaction that
    /// [`Self::begin_locked`] opened on this connection.
    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    /// Asks the server to cancel this connection's running query (best effort, bounded by
    /// the connect timeout).
    pub(crate) async fn cancel(&self) {
        let cancel = self.cancel.cancel_query(self.connector.clone());
        let _ = tokio::time::timeout(self.timeouts.connect, cancel).await;
    }

    /// The timeouts this connection runs with.
    pub(crate) fn timeouts(&self) -> Timeouts {
        self.timeouts
    }

    /// Opens a transaction with the timeouts set and takes the migration lock in it.
    pub(crate) async fn begin_locked(&self) -> Result<(), EngineError> {
        let sql = self
            .sql
            .begin_locked(self.timeouts.lock, self.timeouts.statement);
        let taken = self.bookkeeping("taking the migration lock", &sql).await;
        if taken.is_err() {
            self.rollback().await;
        }
        taken.map(drop)
    }

    /// Ends the transaction: `COMMIT`, or `ROLLBACK` when `commit` is false.
    pub(crate) async fn finish(&self, commit: bool) -> Result<(), EngineError> {
        if commit {
            self.bookkeeping("committing", "COMMIT").await.map(drop)
        } else {
            self.rollback().await;
            Ok(())
        }
    }

    /// Runs one administrative statement (e.g. `CREATE DATABASE`) outside a transaction.
    pub async fn execute(&self, what: &str, sql: &str) -> Result<(), EngineError> {
        self.bookkeeping(what, sql).await.map(drop)
    }

    /// Sends one simple-protocol message, bounded by the client deadline; cancels on expiry.
    async fn query(&self, sql: &str) -> Result<Vec<SimpleQueryMessage>, QueryError> {
        self.query_within(sql, self.timeouts.client_deadline())
            .await
    }

    async fn query_within(
        &self,
        sql: &str,
        deadline: Duration,
    ) -> Result<Vec<SimpleQueryMessage>, QueryError> {
        match tokio::time::timeout(deadline, self.client.simple_query(sql)).await {
            Ok(result) => result.map_err(QueryError::Db),
            Err(_) => {
                self.cancel().await;
                Err(QueryError::Timeout(deadline))
            }
        }
    }

    /// Runs bookkeeping SQL, turning failures into `EngineError`s that say what was done.
    async fn bookkeeping(&self, what: &str, sql: &str) -> Result<ResultSets, EngineError> {
        self.query(sql)
            .await
            .map(ResultSets::from_messages)
            .map_err(|e| e.into_engine_error(what, &self.history_name, &self.timeouts))
    }

    async fn rollback(&self) {
        if let Err(error) = self.query_within("ROLLBACK", self.timeouts.connect).await {
            debug!(?error, "rollback failed");
        }
    }

    /// Opens a transaction, takes the lock and reads the version's latest record.
    async fn lock_and_read(&self, version: &str) -> Result<Option<LatestRecord>, EngineError> {
        let sql = format!(
            "{} {}",
            self.sql
                .begin_locked(self.timeouts.lock, self.timeouts.statement),
            self.sql.select_latest(version)
        );
        match self.bookkeeping("taking the migration lock", &sql).await {
            Ok(sets) => Ok(sets.last().first().map(|row| LatestRecord {
                kind: RecordKind::parse(row.get(0).unwrap_or_default())
                    .unwrap_or(RecordKind::Schema),
                success: row.get(1) == Some("t"),
            })),
            Err(error) => {
                self.rollback().await;
                Err(error)
            }
        }
    }

    async fn run_in_transaction(&self, run: &ScriptRun<'_>) -> Result<ScriptOutcome, EngineError> {
        let script = run
            .script
            .sql
            .strip_prefix('\u{feff}')
            .unwrap_or(&run.script.sql);
        let started = Instant::now();
        let ran = async {
            self.query(script).await?;
            let execution_ms = elapsed_ms(started);
            let insert = self.sql.insert(&self.new_record(run, execution_ms, true));
            self.query(&format!("{insert}; COMMIT")).await?;
            Ok(execution_ms)
        }
        .await;
        match ran {
            Ok(execution_ms) => Ok(ScriptOutcome::Ran { execution_ms }),
            Err(error) => {
                self.rollback().await;
                Err(migration_failure(
                    run,
                    script,
                    0,
                    error,
                    true,
                    &self.timeouts,
                ))
            }
        }
    }

    async fn run_without_transaction(
        &self,
        run: &ScriptRun<'_>,
    ) -> Result<ScriptOutcome, EngineError> {
        let insert = self.sql.insert(&self.new_record(run, 0, false));
        let claimed = self
            .bookkeeping(
                "recording the start of a non-transactional migration",
                &format!("{insert}; COMMIT"),
            )
            .await;
        let id = match claimed {
            Ok(sets) => sets
                .before_commit()
                .first()
                .and_then(|r| r.get(0))
                .and_then(|id| id.parse::<i64>().ok()),
            Err(error) => {
                self.rollback().await;
                return Err(error);
            }
        }
        .ok_or_else(|| EngineError::Database {
            what: "recording the start of a non-transactional migration".into(),
            message: "INSERT … RETURNING id returned no id".into(),
        })?;
        let started = Instant::now();
        if let Err(failure) = self.execute_without_transaction(run).await {
            // a command that never started leaves no dirty row: nothing ran
            let record = if failure.left_unchanged() {
                self.sql.delete_claim(id)
            } else {
                self.sql.record_error(id, &failure.to_string())
            };
            if let Err(e) = self.query(&record).await {
                debug!(?e, "could not record the failure on the claimed row");
            }
            return Err(failure);
        }
        let execution_ms = elapsed_ms(started);
        self.bookkeeping(
            "recording a finished non-transactional migration",
            &self.sql.finish(id, execution_ms),
        )
        .await?;
        Ok(ScriptOutcome::Ran { execution_ms })
    }

    /// Runs a claimed non-transactional script: its command, or its statements one by one.
    async fn execute_without_transaction(&self, run: &ScriptRun<'_>) -> Result<(), EngineError> {
        if let Some(command) = CommandRun::of(run, self.timeouts.statement) {
            return tokio::task::spawn_blocking(move || command.run())
                .await
                .unwrap_or_else(|e| {
                    Err(EngineError::Database {
                        what: "running a script run".into(),
                        message: e.to_string(),
                    })
                });
        }
        for statement in split_statements(&run.script.sql) {
            if let Err(error) = self.query(statement.sql).await {
                return Err(migration_failure(
                    run,
                    &run.script.sql,
                    statement.offset,
                    error,
                    false,
                    &self.timeouts,
                ));
            }
        }
        Ok(())
    }

    fn new_record<'a>(
        &'a self,
        run: &'a ScriptRun<'a>,
        execution_ms: i64,
        success: bool,
    ) -> NewRecord<'a> {
        NewRecord {
            version: run.version,
            name: run.name,
            checksum: &run.checksum,
            kind: run.record.as_str(),
            execution_ms,
            success,
            applied_by: &self.applied_by,
        }
    }

    /// Runs one statement in a transaction under the migration lock; returns its rows.
    async fn in_locked_transaction(
        &self,
        what: &str,
        sql: &str,
    ) -> Result<Vec<SimpleQueryRow>, EngineError> {
        let begin = self
            .sql
            .begin_locked(self.timeouts.lock, self.timeouts.statement);
        match self
            .bookkeeping(what, &format!("{begin} {sql}; COMMIT"))
            .await
        {
            Ok(mut sets) => Ok(sets
                .0
                .len()
                .checked_sub(2)
                .map(|i| sets.0.swap_remove(i))
                .unwrap_or_default()),
            Err(error) => {
                self.rollback().await;
                Err(error)
            }
        }
    }
}

#[async_trait]
impl Dialect for Postgres {
    fn kind(&self) -> DatabaseKind {
        DatabaseKind::Postgres
    }

    async fn read_history(&mut self) -> Result<Vec<HistoryRecord>, EngineError> {
        let exists = self
            .bookkeeping("checking for the history table", &self.sql.read_format())
            .await?;
        if exists.last().first().and_then(|r| r.get(0)) != Some("t") {
            return Ok(Vec::new());
        }
        let rows = self
            .bookkeeping("reading the history table", &self.sql.select_history())
            .await?;
        rows.last()
            .iter()
            .map(|row| parse_history_row(row, &self.history_name))
            .collect()
    }

    async fn ensure_history(&mut self) -> Result<(), EngineError> {
        let exists = self
            .bookkeeping("checking for the history table", &self.sql.read_format())
            .await?;
        let row = exists.last().first();
        if row.and_then(|r| r.get(0)) != Some("t") || row.and_then(|r| r.get(1)) != Some("1") {
            self.in_locked_transaction("creating the history table", &self.sql.create_tables())
                .await?;
        }
        let format = self
            .bookkeeping("reading the history format", &self.sql.select_format())
            .await?;
        let found = format.last().first().and_then(|r| r.get(0)).unwrap_or("0");
        check_format(found, &self.history_name)
    }

    async fn run_script(&mut self, run: &ScriptRun<'_>) -> Result<ScriptOutcome, EngineError> {
        let span = script_span(run);
        async {
            let latest = self.lock_and_read(run.version).await?;
            match history_verdict(run, latest.as_ref()) {
                HistoryVerdict::Skip => {
                    self.rollback().await;
                    Ok(ScriptOutcome::AlreadyDone)
                }
                HistoryVerdict::Dirty => {
                    self.rollback().await;
                    Err(EngineError::Dirty {
                        version: run.version.to_owned(),
                    })
                }
                HistoryVerdict::Run if run.transactional() => self.run_in_transaction(run).await,
                HistoryVerdict::Run => self.run_without_transaction(run).await,
            }
        }
        .instrument(span)
        .await
    }

    async fn clear_dirty(&mut self) -> Result<Vec<String>, EngineError> {
        let rows = self
            .in_locked_transaction("clearing dirty records", &self.sql.delete_dirty())
            .await?;
        Ok(rows
            .iter()
            .filter_map(|r| r.get(0).map(str::to_owned))
            .collect())
    }

    async fn mark_applied(&mut self, version: &str) -> Result<bool, EngineError> {
        let rows = self
            .in_locked_transaction("marking a version applied", &self.sql.mark_applied(version))
            .await?;
        Ok(!rows.is_empty())
    }

    async fn set_checksum(&mut self, version: &str, checksum: &str) -> Result<(), EngineError> {
        self.in_locked_transaction(
            "updating a checksum",
            &self.sql.set_checksum(version, checksum),
        )
        .await?;
        Ok(())
    }

    async fn schema_snapshot(&mut self) -> Result<Vec<String>, EngineError> {
        let rows = self.bookkeeping("reading the schema", SNAPSHOT).await?;
        let history = self.sql.plain_table();
        Ok(rows
            .last()
            .iter()
            .filter_map(|r| r.get(0))
            .filter(|line| !mentions_history(line, history))
            .map(str::to_owned)
            .collect())
    }
}

/// The rows of each statement of a multi-statement message, in order.
struct ResultSets(Vec<Vec<SimpleQueryRow>>);

impl ResultSets {
    fn from_messages(messages: Vec<SimpleQueryMessage>) -> Self {
        let mut sets = Vec::new();
        let mut current = Vec::new();
        for message in messages {
            match message {
                SimpleQueryMessage::Row(row) => current.push(row),
                SimpleQueryMessage::CommandComplete(_) => sets.push(std::mem::take(&mut current)),
                _ => {}
            }
        }
        Self(sets)
    }

    /// Rows of the last statement.
    fn last(&self) -> &[SimpleQueryRow] {
        self.0.last().map(Vec::as_slice).unwrap_or_default()
    }

    /// Rows of the statement before the final `COMMIT`.
    fn before_commit(&self) -> &[SimpleQueryRow] {
        self.0
            .iter()
            .rev()
            .nth(1)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }
}

fn elapsed_ms(started: Instant) -> i64 {
    i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX)
}

fn parse_history_row(row: &SimpleQueryRow, table: &str) -> Result<HistoryRecord, EngineError> {
    let text = |i: usize| row.get(i).unwrap_or_default().to_owned();
    let kind = RecordKind::parse(&text(4)).ok_or_else(|| EngineError::Database {
        what: format!("reading history table {table}"),
        message: format!("row {} has unknown kind `{}`", text(0), text(4)),
    })?;
    Ok(HistoryRecord {
        id: text(0).parse().unwrap_or_default(),
        version: text(1),
        name: text(2),
        checksum: text(3),
        kind,
        applied_at: text(5),
        execution_ms: text(6).parse().unwrap_or_default(),
        success: text(7) == "t",
        applied_by: text(8),
        error: row.get(9).map(str::to_owned),
    })
}
