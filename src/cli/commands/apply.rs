//! `apply` (run pending migrations) and `plan` (the same checks as a dry run), both through the
//! engine's [`Migrator`].

use serde::Serialize;

use super::Folder;
use crate::cli::args::CheckArgs;
use crate::cli::error::CliError;
use crate::engine::{ApplyError, Check, MigrationFailure, Migrator, Refusal, RunReport};
use crate::plan::lint::Finding;
use crate::plan::{Plan, PlanEntry, PlanProblem};
use crate::source::{MigrationSet, Version};

#[derive(Serialize)]
struct PlanDocument<'a> {
    database: String,
    to_apply: Vec<&'a PlanEntry>,
    problems: &'a [PlanProblem],
    findings: &'a [Finding],
}

#[derive(Serialize)]
struct ApplyDocument<'a> {
    database: String,
    report: &'a RunReport,
    failure: Option<&'a MigrationFailure>,
    status: &'a Plan,
}

/// Runs every check, then applies pending migrations and prints the status table.
pub async fn apply(
    folder: &Folder<'_>,
    to: Option<&str>,
    checks: &CheckArgs,
) -> Result<(), CliError> {
    let target = to.map(Version::parse).transpose()?;
    let set = folder.files()?;
    let (mut migrator, check) = checked(folder, &set, target.as_ref(), checks).await?;
    folder.output.findings(check.findings());
    let mut progress = folder.progress();
    let result = migrator.apply(&check, target.as_ref(), &mut progress).await;
    let (report, error) = match result {
        Ok(report) => (report, None),
        Err(ApplyError::Refused(refusal)) => return Err(refused(refusal)),
        Err(ApplyError::Run(run)) => (run.report.clone(), Some(run)),
    };
    let failure = error.as_ref().and_then(|e| match &e.error {
        crate::engine::EngineError::MigrationFailed(failure) => Some(failure.as_ref()),
        _ => None,
    });
    let output = &folder.output;
    output.document(&ApplyDocument {
        database: folder.url.redacted(),
        report: &report,
        failure,
        status: migrator.plan(),
    });
    output.line(&format!(
        "{} applied, {} skipped on {}",
        report.applied.len(),
        report.skipped.len(),
        folder.url.redacted()
    ));
    output.status_table(migrator.plan());
    error.map_or(Ok(()), |e| Err(e.into()))
}

/// Prints what `apply` would run, with problems and lint findings; changes nothing.
pub async fn plan(
    folder: &Folder<'_>,
    to: Option<&str>,
    checks: &CheckArgs,
) -> Result<(), CliError> {
    let target = to.map(Version::parse).transpose()?;
    let set = folder.files()?;
    let (migrator, check) = checked(folder, &set, target.as_ref(), checks).await?;
    let to_apply = migrator.pending(target.as_ref());
    let problems = check.refusal().map(Refusal::problems).unwrap_or_default();
    let output = &folder.output;
    output.document(&PlanDocument {
        database: folder.url.redacted(),
        to_apply: to_apply.clone(),
        problems: &problems,
        findings: check.findings(),
    });
    if to_apply.is_empty() {
        output.line(&format!("nothing to apply on {}", folder.url.redacted()));
    } else {
        output.line(&format!(
            "{} migration(s) to apply on {}:",
            to_apply.len(),
            folder.url.redacted()
        ));
        for entry in &to_apply {
            let path = entry
                .path
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            output.line(&format!(
                "  {}  {}  ({}, {path})",
                entry.version,
                entry.name,
                entry.kind.as_str()
            ));
        }
    }
    output.findings(check.findings());
    check.refusal().cloned().map_or(Ok(()), |r| Err(refused(r)))
}

/// Connects and runs the engine's checks of a run of `set` with these flags (the lint
/// policy validated first).
async fn checked<'s>(
    folder: &Folder<'_>,
    set: &'s MigrationSet,
    target: Option<&Version>,
    checks: &CheckArgs,
) -> Result<(Migrator<'s>, Check), CliError> {
    let policy = checks.lint_policy();
    policy.validate(folder.url.kind())?;
    let migrator = folder.connect(set).await?;
    let check = migrator.check(&checks.apply_policy(target, &policy));
    Ok((migrator, check))
}

/// The error of a refused run (the CLI lets migrations without a transaction run).
fn refused(refusal: Refusal) -> CliError {
    match &refusal {
        Refusal::Plan { .. } => CliError::Plan(refusal.problems()),
        Refusal::LintBlocked { count } => CliError::LintBlocked { count: *count },
        Refusal::NonTransactional { path, .. } => CliError::Usage(format!(
            "{} is marked no-transaction, which this run does not allow",
            path.display()
        )),
    }
}
