//! Carries out a decision's actions in order — delete and create step Jobs, publish Events,
//! count failed steps — and passes its status on to the one status write. Nothing is decided
//! here.

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::jiff::Timestamp;
use kube::api::{DeleteParams, PostParams};
use kube::runtime::events::{Event, EventType};
use kube::{Api, ResourceExt};
use tracing::{info, warn};

use super::context::Context;
use super::decide::{Action, Decision, EventNote, Verdict};
use super::error::ReconcileError;
use super::kinds::Reconciled;
use crate::api::{EventKind, Reason};
use crate::jobs::StepState;
use crate::server::metrics::{FailureLabels, ResourceLabels, StepLabels};

/// A decision carried out: the status left to write. Only [`act`] makes one.
#[derive(Debug)]
pub struct Acted<S> {
    status: Option<S>,
}

impl<S> Acted<S> {
    /// The status to write (`None`: it stays as it is).
    pub fn into_status(self) -> Option<S> {
        self.status
    }
}

/// Carries out `decision` for `resource` at `now`. When a Job to create exists already (an
/// earlier reconcile, from an older cache, created it), the rest is that reconcile's: nothing
/// after it is done and no status is written.
pub async fn act<K: Reconciled>(
    ctx: &Context,
    resource: &K,
    decision: Decision<K::Status>,
    now: Timestamp,
) -> Result<Acted<K::Status>, ReconcileError> {
    let Decision {
        actions,
        status,
        requeue: _,
        verdict,
        steps,
    } = decision;
    record_durations(ctx, resource, &steps, now);
    let namespace = resource.namespace().unwrap_or_default();
    let jobs = Api::<Job>::namespaced(ctx.client.clone(), &namespace);
    for action in actions {
        match action {
            Action::DeleteJob(name) => delete_job(&jobs, &name)
                .await
                .map_err(ReconcileError::kube(resource, "deleting a step Job"))?,
            Action::CreateJob(job) => {
                let created = create_job(&jobs, &job)
                    .await
                    .map_err(ReconcileError::kube(resource, "creating its step Job"))?;
                if !created {
                    count::<K>(ctx, Verdict::Wait);
                    return Ok(Acted { status: None });
                }
                info!(job = %job.name_any(), "created a step Job");
                ctx.health
                    .metrics
                    .steps_started
                    .get_or_create(&labels(resource))
                    .inc();
            }
            Action::Publish(note) => publish(ctx, resource, note).await,
            Action::CountFailedStep(reason) => count_failed_step::<K>(ctx, reason),
        }
    }
    count::<K>(ctx, verdict);
    Ok(Acted { status })
}

/// Creates the Job: `false` when it exists already.
async fn create_job(jobs: &Api<Job>, job: &Job) -> Result<bool, kube::Error> {
    match jobs.create(&PostParams::default(), job).await {
        Ok(_) => Ok(true),
        Err(kube::Error::Api(status)) if status.reason == "AlreadyExists" => Ok(false),
        Err(other) => Err(other),
    }
}

/// Deletes a step Job and its pods (background propagation); one already gone is fine.
async fn delete_job(jobs: &Api<Job>, name: &str) -> Result<(), kube::Error> {
    info!(job = %name, "deleting a step Job");
    match jobs.delete(name, &DeleteParams::background()).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
        Err(other) => Err(other),
    }
}

/// Publishes an Event on the resource (and logs it); a failure to publish is logged, never
/// fatal.
async fn publish<K: Reconciled>(ctx: &Context, resource: &K, note: EventNote) {
    let EventNote {
        reason,
        note,
        related,
    } = note;
    let type_ = match reason.event_kind() {
        EventKind::Normal => {
            info!(%reason, "{note}");
            EventType::Normal
        }
        EventKind::Warning => {
            warn!(%reason, "{note}");
            EventType::Warning
        }
    };
    let event = Event {
        type_,
        reason: reason.as_str().to_owned(),
        note: Some(note.chars().take(1000).collect()),
        action: "Reconcile".to_owned(),
        secondary: related,
    };
    if let Err(error) = ctx.events.publish(&event, &resource.object_ref(&())).await {
        warn!(%error, "could not publish the {reason} Event");
    }
}

/// Records how long each step Job ran that finished since the last look.
fn record_durations<K: Reconciled>(
    ctx: &Context,
    resource: &K,
    steps: &[super::decide::StepJob],
    now: Timestamp,
) {
    let key = format!(
        "{}/{}",
        resource.namespace().unwrap_or_default(),
        resource.name_any()
    );
    for job in ctx.counted_jobs.newly_finished(&key, steps, now) {
        let (Some(started), Some(finished)) = (job.started_at, job.finished_at) else {
            continue;
        };
        let result = match job.state {
            StepState::Succeeded(_) => "succeeded",
            _ => "failed",
        };
        let seconds = finished.duration_since(started).as_secs_f64().max(0.0);
        ctx.health
            .metrics
            .step_duration
            .get_or_create(&StepLabels {
                kind: K::kind(&()).into_owned(),
                result: result.to_owned(),
            })
            .observe(seconds);
    }
}

/// Counts one failed step attempt of a `K`.
fn count_failed_step<K: Reconciled>(ctx: &Context, reason: Reason) {
    ctx.health
        .metrics
        .step_failures
        .get_or_create(&FailureLabels {
            kind: K::kind(&()).into_owned(),
            reason: reason.as_str().to_owned(),
        })
        .inc();
}

/// Counts one reconcile of a `K`.
fn count<K: Reconciled>(ctx: &Context, verdict: Verdict) {
    ctx.health
        .metrics
        .reconciled(&K::kind(&()), verdict.as_str());
}

/// The metric labels of `resource`.
pub fn labels<K: Reconciled>(resource: &K) -> ResourceLabels {
    ResourceLabels {
        kind: K::kind(&()).into_owned(),
        namespace: resource.namespace().unwrap_or_default(),
        name: resource.name_any(),
    }
}
