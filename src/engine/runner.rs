//! Running a plan: apply pending versions in order, or revert applied ones down to a version.

use serde::Serialize;
use tracing::info;

use super::dialect::{Dialect, ScriptOutcome, ScriptRun};
use super::error::EngineError;
use crate::plan::{Plan, RecordKind, checksum};
use crate::source::{Migration, MigrationKind, MigrationSet, Script, Version};

/// A script that ran and was recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedMigration {
    /// Version.
    pub version: String,
    /// Name.
    pub name: String,
    /// What was recorded (`schema`, `data` or `down`).
    pub kind: RecordKind,
    /// How long the script ran.
    pub execution_ms: i64,
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RunReport {
    /// Scripts that ran, in order.
    pub applied: Vec<AppliedMigration>,
    /// Versions a concurrent run had already done when this run got the lock.
    pub skipped: Vec<String>,
}

/// A run that stopped: what it did before, and why it stopped.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct RunError {
    /// What was applied before the failure (it stays applied).
    pub report: RunReport,
    /// The failure.
    #[source]
    pub error: EngineError,
}

/// Progress of a run, for progress lines.
#[derive(Debug, Clone, Copy)]
pub enum Progress<'a> {
    /// A script is about to run.
    Starting {
        /// 1-based position in this run.
        index: usize,
        /// Scripts in this run.
        total: usize,
        /// The script.
        script: &'a ScriptRun<'a>,
    },
    /// A script finished.
    Finished {
        /// The script.
        script: &'a ScriptRun<'a>,
        /// What happened.
        outcome: ScriptOutcome,
    },
}

/// Applies the plan's pending migrations (up to `target`) in version order, checking nothing
/// first: the runner under [`super::Migrator::apply`], which checks.
pub async fn apply(
    db: &mut dyn Dialect,
    set: &MigrationSet,
    plan: &Plan,
    target: Option<&Version>,
    on_progress: &mut dyn FnMut(Progress<'_>),
) -> Result<RunReport, RunError> {
    let migrations: Vec<&Migration> = plan
        .to_apply(target)
        .filter_map(|entry| entry.parsed_version().and_then(|v| set.get(v)))
        .collect();
    let runs: Vec<ScriptRun<'_>> = migrations.iter().map(|m| up_script(m)).collect();
    run_scripts(db, &runs, on_progress).await
}

/// Reverts applied migrations above `to`, newest first, with their down scripts.
pub async fn down(
    db: &mut dyn Dialect,
    set: &MigrationSet,
    plan: &Plan,
    to: Option<&Version>,
    on_progress: &mut dyn FnMut(Progress<'_>),
) -> Result<RunReport, RunError> {
    let mut reverting: Vec<&Migration> = plan
        .entries
        .iter()
        .filter(|e| e.is_applied())
        .filter_map(|e| e.parsed_version())
        .filter(|v| to.is_none_or(|to| *v > to))
        .filter_map(|v| set.get(v))
        .collect();
    reverting.reverse();
    if let Some(missing) = reverting.iter().find(|m| m.down.is_none()) {
        return Err(RunError {
            report: RunReport::default(),
            error: EngineError::Irreversible {
                version: missing.version.to_string(),
                name: missing.name.clone(),
            },
        });
    }
    let runs: Vec<ScriptRun<'_>> = reverting.iter().filter_map(|m| down_script(m)).collect();
    run_scripts(db, &runs, on_progress).await
}

/// The run of a migration's up script.
pub fn up_script(migration: &Migration) -> ScriptRun<'_> {
    script_with(
        migration,
        &migration.up,
        match migration.kind() {
            MigrationKind::Schema => RecordKind::Schema,
            MigrationKind::Data => RecordKind::Data,
        },
    )
}

/// The run of a migration's down script, if it has one.
pub fn down_script(migration: &Migration) -> Option<ScriptRun<'_>> {
    migration
        .down
        .as_ref()
        .map(|down| script_with(migration, down, RecordKind::Down))
}

fn script_with<'a>(
    migration: &'a Migration,
    script: &'a Script,
    record: RecordKind,
) -> ScriptRun<'a> {
    ScriptRun {
        version: migration.version.as_str(),
        name: &migration.name,
        record,
        checksum: checksum(&migration.up),
        script,
    }
}

async fn run_scripts(
    db: &mut dyn Dialect,
    runs: &[ScriptRun<'_>],
    on_progress: &mut dyn FnMut(Progress<'_>),
) -> Result<RunReport, RunError> {
    let mut report = RunReport::default();
    if let Err(error) = db.ensure_history().await {
        return Err(RunError { report, error });
    }
    for (index, run) in runs.iter().enumerate() {
        on_progress(Progress::Starting {
            index: index + 1,
            total: runs.len(),
            script: run,
        });
        let outcome = match db.run_script(run).await {
            Ok(outcome) => outcome,
            Err(error) => return Err(RunError { report, error }),
        };
        match outcome {
            ScriptOutcome::Ran { execution_ms } => {
                info!(
                    version = run.version,
                    name = run.name,
                    execution_ms,
                    "applied"
                );
                report.applied.push(AppliedMigration {
                    version: run.version.to_owned(),
                    name: run.name.to_owned(),
                    kind: run.record,
                    execution_ms,
                });
            }
            ScriptOutcome::AlreadyDone => {
                info!(
                    version = run.version,
                    "already done by a concurrent run; skipped"
                );
                report.skipped.push(run.version.to_owned());
            }
        }
        on_progress(Progress::Finished {
            script: run,
            outcome,
        });
    }
    Ok(report)
}
