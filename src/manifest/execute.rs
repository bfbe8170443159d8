//! Runs prepared resources in order through the engine and the sync engine; builds statuses.

use std::collections::BTreeSet;

use tracing::{Instrument, info_span};

use super::bundle::ResourceId;
use super::migrate::MigrationRun;
use super::prepare::{Prepared, Work};
use super::result::{AnyStatus, ResourceResult};
use super::status::sync_status;
use crate::api::{Outcome, Reason, SyncFailure, now};
use crate::engine::Progress;
use crate::plan::PlanOverrides;
use crate::sync::{self, SyncRequest};

/// What a run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Apply migrations and sync rows.
    Apply,
    /// Change nothing; report what apply would do (syncs run and roll back).
    Plan,
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
            reason: Reason::DependencyNotReady,
            message: format!("waiting for {} to be Ready", waiting.join(", ")),
        });
        let result = match &resource.work {
            Work::Migrate(work) => {
                let run = MigrationRun::new(resource, work, overrides);
                let mut progress = |p: Progress<'_>| on_progress(&resource.id, p);
                migrate(&run, mode, blocked, &mut progress)
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

/// Checks, then (in apply mode) applies everything pending up to `spec.targetVersion`.
async fn migrate(
    run: &MigrationRun<'_>,
    mode: Mode,
    blocked: Option<Outcome>,
    on_progress: &mut dyn FnMut(Progress<'_>),
) -> ResourceResult {
    if let Some(outcome) = blocked {
        return run.unconnected(outcome, None);
    }
    let mut checked = match run.check().await {
        Ok(checked) => checked,
        Err(result) => return *result,
    };
    if mode == Mode::Plan || checked.pending().is_empty() {
        return checked.finish(checked.outcome(), None);
    }
    checked.apply(run.target(), on_progress).await.0
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
        status: AnyStatus::Sync(Box::new(sync_status(
            report,
            failure,
            &outcome,
            resource.generation,
        ))),
        outcome,
    };
    if suspended {
        let outcome = Outcome::Blocked {
            reason: Reason::Suspended,
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
                reason: error.reason(),
                message: error.to_string(),
            };
            finish(None, Some(failure), outcome)
        }
    }
}

fn sync_failure(error: &sync::SyncError) -> SyncFailure {
    SyncFailure {
        reason: error.reason().as_str().to_owned(),
        table: error.table().map(str::to_owned),
        row_key: error.row_key().map(str::to_owned),
        column: error.column().map(str::to_owned),
        message: error.to_string(),
        time: Some(now().0.to_string()),
    }
}
