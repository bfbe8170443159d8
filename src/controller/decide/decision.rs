//! What `decide` hands to `act`: the actions in order, the status to write, when to look again
//! and what the reconcile did; and a step waiting for its gate.

use std::time::Duration;

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::ObjectReference;

use super::found::StepJob;
use super::steps::NewStep;
use crate::api::Reason;
use crate::jobs::StepReport;

/// When the resource is looked at again without a watch event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requeue {
    /// Only when something it watches changes.
    AwaitChange,
    /// After this long.
    After(Duration),
}

/// What a reconcile did, for the `dbmigrate_reconciles_total` metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Created a step Job.
    Create,
    /// Waits for a step Job, a database or an earlier spec's step.
    Wait,
    /// Waits for a failed step's retry.
    Retry,
    /// Everything is applied.
    Ready,
    /// Failed until the inputs change.
    Failed,
    /// Waits for a dependency, a ConfigMap or `spec.suspend`.
    Blocked,
    /// Being deleted: nothing to do.
    Deleted,
}

impl Verdict {
    /// The metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Wait => "wait",
            Self::Retry => "retry",
            Self::Ready => "ready",
            Self::Failed => "failed",
            Self::Blocked => "blocked",
            Self::Deleted => "deleted",
        }
    }
}

/// An Event to publish about the resource.
#[derive(Debug, Clone, PartialEq)]
pub struct EventNote {
    /// Its reason (which also says whether it is a warning).
    pub reason: Reason,
    /// What happened.
    pub note: String,
    /// The object it is also about (a step's Job).
    pub related: Option<ObjectReference>,
}

/// One thing `act` does, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Delete a step Job and its pods (a stuck attempt, or a finished sync long past).
    DeleteJob(String),
    /// Create a step Job; if it exists already (an earlier reconcile raced this one), the
    /// actions after it and the status write are left to that reconcile.
    CreateJob(Box<Job>),
    /// Publish an Event.
    Publish(EventNote),
    /// Count a failed step attempt by its reason.
    CountFailedStep(Reason),
}

/// What to do about a resource now.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision<S> {
    /// The actions, in order.
    pub actions: Vec<Action>,
    /// The status to write (`None`: the resource's status stays as it is).
    pub status: Option<S>,
    /// When to look again.
    pub requeue: Requeue,
    /// What this reconcile did.
    pub verdict: Verdict,
    /// The step Jobs of the current inputs (their durations feed a metric).
    pub steps: Vec<StepJob>,
}

/// A step that should start once its dependencies are Ready and its database is free.
#[derive(Debug, Clone, PartialEq)]
pub struct Start<S> {
    /// The step.
    pub(super) step: NewStep,
    /// Its Job.
    pub(super) job: Job,
    /// The label of its database.
    pub(super) database: String,
    /// A periodic sync of a Ready resource: it leaves the status (and Events) alone.
    pub(super) keeps_ready: bool,
    /// What comes first either way: a sync that becomes Ready before it runs again.
    pub(super) before: Decision<S>,
    /// The Jobs to delete before this one is created (stuck attempts).
    pub(super) stuck: Vec<String>,
    /// Finished syncs to delete once a periodic sync starts (the newest two are kept).
    pub(super) older_syncs: Vec<String>,
    /// The newest step report (the counts of a Progressing status).
    pub(super) report: Option<StepReport>,
}

impl<S> Start<S> {
    /// The label of the database the step changes.
    pub fn database(&self) -> &str {
        &self.database
    }
}

/// The first decision of a reconcile.
#[derive(Debug, Clone, PartialEq)]
pub enum Decided<S> {
    /// Final: act on it.
    Done(Decision<S>),
    /// A step should start: read its gate, then [`start`] decides.
    Start(Box<Start<S>>),
}

impl<S> Decision<S> {
    /// Leaves the status as it is.
    pub(super) fn leave(requeue: Requeue, verdict: Verdict) -> Self {
        Self {
            actions: Vec::new(),
            status: None,
            requeue,
            verdict,
            steps: Vec::new(),
        }
    }

    /// Writes `status`.
    pub(super) fn to(status: S, requeue: Requeue, verdict: Verdict) -> Self {
        Self {
            status: Some(status),
            ..Self::leave(requeue, verdict)
        }
    }
}
