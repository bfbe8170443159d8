//! The decision step of a reconcile: from what `observe` read and the clock to the actions to
//! take and the status to write — no I/O, no async, so every state a resource can be in is a
//! row of the tables in `tests/`.
//!
//! A reconcile decides once ([`decide`]); when a step should start, it decides again
//! ([`start`]) after `observe::gate` read the step's dependencies and database.

mod decision;
mod found;
mod gate;
mod retry;
mod status;
mod steps;
#[cfg(test)]
mod tests;

use std::time::Duration;

use k8s_openapi::jiff::Timestamp;
use kube::{Resource, ResourceExt};
use serde_json::json;

pub use decision::{Action, Decided, Decision, EventNote, Requeue, Start, Verdict};
pub use found::{FoundJobs, StepJob};
pub use retry::RetryPolicy;

use self::status::Situation;
use self::steps::{NewStep, NextMove, latest_report, next_move, reported_reason, resync};
use super::kinds::Reconciled;
use super::observe::{Gate, Snapshot};
use crate::api::{Outcome, Reason, ResourceStatus, first_line};
use crate::jobs::{JobSettings, LABEL_DATABASE, StepRun, database_label, input_hash};

/// Annotation whose new value re-runs a resource that failed for good (any value change).
pub const RETRY_ANNOTATION: &str = "dbmigrate.dev/retry";

/// How long a waiting resource (a running Job) sleeps between looks when no watch event
/// wakes it.
const RECHECK: Duration = Duration::from_secs(300);
/// How long a resource blocked on a dependency waits before looking again (a dependency's
/// status change wakes it sooner).
const DEPENDENCY_RECHECK: Duration = Duration::from_secs(10);
/// How long a resource waits for another resource's step on its database (that Job's end
/// does not wake it).
const DATABASE_RECHECK: Duration = Duration::from_secs(3);

/// Decides what `snapshot`'s resource needs next at `now`, with `settings` as the defaults of
/// its Jobs.
pub fn decide<K: Reconciled>(
    snapshot: &Snapshot<K>,
    settings: &JobSettings,
    now: Timestamp,
) -> Decided<K::Status> {
    let resource = snapshot.resource.as_ref();
    if resource.meta().deletion_timestamp.is_some() {
        return Decided::Done(Decision::leave(Requeue::AwaitChange, Verdict::Deleted));
    }
    if resource.suspended() {
        let message = "spec.suspend is true; set it to false to sync";
        let status = status::blocked(resource, now, Reason::Suspended, message);
        return Decided::Done(Decision::to(status, Requeue::AwaitChange, Verdict::Blocked));
    }
    if let Some(name) = missing_config_map(snapshot) {
        let message = format!(
            "ConfigMap {}/{name} does not exist: create it (e.g. with kustomize's \
             configMapGenerator), or fix the name in the spec",
            resource.namespace().unwrap_or_default()
        );
        let status = status::blocked(resource, now, Reason::ConfigMapNotFound, &message);
        return Decided::Done(Decision::to(status, Requeue::AwaitChange, Verdict::Blocked));
    }
    let hash = match inputs_hash(snapshot) {
        Ok(hash) => hash,
        Err(error) => return Decided::Done(status::invalid_spec(resource, now, &error)),
    };
    let uid = resource.meta().uid.as_deref().unwrap_or_default();
    let jobs = FoundJobs::read(&snapshot.jobs, &snapshot.pods, uid, &hash);
    let runner = settings.with_runner(resource.runner_settings());
    let situation = Situation {
        resource,
        hash,
        jobs,
        now,
    };
    if let Some(decision) = still_ready(&situation) {
        return Decided::Done(decision);
    }
    let policy = RetryPolicy::for_runner(&runner);
    match next_move(&situation.jobs, K::FIRST_STEP, &policy, now) {
        NextMove::Start(step) => {
            let before = Decision::leave(Requeue::After(RECHECK), Verdict::Create);
            to_start(&situation, settings, step, before)
        }
        NextMove::Wait => Decided::Done(waiting(&situation)),
        NextMove::Retry {
            step,
            at,
            reason,
            message,
            pod_waiting,
        } => {
            let report = latest_report(&situation.jobs);
            // a waiting pod is retried by Kubernetes, not at a time the operator could promise
            // (and a message without one is not rewritten each time the operator looks again)
            let then = if pod_waiting {
                "its pod starts once it can".to_owned()
            } else {
                format!("retrying at {at}")
            };
            let text = format!(
                "attempt {} failed ({reason}): {}; {then}",
                step.attempt - 1,
                first_line(&message)
            );
            let failure = status::failure_of::<K>(report, reason, &message, step.attempt - 1);
            let outcome = Outcome::Progressing {
                reason: Reason::RetryScheduled,
                message: text,
            };
            let status = situation.status(report, &outcome, Some(failure));
            let wait = Duration::try_from(at.duration_since(now)).unwrap_or_default();
            let requeue = Requeue::After(wait.max(Duration::from_secs(1)));
            Decided::Done(situation.decision(status, requeue, Verdict::Retry))
        }
        NextMove::Done(report) => {
            let (status, actions) = situation.ready(&report);
            let ready = Decision {
                actions,
                ..situation.decision(status, Requeue::AwaitChange, Verdict::Ready)
            };
            let Some(interval) = resource.resync_interval() else {
                return Decided::Done(ready);
            };
            match resync(&situation.jobs, interval, now) {
                Ok(step) => to_start(&situation, settings, step, ready),
                Err(at) => {
                    let wait = Duration::try_from(at.duration_since(now)).unwrap_or(interval);
                    let requeue = Requeue::After(wait);
                    Decided::Done(Decision { requeue, ..ready })
                }
            }
        }
        NextMove::Failed {
            reason,
            message,
            report,
            attempts,
        } => Decided::Done(situation.failed(reason, &message, report.as_ref(), attempts)),
    }
}

/// Decides whether the step of `start` starts now, given its dependencies and the step Jobs on
/// its database that `gate` read.
pub fn start<K: Reconciled>(
    snapshot: &Snapshot<K>,
    start: Start<K::Status>,
    gate: &Gate,
    now: Timestamp,
) -> Decision<K::Status> {
    let resource = snapshot.resource.as_ref();
    let Start {
        step,
        job,
        database,
        keeps_ready,
        before,
        stuck,
        older_syncs,
        report,
    } = start;
    if let Some(message) = gate::unready_dependency(&gate.dependencies) {
        let status = status::blocked(resource, now, Reason::DependencyNotReady, &message);
        let requeue = Requeue::After(DEPENDENCY_RECHECK);
        return Decision {
            status: Some(status),
            requeue,
            verdict: Verdict::Blocked,
            ..before
        };
    }
    let own_uid = resource.meta().uid.as_deref().unwrap_or_default();
    if let Some(other) = gate::other_running_step(&gate.database_jobs, own_uid) {
        let message =
            format!("waits for {other}, a step on the same database ({LABEL_DATABASE}={database})");
        let requeue = Requeue::After(DATABASE_RECHECK);
        // a periodic sync waits without leaving Ready
        let status = if keeps_ready {
            before.status.clone()
        } else {
            let busy = status::progressing(resource, now, report.as_ref(), Reason::DatabaseBusy);
            Some(busy(message))
        };
        return Decision {
            status,
            requeue,
            verdict: Verdict::Wait,
            ..before
        };
    }
    let mut actions = before.actions.clone();
    actions.extend(stuck.into_iter().map(Action::DeleteJob));
    let job_name = job.name_any();
    let related = job.object_ref(&());
    actions.push(Action::CreateJob(Box::new(job)));
    let status = if keeps_ready {
        // a periodic sync of a Ready resource: no status flip, no Event each interval
        actions.extend(older_syncs.into_iter().map(Action::DeleteJob));
        before.status.clone()
    } else {
        let message = format!(
            "step {} (attempt {}): {} in Job {job_name}",
            step.ordinal + 1,
            step.attempt,
            step.kind.describe()
        );
        // the Job as the related object: each step is an Event of its own, not a repeat
        actions.push(Action::Publish(EventNote {
            reason: Reason::StepStarted,
            note: message.clone(),
            related: Some(related),
        }));
        if step.attempt > 1 {
            let failed = report.as_ref().and_then(reported_reason);
            actions.push(Action::CountFailedStep(
                failed.unwrap_or(Reason::StepFailed),
            ));
        }
        let applying = status::progressing(resource, now, report.as_ref(), Reason::Applying);
        Some(applying(message))
    };
    Decision {
        actions,
        status,
        requeue: Requeue::After(RECHECK),
        verdict: Verdict::Create,
        steps: before.steps,
    }
}

/// The first ConfigMap the spec names that does not exist.
fn missing_config_map<K>(snapshot: &Snapshot<K>) -> Option<&str> {
    snapshot
        .config_maps
        .iter()
        .find(|(_, found)| found.is_none())
        .map(|(name, _)| name.as_str())
}

/// The hash of everything a step reads: the spec, the ConfigMaps' data, the Secrets'
/// versions (a changed Secret — a new URL, a fixed password, one created at last — is a new
/// input) and the retry annotation (a new value starts the steps over).
pub(super) fn inputs_hash<K: Reconciled>(
    snapshot: &Snapshot<K>,
) -> Result<String, crate::jobs::JobSpecError> {
    let resource = snapshot.resource.as_ref();
    let config_maps: Vec<_> = snapshot.config_maps.values().flatten().cloned().collect();
    let spec_hash = resource.input_hash(&config_maps)?;
    let retry = resource.annotations().get(RETRY_ANNOTATION);
    Ok(input_hash(
        &json!([spec_hash, retry, snapshot.secrets]),
        &[],
    ))
}

/// A resource Ready for these very inputs whose Jobs are gone (their TTL, or deleted by hand):
/// nothing to run again, except a sync that is due.
fn still_ready<K: Reconciled>(situation: &Situation<'_, K>) -> Option<Decision<K::Status>> {
    let jobs = &situation.jobs;
    if jobs.earlier_active || !situation.ready_for() {
        return None;
    }
    let resource = situation.resource;
    let Some(interval) = resource.resync_interval() else {
        // Ready for these inputs: the finished Jobs, all or some of them (their TTLs end one by
        // one), tell nothing new, and a missing earlier step must not run again
        let active = jobs.current.iter().any(|job| job.state.is_active());
        return (!active).then(|| Decision::leave(Requeue::AwaitChange, Verdict::Ready));
    };
    // a periodic resource reads its finished sync's report into the status first
    if !jobs.current.is_empty() {
        return None;
    }
    let last = resource.status().and_then(|s| s.last_finished());
    let due = last.and_then(|at| at.checked_add(interval).ok());
    let due = due.filter(|due| *due > situation.now)?;
    let wait = Duration::try_from(due.duration_since(situation.now)).unwrap_or(interval);
    Some(Decision::leave(Requeue::After(wait), Verdict::Ready))
}

/// Waits for the running step Job (or the previous spec's).
fn waiting<K: Reconciled>(situation: &Situation<'_, K>) -> Decision<K::Status> {
    let latest = situation.jobs.latest();
    let quiet = latest.is_some_and(|job| situation.keeps_ready(&job.kind, job.attempt));
    let status = (!quiet).then(|| {
        let message = if situation.jobs.earlier_active {
            "waiting for the step of the previous spec to finish"
        } else {
            "a step Job is running"
        };
        let report = latest_report(&situation.jobs);
        let applying =
            status::progressing(situation.resource, situation.now, report, Reason::Applying);
        applying(message.to_owned())
    });
    Decision {
        status,
        ..situation.decision_leaving(Requeue::After(RECHECK), Verdict::Wait)
    }
}

/// The start of `step`, its Job built; `before` is what comes first either way.
fn to_start<K: Reconciled>(
    situation: &Situation<'_, K>,
    settings: &JobSettings,
    step: NewStep,
    before: Decision<K::Status>,
) -> Decided<K::Status> {
    let resource = situation.resource;
    let run = StepRun {
        input_hash: &situation.hash,
        step: step.ordinal,
        attempt: step.attempt,
    };
    let job = match resource.step_job(settings, &step.kind, run) {
        Ok(job) => job,
        Err(error) => return Decided::Done(status::invalid_spec(resource, situation.now, &error)),
    };
    let namespace = resource.namespace().unwrap_or_default();
    let older_syncs = situation
        .jobs
        .current
        .iter()
        .filter(|j| j.ordinal + 1 < step.ordinal && j.finished_at.is_some())
        .map(|j| j.name.clone())
        .collect();
    Decided::Start(Box::new(Start {
        keeps_ready: situation.keeps_ready(&step.kind, step.attempt),
        database: database_label(&namespace, resource.database()),
        stuck: situation.jobs.stuck.clone(),
        report: latest_report(&situation.jobs).cloned(),
        older_syncs,
        job,
        step,
        before: Decision {
            steps: situation.jobs.current.clone(),
            ..before
        },
    }))
}
