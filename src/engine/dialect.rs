//! What every database dialect implements, and the decisions they share.

use async_trait::async_trait;

use super::error::EngineError;
use crate::plan::{DatabaseKind, HistoryRecord, RecordKind};
use crate::source::Script;

/// The format version of the history table this build writes (stored in `<table>_meta`).
pub const HISTORY_FORMAT_VERSION: u32 = 1;

/// One script to run and record: an up script, or a down script reverting a version.
#[derive(Debug, Clone)]
pub struct ScriptRun<'a> {
    /// Version.
    pub version: &'a str,
    /// Name.
    pub name: &'a str,
    /// What the history row records (`schema`/`data` for up, `down` for down).
    pub record: RecordKind,
    /// Checksum of the migration's up script.
    pub checksum: String,
    /// The script to execute.
    pub script: &'a Script,
}

impl ScriptRun<'_> {
    /// Whether the script runs inside a transaction together with its history row.
    pub fn transactional(&self) -> bool {
        !self.script.directives.no_transaction && self.script.command.is_none()
    }
}

/// What happened to a script run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScriptOutcome {
    /// The script ran and was recorded.
    Ran {
        /// Execution time of the script itself.
        execution_ms: i64,
    },
    /// Under the lock the history showed it was already done (by a concurrent run).
    AlreadyDone,
}

/// The latest history row of a version, as read under the lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatestRecord {
    /// Its kind.
    pub kind: RecordKind,
    /// Whether it succeeded.
    pub success: bool,
}

/// What to do with a script run given the version's latest record (read under the lock).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryVerdict {
    /// Run it.
    Run,
    /// It is already in the state the run would produce.
    Skip,
    /// The version is dirty.
    Dirty,
}

/// Decides a script run from the latest record — the one rule all dialects follow.
pub fn history_verdict(run: &ScriptRun<'_>, latest: Option<&LatestRecord>) -> HistoryVerdict {
    let applied = latest.is_some_and(|r| r.success && r.kind != RecordKind::Down);
    match latest {
        Some(r) if !r.success => HistoryVerdict::Dirty,
        _ if (run.record == RecordKind::Down) != applied => HistoryVerdict::Skip,
        _ => HistoryVerdict::Run,
    }
}

/// A connection to one database that can run and record migration scripts.
#[async_trait]
pub trait Dialect: Send {
    /// Which database this is.
    fn kind(&self) -> DatabaseKind;

    /// All history rows in insertion order; empty when the table does not exist yet.
    async fn read_history(&mut self) -> Result<Vec<HistoryRecord>, EngineError>;

    /// Creates the history table (and its meta table) if missing; checks its format version.
    async fn ensure_history(&mut self) -> Result<(), EngineError>;

    /// Runs one script under the migration lock and records it (see `history_verdict`).
    async fn run_script(&mut self, run: &ScriptRun<'_>) -> Result<ScriptOutcome, EngineError>;

    /// Deletes the records of failed (dirty) scripts; returns the versions cleared.
    async fn clear_dirty(&mut self) -> Result<Vec<String>, EngineError>;

    /// Marks a dirty version as applied; returns false when it was not dirty.
    async fn mark_applied(&mut self, version: &str) -> Result<bool, EngineError>;

    /// Sets the recorded checksum of an applied version's latest record.
    async fn set_checksum(&mut self, version: &str, checksum: &str) -> Result<(), EngineError>;

    /// A canonical, sorted description of the user's schema (history tables excluded).
    async fn schema_snapshot(&mut self) -> Result<Vec<String>, EngineError>;
}

/// Accepts a history format this build understands; anything else is `HistoryTooNew`.
pub fn check_format(found: &str, table: &str) -> Result<(), EngineError> {
    match found.parse::<u32>() {
        Ok(version) if version <= HISTORY_FORMAT_VERSION => Ok(()),
        _ => Err(EngineError::HistoryTooNew {
            table: table.to_owned(),
            found: found.to_owned(),
            supported: HISTORY_FORMAT_VERSION,
        }),
    }
}

/// The tracing span of one script run, with its version, name and kind.
pub fn script_span(run: &ScriptRun<'_>) -> tracing::Span {
    tracing::info_span!(
        "migration",
        version = run.version,
        name = run.name,
        kind = run.record.as_str()
    )
}

/// Whether a schema-snapshot line describes the history table or its meta table (by whole
/// identifiers, so `order_history` survives when the history table is `history`).
pub fn mentions_history(line: &str, table: &str) -> bool {
    const SUFFIXES: [&str; 7] = [
        "",
        "_meta",
        "_id_seq",
        "_pkey",
        "_meta_pkey",
        "_version_idx",
        "_kind_check",
    ];
    line.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .any(|word| {
            word.strip_prefix(table)
                .is_some_and(|suffix| SUFFIXES.contains(&suffix))
        })
}

/// `user@host` of this process, for `applied_by`.
pub fn applied_by() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".into());
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|| "unknown".into());
    format!("{user}@{host}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Directives;

    fn step(record: RecordKind, script: &Script) -> ScriptRun<'_> {
        ScriptRun {
            version: "1",
            name: "n",
            record,
            checksum: "c".into(),
            script,
        }
    }

    #[test]
    fn recognises_history_objects_by_whole_identifier() {
        assert!(mentions_history(
            "relation public.history kind=r",
            "history"
        ));
        assert!(mentions_history(
            "relation public.history_id_seq kind=S",
            "history"
        ));
        assert!(mentions_history("table history_meta", "history"));
        assert!(!mentions_history(
            "relation public.order_history kind=r",
            "history"
        ));
        assert!(!mentions_history(
            "column public.posts.history_id bigint",
            "history"
        ));
    }

    #[test]
    fn decides_from_latest_record() {
        let script = Script {
            path: "1_n.sql".into(),
            sql: "SELECT 1;".into(),
            directives: Directives::default(),
            command: None,
        };
        let up = step(RecordKind::Schema, &script);
        let down = step(RecordKind::Down, &script);
        let rec = |kind, success| LatestRecord { kind, success };
        assert_eq!(history_verdict(&up, None), HistoryVerdict::Run);
        assert_eq!(history_verdict(&down, None), HistoryVerdict::Skip);
        assert_eq!(
            history_verdict(&up, Some(&rec(RecordKind::Schema, true))),
            HistoryVerdict::Skip
        );
        assert_eq!(
            history_verdict(&down, Some(&rec(RecordKind::Data, true))),
            HistoryVerdict::Run
        );
        assert_eq!(
            history_verdict(&up, Some(&rec(RecordKind::Down, true))),
            HistoryVerdict::Run
        );
        assert_eq!(
            history_verdict(&up, Some(&rec(RecordKind::Schema, false))),
            HistoryVerdict::Dirty
        );
    }
}
