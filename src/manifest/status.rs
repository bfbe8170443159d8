//! Builds the status objects the operator would write, from plans, run reports and failures.

use crate::api::{
    AppliedMigrationStatus, ConfigSyncStatus, DatabaseMigrationStatus, FailureStatus,
    LintFindingStatus, Outcome, Reason, SyncFailure, SyncTableStatus, first_line, now,
    set_outcome_conditions,
};
use crate::engine::MigrationFailure;
use crate::plan::lint::{Finding, Severity};
use crate::plan::{MigrationState, Plan};
use crate::source::Version;
use crate::sync::SyncReport;

/// How many applied migrations `status.lastApplied` keeps.
const LAST_APPLIED: usize = 10;

/// The status of a DatabaseMigration after planning (and possibly applying).
pub fn migration_status(
    plan: &Plan,
    target: Option<&Version>,
    findings: &[Finding],
    failure: Option<FailureStatus>,
    outcome: &Outcome,
    generation: Option<i64>,
) -> DatabaseMigrationStatus {
    let pending = plan.to_apply(target).count();
    let mut applied: Vec<&crate::plan::PlanEntry> = plan
        .entries
        .iter()
        .filter(|e| e.state == MigrationState::Applied)
        .collect();
    applied.sort_by(|a, b| {
        b.applied_at
            .cmp(&a.applied_at)
            .then(b.version.cmp(&a.version))
    });
    let message = match outcome {
        Outcome::Ready => format!("{} applied, up to date", plan.applied_count()),
        Outcome::WouldChange => format!("{pending} to apply"),
        Outcome::Progressing { message, .. }
        | Outcome::Blocked { message, .. }
        | Outcome::Failed { message, .. } => first_line(message),
    };
    let mut status = DatabaseMigrationStatus {
        observed_generation: generation,
        phase: outcome.phase(),
        current_version: plan.current_version().map(str::to_owned),
        target_version: target
            .map(|t| t.as_str().to_owned())
            .or_else(|| plan.latest_version().map(str::to_owned)),
        applied: count(plan.applied_count()),
        pending: count(pending),
        last_applied: applied
            .into_iter()
            .take(LAST_APPLIED)
            .map(|e| AppliedMigrationStatus {
                version: e.version.clone(),
                name: e.name.clone(),
                checksum: e.checksum.clone().unwrap_or_default(),
                applied_at: e.applied_at.clone().unwrap_or_default(),
                duration_ms: e.execution_ms.unwrap_or_default(),
            })
            .collect(),
        failure,
        lint_findings: findings.iter().map(lint_finding).collect(),
        message: Some(message.clone()),
        conditions: Vec::new(),
        input_hash: None,
    };
    set_outcome_conditions(
        &mut status.conditions,
        outcome,
        Reason::Applied,
        &message,
        generation,
        &now(),
    );
    status
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn lint_finding(finding: &Finding) -> LintFindingStatus {
    LintFindingStatus {
        version: finding.version.clone(),
        file: finding.path.display().to_string(),
        line: u32::try_from(finding.line).unwrap_or(u32::MAX),
        rule: finding.rule.clone(),
        severity: match finding.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
        .to_owned(),
        message: finding.message.clone(),
        blocking: finding.blocking(),
    }
}

/// `status.failure` of a failed migration script.
pub fn script_failure(failure: &MigrationFailure) -> FailureStatus {
    FailureStatus {
        reason: Reason::MigrationFailed.as_str().to_owned(),
        version: Some(failure.version.clone()),
        file: Some(failure.path.display().to_string()),
        line: failure.line.and_then(|l| u32::try_from(l).ok()),
        column: failure.column.and_then(|c| u32::try_from(c).ok()),
        sqlstate: failure.sqlstate.clone(),
        message: failure.message.clone(),
        attempt: 1,
        time: Some(now().0.to_string()),
    }
}

/// The status of a ConfigSync after a sync (or a dry run).
pub fn sync_status(
    report: Option<&SyncReport>,
    failure: Option<SyncFailure>,
    outcome: &Outcome,
    generation: Option<i64>,
) -> ConfigSyncStatus {
    let tables: Vec<SyncTableStatus> = report.map(|r| r.tables.clone()).unwrap_or_default();
    let changes: u64 = tables
        .iter()
        .map(|t| t.inserted + t.updated + t.deleted)
        .sum();
    let message = match outcome {
        Outcome::Ready => format!(
            "{} rows in sync, {changes} written",
            tables.iter().map(|t| t.desired).sum::<u64>()
        ),
        Outcome::WouldChange => format!("{changes} row changes to write"),
        Outcome::Progressing { message, .. }
        | Outcome::Blocked { message, .. }
        | Outcome::Failed { message, .. } => first_line(message),
    };
    let mut status = ConfigSyncStatus {
        observed_generation: generation,
        phase: outcome.phase(),
        rows: tables.iter().map(|t| t.desired).sum(),
        drift_detected: tables.iter().any(|t| t.drift_detected),
        tables,
        source_hash: report.map(|r| r.source_hash.clone()),
        last_sync_time: report
            .filter(|_| *outcome == Outcome::Ready)
            .map(|r| r.synced_at.clone()),
        failure,
        message: Some(message.clone()),
        conditions: Vec::new(),
        input_hash: None,
    };
    set_outcome_conditions(
        &mut status.conditions,
        outcome,
        Reason::Synced,
        &message,
        generation,
        &now(),
    );
    status
}
