//! The statuses and Events of each decision: built with `api::settled` from the resource's
//! previous status, the newest step report and the clock.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;

use super::found::FoundJobs;
use super::{Action, Decision, EventNote, RETRY_ANNOTATION, Requeue, Verdict};
use crate::api::{ConfigSyncStatus, Outcome, Phase, Reason, ResourceStatus, settled};
use crate::controller::kinds::Reconciled;
use crate::jobs::{JobSpecError, StepKind, StepReport};

/// The failure type of a kind's status.
type Failure<K> = <<K as Reconciled>::Status as ResourceStatus>::Failure;

/// A resource with its inputs read: what most decisions are built from.
pub(super) struct Situation<'a, K: Reconciled> {
    /// The resource.
    pub resource: &'a K,
    /// The hash of its inputs.
    pub hash: String,
    /// Its step Jobs.
    pub jobs: FoundJobs,
    /// The clock.
    pub now: Timestamp,
}

impl<K: Reconciled> Situation<'_, K> {
    /// Whether the status says Ready for these inputs and this generation.
    pub fn ready_for(&self) -> bool {
        self.resource.status().is_some_and(|status| {
            status.phase() == Phase::Ready
                && status.input_hash() == Some(self.hash.as_str())
                && status.observed_generation() == self.resource.meta().generation
        })
    }

    /// Whether a step leaves the status as it is: a periodic sync (a first attempt) of a
    /// resource Ready for these inputs.
    pub fn keeps_ready(&self, kind: &StepKind, attempt: u32) -> bool {
        *kind == StepKind::Sync && attempt == 1 && self.ready_for()
    }

    /// The status for `outcome`, with the counts of `report`.
    pub fn status(
        &self,
        report: Option<&StepReport>,
        outcome: &Outcome,
        failure: Option<Failure<K>>,
    ) -> K::Status {
        settle(self.resource, self.now, report, outcome, failure)
    }

    /// A decision to write `status`.
    pub fn decision(
        &self,
        status: K::Status,
        requeue: Requeue,
        verdict: Verdict,
    ) -> Decision<K::Status> {
        Decision {
            status: Some(status),
            ..self.decision_leaving(requeue, verdict)
        }
    }

    /// A decision that leaves the status as it is.
    pub fn decision_leaving(&self, requeue: Requeue, verdict: Verdict) -> Decision<K::Status> {
        Decision {
            actions: Vec::new(),
            status: None,
            requeue,
            verdict,
            steps: self.jobs.current.clone(),
        }
    }

    /// The Ready status of `report` (recording the inputs it is for), with an Event when the
    /// resource becomes Ready and one when the sync corrected drift.
    pub fn ready(&self, report: &StepReport) -> (K::Status, Vec<Action>) {
        let mut status = self.status(Some(report), &Outcome::Ready, None);
        status.set_input_hash(self.hash.clone());
        let previous = self.resource.status();
        let mut actions = Vec::new();
        if previous != Some(&status) {
            if previous.map(ResourceStatus::phase) != Some(Phase::Ready) {
                actions.push(Action::Publish(EventNote {
                    reason: K::Status::READY_REASON,
                    note: status.message().unwrap_or_default().to_owned(),
                    related: None,
                }));
            }
            if let Some(drifted) = report.sync.as_ref().and_then(drift) {
                actions.push(Action::Publish(EventNote {
                    reason: Reason::DriftCorrected,
                    note: format!(
                        "rows of {drifted} had been edited outside the config and were set back"
                    ),
                    related: None,
                }));
            }
        }
        (status, actions)
    }

    /// Failed for good after `attempts` attempts, with a Warning Event and a failure count when
    /// the resource was not Failed before.
    pub fn failed(
        &self,
        reason: Reason,
        message: &str,
        report: Option<&StepReport>,
        attempts: u32,
    ) -> Decision<K::Status> {
        let failure = failure_of::<K>(report, reason, message, attempts);
        let text = format!(
            "{reason} after {attempts} attempt(s): {}; fix it and re-apply, or set the \
             {RETRY_ANNOTATION} annotation to retry",
            K::Status::failure_message(&failure)
        );
        let outcome = Outcome::Failed {
            reason,
            message: text.clone(),
        };
        let status = self.status(report, &outcome, Some(failure));
        let newly = self.resource.status().map(ResourceStatus::phase) != Some(Phase::Failed);
        let actions = if newly {
            vec![
                Action::CountFailedStep(reason),
                Action::Publish(EventNote {
                    reason,
                    note: text,
                    related: None,
                }),
            ]
        } else {
            Vec::new()
        };
        Decision {
            actions,
            ..self.decision(status, Requeue::AwaitChange, Verdict::Failed)
        }
    }
}

/// `resource`'s status for `outcome` at `now`, with the counts of `report` (else its own).
pub(super) fn settle<K: Reconciled>(
    resource: &K,
    now: Timestamp,
    report: Option<&StepReport>,
    outcome: &Outcome,
    failure: Option<Failure<K>>,
) -> K::Status {
    settled(
        resource.status(),
        report.and_then(K::reported),
        outcome,
        failure,
        resource.meta().generation,
        &Time(now),
    )
}

/// The Progressing status for `reason` with the message given, and the counts of `report`.
pub(super) fn progressing<'a, K: Reconciled>(
    resource: &'a K,
    now: Timestamp,
    report: Option<&'a StepReport>,
    reason: Reason,
) -> impl FnOnce(String) -> K::Status + 'a {
    move |message| {
        let outcome = Outcome::Progressing { reason, message };
        settle(resource, now, report, &outcome, None)
    }
}

/// The Blocked status for `reason`.
pub(super) fn blocked<K: Reconciled>(
    resource: &K,
    now: Timestamp,
    reason: Reason,
    message: &str,
) -> K::Status {
    let outcome = Outcome::Blocked {
        reason,
        message: message.to_owned(),
    };
    settle(resource, now, None, &outcome, None)
}

/// A spec the operator cannot build a step Job from: Failed until the spec changes.
pub(super) fn invalid_spec<K: Reconciled>(
    resource: &K,
    now: Timestamp,
    error: &JobSpecError,
) -> Decision<K::Status> {
    let reason = error.reason();
    let message = format!("{error}; fix the spec and re-apply");
    let outcome = Outcome::Failed {
        reason,
        message: message.clone(),
    };
    let failure = K::Status::new_failure(reason, &message, 0);
    let status = settle(resource, now, None, &outcome, Some(failure));
    let newly = resource.status().map(ResourceStatus::phase) != Some(Phase::Failed);
    let actions = if newly {
        vec![Action::Publish(EventNote {
            reason,
            note: message,
            related: None,
        })]
    } else {
        Vec::new()
    };
    Decision {
        actions,
        status: Some(status),
        requeue: Requeue::AwaitChange,
        verdict: Verdict::Failed,
        steps: Vec::new(),
    }
}

/// `status.failure` of a failed step: the runner's own (file, line, SQLSTATE; table, row)
/// when it reported one, else the reason the Job's pods give.
pub(super) fn failure_of<K: Reconciled>(
    report: Option<&StepReport>,
    reason: Reason,
    message: &str,
    attempt: u32,
) -> Failure<K> {
    let reported = report
        .and_then(K::reported)
        .and_then(ResourceStatus::failure)
        .cloned();
    match reported {
        Some(failure) => K::Status::with_attempt(failure, attempt),
        None => K::Status::new_failure(reason, message, attempt),
    }
}

/// The tables of a sync that found rows edited outside the config, comma-separated.
fn drift(status: &ConfigSyncStatus) -> Option<String> {
    let tables: Vec<&str> = status
        .tables
        .iter()
        .filter(|t| t.drift_detected)
        .map(|t| t.table.as_str())
        .collect();
    (!tables.is_empty()).then(|| tables.join(", "))
}
