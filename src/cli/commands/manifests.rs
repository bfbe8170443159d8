//! `apply -f`, `plan -f`, `status -f`: run manifests locally and print their statuses;
//! `repair -f`: repair the history of their DatabaseMigrations.

use std::path::Path;

use serde_json::json;

use crate::api::{Outcome, Reason};
use crate::cli::args::{CheckArgs, DatabaseArgs, ManifestArgs};
use crate::cli::error::{CliError, reason_exit_code};
use crate::cli::output::{Output, Table, Tone};
use crate::engine::{DatabaseUrl, Migrator, Progress};
use crate::manifest::{
    self, AnyStatus, Bundle, Defaults, Mode, Prepared, ResourceId, ResourceKind, ResourceResult,
    Work,
};

/// Reads, resolves and runs the manifests; prints `kubectl get`-style tables (or the
/// resources with their statuses as JSON/YAML).
pub async fn run(
    database: &DatabaseArgs,
    args: &ManifestArgs,
    checks: &CheckArgs,
    to: Option<&str>,
    mode: Mode,
    output: &Output,
) -> Result<(), CliError> {
    if to.is_some() {
        return Err(CliError::Usage(
            "--to does not combine with -f: set spec.targetVersion in the DatabaseMigration".into(),
        ));
    }
    let prepared = prepare(database, args, checks)?;
    let overrides = checks.overrides();
    let mut progress = |id: &ResourceId, progress: Progress<'_>| {
        let prefix = format!("{}/{}: ", id.kind.as_str().to_lowercase(), id.name);
        output.migration_progress(&prefix, progress);
    };
    let results = manifest::execute(&prepared, mode, overrides, &mut progress).await;
    output.document(&as_list(&results));
    print_tables(output, &results);
    print_problems(output, &results);
    verdict(&results, mode)
}

/// Reads the manifests and resolves every resource (nothing runs yet).
fn prepare(
    database: &DatabaseArgs,
    args: &ManifestArgs,
    checks: &CheckArgs,
) -> Result<Vec<Prepared>, CliError> {
    let documents = manifest::read_inputs(&args.files)?;
    let bundle = Bundle::from_documents(documents, &args.namespace)?;
    let defaults = Defaults {
        database_url: database
            .database_url
            .as_deref()
            .map(DatabaseUrl::parse)
            .transpose()?,
        settings: super::engine_settings(&database.engine)?,
        lint: checks.lint_policy(),
    };
    Ok(manifest::prepare(&bundle, &defaults)?)
}

/// Which DatabaseMigrations `repair -f` touches, and how.
#[derive(Debug, Clone, Copy)]
pub struct Selection<'a> {
    /// Only this one (by name).
    pub resource: Option<&'a str>,
    /// Mark this dirty version applied instead of clearing dirty records.
    pub mark_applied: Option<&'a str>,
}

/// `repair -f`: repairs the history of the manifests' DatabaseMigrations.
pub async fn repair(
    database: &DatabaseArgs,
    args: &ManifestArgs,
    selection: Selection<'_>,
    output: &Output,
) -> Result<(), CliError> {
    let prepared = prepare(database, args, &CheckArgs::default())?;
    let chosen: Vec<&Prepared> = prepared
        .iter()
        .filter(|p| matches!(p.work, Work::Migrate(_)))
        .filter(|p| selection.resource.is_none_or(|name| p.id.name == name))
        .collect();
    if chosen.is_empty() {
        return Err(CliError::Usage(match selection.resource {
            Some(name) => format!("no DatabaseMigration named {name} in the manifests"),
            None => "no DatabaseMigration in the manifests".into(),
        }));
    }
    if selection.mark_applied.is_some() && chosen.len() > 1 {
        return Err(CliError::Usage(
            "--mark-applied names a version of one DatabaseMigration: add --resource <name>".into(),
        ));
    }
    let mut report = Vec::new();
    for resource in chosen {
        let Work::Migrate(work) = &resource.work else {
            continue;
        };
        let set = &work.source.set;
        let mut migrator = Migrator::connect(&resource.url, &resource.settings, set).await?;
        let changes = super::repair::repair(&mut migrator, selection.mark_applied).await?;
        if changes.is_empty() {
            output.line(&format!("{}: nothing to repair", resource.id));
        }
        for change in &changes {
            output.line(&format!("{}: {change}", resource.id));
        }
        report.push(json!({ "resource": resource.id.to_string(), "changes": changes }));
    }
    output.document(&json!({ "repaired": report }));
    Ok(())
}

/// The resources with their statuses, as `kubectl get -o json` prints a list.
fn as_list(results: &[ResourceResult]) -> serde_json::Value {
    let items: Vec<serde_json::Value> = results
        .iter()
        .map(|r| {
            json!({
                "apiVersion": crate::api::API_VERSION,
                "kind": r.id.kind.as_str(),
                "metadata": { "name": r.id.name, "namespace": r.id.namespace },
                "status": r.status,
            })
        })
        .collect();
    json!({ "apiVersion": "v1", "kind": "List", "items": items })
}

fn tone(outcome: &Outcome) -> Tone {
    match outcome {
        Outcome::Ready => Tone::Good,
        Outcome::WouldChange | Outcome::Progressing { .. } | Outcome::Blocked { .. } => Tone::Warn,
        Outcome::Failed { .. } => Tone::Bad,
    }
}

fn print_tables(output: &Output, results: &[ResourceResult]) {
    let plain = |text: String| (text, Tone::Plain);
    let mut migrations = Table::new(&["NAME", "PHASE", "VERSION", "APPLIED", "PENDING", "MESSAGE"]);
    let mut syncs = Table::new(&["NAME", "PHASE", "ROWS", "LAST SYNC", "MESSAGE"]);
    for result in results {
        let name = format!(
            "{}/{}",
            result.id.kind.as_str().to_lowercase(),
            result.id.name
        );
        let phase = (
            format!("{:?}", result.outcome.phase()),
            tone(&result.outcome),
        );
        match &result.status {
            AnyStatus::Migration(status) => migrations.row(vec![
                plain(name),
                phase,
                plain(status.current_version.clone().unwrap_or_else(|| "-".into())),
                plain(status.applied.to_string()),
                plain(status.pending.to_string()),
                plain(status.message.clone().unwrap_or_default()),
            ]),
            AnyStatus::Sync(status) => syncs.row(vec![
                plain(name),
                phase,
                plain(status.rows.to_string()),
                plain(status.last_sync_time.clone().unwrap_or_else(|| "-".into())),
                plain(status.message.clone().unwrap_or_default()),
            ]),
        }
    }
    let has = |kind| results.iter().any(|r| r.id.kind == kind);
    if has(ResourceKind::DatabaseMigration) {
        output.line(&migrations.render(output));
    }
    if has(ResourceKind::DatabaseMigration) && has(ResourceKind::ConfigSync) {
        output.line("");
    }
    if has(ResourceKind::ConfigSync) {
        output.line(&syncs.render(output));
    }
}

fn print_problems(output: &Output, results: &[ResourceResult]) {
    for result in results {
        if let AnyStatus::Migration(status) = &result.status {
            for finding in &status.lint_findings {
                let severity = if finding.blocking {
                    output.paint("error", Tone::Bad)
                } else {
                    output.paint("warning", Tone::Warn)
                };
                output.line(&format!(
                    "{}: {}:{}: {severity}[{}] {}",
                    result.id,
                    Path::new(&finding.file).display(),
                    finding.line,
                    finding.rule,
                    finding.message
                ));
            }
        }
        if let Outcome::Failed { message, .. } | Outcome::Blocked { message, .. } = &result.outcome
        {
            output.line(&format!(
                "{} {} ({}): {message}",
                output.paint("not ready:", tone(&result.outcome)),
                result.id,
                result.database
            ));
        }
    }
}

/// Ok when every resource is Ready; in a dry run, also when it would run (resources waiting
/// for a dependency that has pending work are fine there).
fn verdict(results: &[ResourceResult], mode: Mode) -> Result<(), CliError> {
    let not_ready: Vec<(&ResourceResult, Reason)> = results
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Failed { reason, .. } => Some((r, *reason)),
            Outcome::Blocked {
                reason: Reason::Suspended,
                ..
            } => None,
            Outcome::Blocked {
                reason: Reason::DependencyNotReady,
                ..
            } if mode == Mode::Plan => None,
            Outcome::Blocked { reason, .. } => Some((r, *reason)),
            _ => None,
        })
        .collect();
    let Some(first) = not_ready
        .iter()
        .find(|(_, reason)| *reason != Reason::DependencyNotReady)
        .or(not_ready.first())
    else {
        return Ok(());
    };
    Err(CliError::NotReady {
        not_ready: not_ready
            .iter()
            .map(|(r, reason)| format!("{}: {reason}", r.id))
            .collect(),
        total: results.len(),
        reason: first.1,
        code: reason_exit_code(first.1),
    })
}
