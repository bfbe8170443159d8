//! `apply` (run pending migrations) and `plan` (the same checks as a dry run).

use serde::Serialize;

use super::{Folder, Loaded};
use crate::cli::args::CheckArgs;
use crate::cli::error::CliError;
use crate::engine::{self, MigrationFailure, RunReport};
use crate::plan::lint::{Finding, lint_pending};
use crate::plan::{Plan, PlanEntry, PlanProblem};
use crate::source::Version;

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
    let mut loaded = folder.load().await?;
    let (problems, findings) = check(folder, &loaded, target.as_ref(), checks)?;
    report_findings(folder, &findings);
    fail_on(problems, &findings)?;
    let mut progress = folder.progress();
    let result = engine::apply(
        &mut *loaded.db,
        &loaded.set,
        &loaded.plan,
        target.as_ref(),
        &mut progress,
    )
    .await;
    folder.replan(&mut loaded).await?;
    let (report, error) = match result {
        Ok(report) => (report, None),
        Err(run) => (run.report.clone(), Some(run)),
    };
    let failure = error.as_ref().and_then(|e| match &e.error {
        engine::EngineError::MigrationFailed(failure) => Some(failure.as_ref()),
        _ => None,
    });
    let output = &folder.output;
    output.document(&ApplyDocument {
        database: folder.url.redacted(),
        report: &report,
        failure,
        status: &loaded.plan,
    });
    output.line(&format!(
        "{} applied, {} skipped on {}",
        report.applied.len(),
        report.skipped.len(),
        folder.url.redacted()
    ));
    output.status_table(&loaded.plan);
    error.map_or(Ok(()), |e| Err(e.into()))
}

/// Prints what `apply` would run, with problems and lint findings; changes nothing.
pub async fn plan(
    folder: &Folder<'_>,
    to: Option<&str>,
    checks: &CheckArgs,
) -> Result<(), CliError> {
    let target = to.map(Version::parse).transpose()?;
    let loaded = folder.load().await?;
    let (problems, findings) = check(folder, &loaded, target.as_ref(), checks)?;
    let to_apply: Vec<&PlanEntry> = loaded.plan.to_apply(target.as_ref()).collect();
    let output = &folder.output;
    output.document(&PlanDocument {
        database: folder.url.redacted(),
        to_apply: to_apply.clone(),
        problems: &problems,
        findings: &findings,
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
    report_findings(folder, &findings);
    fail_on(problems, &findings)
}

/// Plan problems and lint findings of the migrations a run would apply.
fn check(
    folder: &Folder<'_>,
    loaded: &Loaded,
    target: Option<&Version>,
    checks: &CheckArgs,
) -> Result<(Vec<PlanProblem>, Vec<Finding>), CliError> {
    let policy = checks.lint_policy();
    policy.validate(folder.url.kind())?;
    let problems = loaded.plan.problems(checks.overrides());
    let findings = lint_pending(
        &loaded.plan,
        &loaded.set,
        folder.url.kind(),
        &policy,
        target,
    );
    Ok((problems, findings))
}

fn report_findings(folder: &Folder<'_>, findings: &[Finding]) {
    folder.output.findings(findings);
}

fn fail_on(problems: Vec<PlanProblem>, findings: &[Finding]) -> Result<(), CliError> {
    if !problems.is_empty() {
        return Err(CliError::Plan(problems));
    }
    let blocking = findings.iter().filter(|f| f.blocking()).count();
    if blocking > 0 {
        return Err(CliError::LintBlocked { count: blocking });
    }
    Ok(())
}
