//! `verify-rollback`: up all, down all, up all again on a scratch database, comparing schemas.

use serde::Serialize;

use super::dialect::Dialect;
use super::dialect::ScriptOutcome;
use super::error::EngineError;
use super::runner::{Progress, RunError, RunReport, down_script, up_script};
use crate::source::MigrationSet;

/// The first migration whose down script does not restore the schema before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RollbackProblem {
    /// Version.
    pub version: String,
    /// Name.
    pub name: String,
    /// `down` (its down left a different schema) or `reapply` (up after down differs).
    pub phase: &'static str,
    /// Schema lines expected but missing.
    pub missing: Vec<String>,
    /// Schema lines present but not expected.
    pub unexpected: Vec<String>,
}

/// The verdict of a rollback check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RollbackReport {
    /// Migrations checked.
    pub checked: usize,
    /// The first problem found, if any.
    pub problem: Option<RollbackProblem>,
}

/// Applies every migration, reverts them all newest first, applies them all again, and
/// compares the schema after each down with the one before the matching up (and after each
/// re-apply with the first apply). `db` must be an empty scratch database.
pub async fn verify_rollback(
    db: &mut dyn Dialect,
    set: &MigrationSet,
    on_progress: &mut dyn FnMut(Progress<'_>),
) -> Result<RollbackReport, RunError> {
    let fail = |error: EngineError| RunError {
        report: RunReport::default(),
        error,
    };
    let migrations = &set.migrations;
    if let Some(missing) = migrations.iter().find(|m| m.down.is_none()) {
        return Err(fail(EngineError::Irreversible {
            version: missing.version.to_string(),
            name: missing.name.clone(),
        }));
    }
    db.ensure_history().await.map_err(fail)?;
    let mut snapshots = vec![db.schema_snapshot().await.map_err(fail)?];
    let total = migrations.len() * 3;
    let mut index = 0;
    for migration in migrations {
        index += 1;
        run_one(db, &up_script(migration), index, total, on_progress)
            .await
            .map_err(fail)?;
        snapshots.push(db.schema_snapshot().await.map_err(fail)?);
    }
    for (i, migration) in migrations.iter().enumerate().rev() {
        index += 1;
        if let Some(run) = down_script(migration) {
            run_one(db, &run, index, total, on_progress)
                .await
                .map_err(fail)?;
        }
        let now = db.schema_snapshot().await.map_err(fail)?;
        if let Some(problem) = compare(&snapshots[i], &now, migration, "down") {
            return Ok(RollbackReport {
                checked: migrations.len() - i,
                problem: Some(problem),
            });
        }
    }
    for (i, migration) in migrations.iter().enumerate() {
        index += 1;
        run_one(db, &up_script(migration), index, total, on_progress)
            .await
            .map_err(fail)?;
        let now = db.schema_snapshot().await.map_err(fail)?;
        if let Some(problem) = compare(&snapshots[i + 1], &now, migration, "reapply") {
            return Ok(RollbackReport {
                checked: migrations.len(),
                problem: Some(problem),
            });
        }
    }
    Ok(RollbackReport {
        checked: migrations.len(),
        problem: None,
    })
}

async fn run_one(
    db: &mut dyn Dialect,
    run: &super::dialect::ScriptRun<'_>,
    index: usize,
    total: usize,
    on_progress: &mut dyn FnMut(Progress<'_>),
) -> Result<ScriptOutcome, EngineError> {
    on_progress(Progress::Starting {
        index,
        total,
        script: run,
    });
    let outcome = db.run_script(run).await?;
    on_progress(Progress::Finished {
        script: run,
        outcome,
    });
    Ok(outcome)
}

fn compare(
    expected: &[String],
    actual: &[String],
    migration: &crate::source::Migration,
    phase: &'static str,
) -> Option<RollbackProblem> {
    let missing: Vec<String> = expected
        .iter()
        .filter(|l| !actual.contains(l))
        .cloned()
        .collect();
    let unexpected: Vec<String> = actual
        .iter()
        .filter(|l| !expected.contains(l))
        .cloned()
        .collect();
    (!missing.is_empty() || !unexpected.is_empty()).then(|| RollbackProblem {
        version: migration.version.to_string(),
        name: migration.name.clone(),
        phase,
        missing,
        unexpected,
    })
}
