//! Which step comes next, from the step Jobs of the current inputs alone: the Jobs are the
//! operator's memory, so a restarted operator decides exactly as before.
//!
//! Steps are numbered from 0 per input hash (spec, referenced ConfigMaps and Secrets, retry
//! annotation); each step has attempts numbered from 1. The newest attempt of the highest step
//! says where the resource is.

use std::time::Duration;

use k8s_openapi::jiff::Timestamp;

use super::found::FoundJobs;
use super::retry::RetryPolicy;
use crate::api::{Reason, ResourceStatus};
use crate::jobs::{NextStep, StepKind, StepReport, StepState};

/// The step Job to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStep {
    /// Step number.
    pub ordinal: u32,
    /// Attempt number.
    pub attempt: u32,
    /// What it does.
    pub kind: StepKind,
}

/// Where the steps of the current inputs stand.
#[derive(Debug, Clone, PartialEq)]
pub enum NextMove {
    /// Create this step's Job now.
    Start(NewStep),
    /// A Job is active: wait for it (its status change wakes the controller).
    Wait,
    /// A step failed; retry it at `at` (the failure stays in the status until then).
    Retry {
        /// The retry's step.
        step: NewStep,
        /// When.
        at: Timestamp,
        /// The failure being retried.
        reason: Reason,
        /// Its message.
        message: String,
        /// The failed attempt's Job has not ended: its pod waits for what it lacks (a Secret,
        /// an image), which Kubernetes keeps retrying, so `at` moves with the clock until the
        /// Job ends (its deadline) or the pod starts.
        pod_waiting: bool,
    },
    /// Everything is applied; the last report says how things stand.
    Done(StepReport),
    /// Failed for good, until the inputs change.
    Failed {
        /// Why.
        reason: Reason,
        /// What happened and what to do.
        message: String,
        /// The failing attempt's report, if any.
        report: Option<StepReport>,
        /// Attempts made of the failing step.
        attempts: u32,
    },
}

/// Where the steps stand. `first` is the kind of a resource's first step ([`StepKind::Sql`] or
/// [`StepKind::Sync`]); a Job of earlier inputs that still runs (a spec changed mid-step) is
/// waited for, then the new inputs are planned.
pub fn next_move(
    jobs: &FoundJobs,
    first: StepKind,
    policy: &RetryPolicy,
    now: Timestamp,
) -> NextMove {
    if jobs.earlier_active {
        return NextMove::Wait;
    }
    let Some(latest) = jobs.latest() else {
        return NextMove::Start(NewStep {
            ordinal: 0,
            attempt: 1,
            kind: first,
        });
    };
    match &latest.state {
        StepState::Pending | StepState::Running => NextMove::Wait,
        StepState::Succeeded(report) => match next_kind(&report.next) {
            None => NextMove::Done(report.clone()),
            Some(kind) => NextMove::Start(NewStep {
                ordinal: latest.ordinal + 1,
                attempt: 1,
                kind,
            }),
        },
        StepState::Failed {
            report,
            reason,
            message,
        } => {
            // the runner's own reason (MigrationFailed, ChecksumMismatch, ...) is the precise one
            let reason = report.as_ref().and_then(reported_reason).unwrap_or(*reason);
            let attempts = latest.attempt;
            if reason.is_permanent() || attempts > policy.limit {
                return NextMove::Failed {
                    reason,
                    message: message.clone(),
                    report: report.clone(),
                    attempts,
                };
            }
            let step = NewStep {
                ordinal: latest.ordinal,
                attempt: attempts + 1,
                kind: latest.kind.clone(),
            };
            let finished_at = latest.finished_at.unwrap_or(now);
            let at = finished_at
                .checked_add(policy.delay(attempts))
                .unwrap_or(finished_at);
            if at <= now {
                NextMove::Start(step)
            } else {
                NextMove::Retry {
                    step,
                    at,
                    reason,
                    message: message.clone(),
                    pod_waiting: latest.finished_at.is_none(),
                }
            }
        }
    }
}

/// When a resource that syncs on a timer syncs again, once its newest step succeeded
/// `interval` ago: `Ok(step)` to run now, `Err(at)` to look again at `at` (or when the Job's
/// completion time arrives).
pub fn resync(jobs: &FoundJobs, interval: Duration, now: Timestamp) -> Result<NewStep, Timestamp> {
    let latest = jobs.latest();
    let next = NewStep {
        ordinal: latest.map_or(0, |j| j.ordinal + 1),
        attempt: 1,
        kind: latest.map_or(StepKind::Sync, |j| j.kind.clone()),
    };
    let Some(latest) = latest else {
        return Ok(next);
    };
    // its pod has ended but the Job's completion is not recorded yet: a full interval from now
    let finished = latest.finished_at.unwrap_or(now);
    let due = finished.checked_add(interval).unwrap_or(finished);
    if due <= now { Ok(next) } else { Err(due) }
}

/// The failure reason a step's report gives (when this build knows it).
pub fn reported_reason(report: &StepReport) -> Option<Reason> {
    let migration = report.migration.as_ref().and_then(|s| s.failure_reason());
    migration.or_else(|| report.sync.as_ref().and_then(|s| s.failure_reason()))
}

/// The report of the newest step Job that wrote one.
pub fn latest_report(jobs: &FoundJobs) -> Option<&StepReport> {
    let mut newest_first: Vec<_> = jobs.current.iter().collect();
    newest_first.sort_by_key(|j| std::cmp::Reverse((j.ordinal, j.attempt)));
    newest_first.into_iter().find_map(|j| match &j.state {
        StepState::Succeeded(report) => Some(report),
        StepState::Failed { report, .. } => report.as_ref(),
        StepState::Pending | StepState::Running => None,
    })
}

fn next_kind(next: &NextStep) -> Option<StepKind> {
    match next {
        NextStep::Done => None,
        NextStep::Sql => Some(StepKind::Sql),
        NextStep::Script { version } => Some(StepKind::Script {
            version: version.clone(),
        }),
    }
}

#[cfg(test)]
mod tests;
