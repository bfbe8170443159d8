//! A resource's step Jobs as `observe` listed them, read: which belong to the current inputs
//! and where each stands, whether a Job of earlier inputs still runs, and which Jobs are stuck.

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::jiff::Timestamp;
use kube::ResourceExt;

use crate::jobs::{LABEL_ATTEMPT, LABEL_INPUT_HASH, LABEL_STEP, StepKind, StepState, step_state};

/// One step Job of the resource's current inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct StepJob {
    /// The Job's name.
    pub name: String,
    /// Step number (0-based).
    pub ordinal: u32,
    /// Attempt number of that step (1 for the first run).
    pub attempt: u32,
    /// What it does.
    pub kind: StepKind,
    /// Where it is.
    pub state: StepState,
    /// When it started (the Job's start time), if it did.
    pub started_at: Option<Timestamp>,
    /// When it finished (the Job's completion or failure time), if it did.
    pub finished_at: Option<Timestamp>,
}

/// The step Jobs of one resource, split by inputs.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct FoundJobs {
    /// Jobs built for the current input hash.
    pub current: Vec<StepJob>,
    /// Whether a Job of earlier inputs is still pending or running.
    pub earlier_active: bool,
    /// Jobs whose step failed while the Job itself goes on (a pod stuck on a missing Secret or
    /// image), of any inputs: deleted before the next step, so that they never run too.
    pub stuck: Vec<String>,
}

impl FoundJobs {
    /// Reads the `jobs` owned by the resource of uid `owner` (the list by label may hold those
    /// of a deleted namesake), with their `pods`, against `input_hash`.
    pub fn read(jobs: &[Job], pods: &[Pod], owner: &str, input_hash: &str) -> Self {
        let mut found = Self::default();
        let owned = jobs
            .iter()
            .filter(|job| job.owner_references().iter().any(|o| o.uid == owner));
        for job in owned {
            let job_uid = job.metadata.uid.as_deref().unwrap_or_default();
            let own_pods: Vec<Pod> = pods
                .iter()
                .filter(|pod| pod.owner_references().iter().any(|o| o.uid == job_uid))
                .cloned()
                .collect();
            let state = step_state(job, &own_pods);
            let finished = finished_at(job);
            if finished.is_none() && matches!(state, StepState::Failed { .. }) {
                found.stuck.push(job.name_any());
            }
            if job.labels().get(LABEL_INPUT_HASH).map(String::as_str) != Some(input_hash) {
                found.earlier_active |= state.is_active();
                continue;
            }
            let number = |label: &str| {
                job.labels()
                    .get(label)
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0)
            };
            found.current.push(StepJob {
                name: job.name_any(),
                ordinal: number(LABEL_STEP),
                attempt: number(LABEL_ATTEMPT),
                kind: StepKind::of_job(job),
                started_at: job
                    .status
                    .as_ref()
                    .and_then(|s| s.start_time.as_ref())
                    .map(|t| t.0),
                finished_at: finished,
                state,
            });
        }
        found
    }

    /// The newest step Job of the current inputs (highest step, then attempt).
    pub fn latest(&self) -> Option<&StepJob> {
        self.current.iter().max_by_key(|j| (j.ordinal, j.attempt))
    }
}

/// When the Job finished: its completion time, else the time of its Failed condition.
fn finished_at(job: &Job) -> Option<Timestamp> {
    let status = job.status.as_ref()?;
    if let Some(time) = &status.completion_time {
        return Some(time.0);
    }
    status
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_ == "Failed" && c.status == "True")
        .and_then(|c| c.last_transition_time.as_ref())
        .map(|t| t.0)
}
