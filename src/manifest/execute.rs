//! Runs prepared resources in order through the engine and the sync engine; builds statuses.

use std::collections::BTreeSet;

use serde::Serialize;
use tracing::{Instrument, info_span};

use super::bundle::ResourceId;
use super::prepare::{Prepared, Work};
use super::source::LoadedSource;
use super::status::{Outcome, migration_status, other_failure, script_failure, sync_status};
use crate::api::{ConfigSyncStatus, DatabaseMigrationStatus, SyncFailure};
use crate::engine::{self, EngineError, Progress};
use crate::plan::lint::{LintPolicy, lint_pending};
use crate::plan::{Plan, PlanOverrides};
use crate::source::Version;
use crate::sync::{self, SyncRequest};

/// What a run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Apply migrations and sync rows.
    Apply,
    /// Change nothing; report what apply would do (syncs run and roll back).
    Plan,
}

/// A resource's resulting status.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum ResourceStatus {
    /// Of a DatabaseMigration.
    Migration(Box<DatabaseMigrationStatus>),
    /// Of a ConfigSync.
    Sync(Box<ConfigSyncStatus>),
}

/// One resource after the run.
#[derive(Debug, Clone)]
pub struct ResourceResult {
    /// Which resource.
    pub id: ResourceId,
    /// Its database, password redacted.
    pub database: String,
    /// How it ended.
    pub outcome: Outcome,
    /// The status the operator would write.
    pub status: ResourceStatus,
}

/// Runs every resource in order; a resource whose dependency is not Ready is Blocked.
pub async fn execute(
    prepared: &[Prepared],
    mode: Mode,
    overrides: PlanOverrides,
    on_progress: &mut dyn FnMut(&ResourceId, Progress<'_>),
) -> Vec<ResourceResult> {
    let mut ready: BTreeSet<ResourceId> = BTreeSet::new();
    let mut results = Vec::with_capacity(prepared.len());
    for resource in prepared {
        let span = info_span!("resource", resource = %resource.id);
        let waiting: Vec<String> = resource
            .depends_on
            .iter()
            .filter(|d| !ready.contains(*d))
            .map(ToString::to_string)
            .collect();
        let blocked = (!waiting.is_empty()).then(|| Outcome::Blocked {
            reason: "DependencyNotReady".into(),
            message: format!("waiting for {} to be Ready", waiting.join(", ")),
        });
        let result = match &resource.work {
            Work::Migrate {
                source,
                target,
                policy,
                allow_non_transactional,
            } => {
                let run = MigrationRun {
                    source,
                    target: target.as_ref(),
                    policy,
                    allow_non_transactional: *allow_non_transactional,
                    overrides,
                    mode,
                };
                let mut progress = |p: Progress<'_>| on_progress(&resource.id, p);
                migrate(resource, &run, blocked, &mut progress)
                    .instrument(span)
                    .await
            }
            Work::Sync { tables, suspended } => {
                sync_resource(resource, tables, *suspended, mode, blocked)
                    .instrument(span)
                    .await
            }
        };
        if result.outcome == Outcome::Ready {
            ready.insert(resource.id.clone());
        }
        results.push(result);
    }
    results
}

struct MigrationRun<'a> {
    source: &'a LoadedSource,
    target: Option<&'a Version>,
    policy: &'a LintPolicy,
    allow_non_transactional: bool,
    overrides: PlanOverrides,
    mode: Mode,
}

async fn migrate(
    resource: &Prepared,
    run: &MigrationRun<'_>,
    blocked: Option<Outcome>,
    on_progress: &mut dyn FnMut(Progress<'_>),
) -> ResourceResult {
    let set = &run.source.set;
    let finish = |plan: &Plan, findings: &[_], failure, outcome: Outcome| ResourceResult {
        id: resource.id.clone(),
        database: resource.url.redacted(),
        status: ResourceStatus::Migration(Box::new(migration_status(
            plan,
            run.target,
            findings,
            failure,
            &outcome,
            resource.generation,
        ))),
        outcome,
    };
    // Before a connection there is no history: every migration shows as pending.
    let unconnected = || Plan::build(set, &[]);
    if let Some(outcome) = blocked {
        return finish(&unconnected(), &[], None, outcome);
    }
    let connected = async {
        let mut db = engine::connect(&resource.url, &resource.settings).await?;
        let history = db.read_history().await?;
        Ok::<_, EngineError>((db, history))
    };
    let (mut db, plan) = match connected.await {
        Ok((db, history)) => (db, Plan::build(set, &history)),
        Err(error) => {
            let failure = other_failure(error.reason(), &error.to_string());
            return finish(&unconnected(), &[], Some(failure), failed(&error));
        }
    };
    let findings = lint_pending(&plan, set, resource.url.kind(), run.policy, run.target);
    if let Some(problem) = plan.problems(run.overrides).first() {
        let message = problem.to_string();
        let outcome = Outcome::Failed {
            reason: problem.reason().into(),
            message: message.clone(),
        };
        return finish(
            &plan,
            &findings,
            Some(other_failure(problem.reason(), &message)),
            outcome,
        );
    }
    let blocking = findings.iter().filter(|f| f.blocking()).count();
    if blocking > 0 {
        let outcome = Outcome::Blocked {
            reason: "LintBlocked".into(),
            message: format!(
                "{blocking} blocking lint finding(s) in pending migrations (see status.lintFindings); fix them or relax spec.lint"
            ),
        };
        return finish(&plan, &findings, None, outcome);
    }
    if !run.allow_non_transactional {
        let non_tx = plan
            .to_apply(run.target)
            .filter_map(|e| e.parsed_version().and_then(|v| set.get(v)))
            .find(|m| !m.transactional());
        if let Some(migration) = non_tx {
            let outcome = Outcome::Blocked {
                reason: "NonTransactionalNotAllowed".into(),
                message: format!(
                    "{} is marked no-transaction but spec.allowNonTransactional is false; allow it or make the migration transactional",
                    migration.up.path.display()
                ),
            };
            return finish(&plan, &findings, None, outcome);
        }
    }
    let pending = plan.to_apply(run.target).count();
    if run.mode == Mode::Plan || pending == 0 {
        let outcome = if pending == 0 {
            Outcome::Ready
        } else {
            Outcome::WouldChange
        };
        return finish(&plan, &findings, None, outcome);
    }
    let result = engine::apply(&mut *db, set, &plan, run.target, on_progress).await;
    let plan = match db.read_history().await {
        Ok(history) => Plan::build(set, &history),
        Err(_) => plan,
    };
    match result {
        Ok(_) => finish(&plan, &findings, None, Outcome::Ready),
        Err(run_error) => {
            let failure = match &run_error.error {
                EngineError::MigrationFailed(failure) => script_failure(failure),
                error => other_failure(error.reason(), &error.to_string()),
            };
            let outcome = failed(&run_error.error);
            finish(&plan, &findings, Some(failure), outcome)
        }
    }
}

fn failed(error: &EngineError) -> Outcome {
    Outcome::Failed {
        reason: error.reason().to_owned(),
        message: error.to_string(),
    }
}

async fn sync_resource(
    resource: &Prepared,
    tables: &[sync::TableSync],
    suspended: bool,
    mode: Mode,
    blocked: Option<Outcome>,
) -> ResourceResult {
    let finish = |report: Option<&sync::SyncReport>, failure, outcome: Outcome| ResourceResult {
        id: resource.id.clone(),
        database: resource.url.redacted(),
        status: ResourceStatus::Sync(Box::new(sync_status(
            report,
            failure,
            &outcome,
            resource.generation,
        ))),
        outcome,
    };
    if suspended {
        let outcome = Outcome::Blocked {
            reason: "Suspended".into(),
            message: "spec.suspend is true; set it to false to sync".into(),
        };
        return finish(None, None, outcome);
    }
    if let Some(outcome) = blocked {
        return finish(None, None, outcome);
    }
    let owner = format!("{}/{}", resource.id.namespace, resource.id.name);
    let request = SyncRequest {
        owner: &owner,
        tables,
        dry_run: mode == Mode::Plan,
    };
    match sync::sync(&resource.url, &resource.settings, &request).await {
        Ok(report) => {
            let changes: u64 = report
                .tables
                .iter()
                .map(|t| t.inserted + t.updated + t.deleted)
                .sum();
            let outcome = if mode == Mode::Plan && changes > 0 {
                Outcome::WouldChange
            } else {
                Outcome::Ready
            };
            finish(Some(&report), None, outcome)
        }
        Err(error) => {
            let failure = sync_failure(&error);
            let outcome = Outcome::Failed {
                reason: error.reason().to_owned(),
                message: error.to_string(),
            };
            finish(None, Some(failure), outcome)
        }
    }
}

fn sync_failure(error: &sync::SyncError) -> SyncFailure {
    SyncFailure {
        reason: error.reason().to_owned(),
        table: error.table().map(str::to_owned),
        row_key: error.row_key().map(str::to_owned),
        column: error.column().map(str::to_owned),
        message: error.to_string(),
        time: Some(super::status::now().0.to_string()),
    }
}
