//! A resource's step Jobs as found in the cluster: listed by label, kept only when the
//! resource owns them, each read into a [`StepJob`] with its pods' outcome.

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::jiff::Timestamp;
use kube::api::ListParams;
use kube::{Api, Client, Resource, ResourceExt};

use super::error::ReconcileError;
use super::progress::{StepJob, StepKind};
use crate::jobs::{
    LABEL_ATTEMPT, LABEL_INPUT_HASH, LABEL_KIND, LABEL_RESOURCE, LABEL_STEP, STEP_CONTAINER,
    StepState, resource_label, step_state,
};

/// The step Jobs of one resource, split by inputs.
#[derive(Debug, Default)]
pub struct FoundJobs {
    /// Jobs built for the current input hash.
    pub current: Vec<StepJob>,
    /// Whether a Job of earlier inputs is still pending or running.
    pub earlier_active: bool,
    /// Jobs whose step failed while the Job itself goes on (a pod stuck on a missing Secret or
    /// image), of any inputs: deleted before the next step, so that they never run too.
    pub stuck: Vec<String>,
}

/// Lists the Jobs `resource` owns and their pods, and reads each Job's step.
pub async fn find_jobs<R: Resource<DynamicType = ()>>(
    client: &Client,
    resource: &R,
    input_hash: &str,
) -> Result<FoundJobs, ReconcileError> {
    let namespace = resource.namespace().unwrap_or_default();
    let name = resource.name_any();
    let kind = R::kind(&());
    let selector = format!(
        "{LABEL_KIND}={kind},{LABEL_RESOURCE}={}",
        resource_label(&name)
    );
    let params = ListParams::default().labels(&selector);
    let failed = |what: &'static str| {
        let resource = format!("{kind} {namespace}/{name}");
        move |source| ReconcileError::Kube {
            resource,
            action: what,
            source,
        }
    };
    // both lists at once: a reconcile's time to its next Job is mostly these round trips
    let job_api = Api::<Job>::namespaced(client.clone(), &namespace);
    let pod_api = Api::<Pod>::namespaced(client.clone(), &namespace);
    let (jobs, pods) = tokio::join!(job_api.list(&params), pod_api.list(&params));
    let jobs = jobs.map_err(failed("listing its Jobs"))?.items;
    let uid = resource.meta().uid.clone().unwrap_or_default();
    let owned: Vec<Job> = jobs
        .into_iter()
        .filter(|job| job.owner_references().iter().any(|o| o.uid == uid))
        .collect();
    if owned.is_empty() {
        return Ok(FoundJobs::default());
    }
    let pods = pods.map_err(failed("listing the pods of its Jobs"))?.items;
    let mut found = FoundJobs::default();
    for job in owned {
        let job_uid = job.metadata.uid.clone().unwrap_or_default();
        let pods: Vec<Pod> = pods
            .iter()
            .filter(|pod| pod.owner_references().iter().any(|o| o.uid == job_uid))
            .cloned()
            .collect();
        let outcome = step_state(&job, &pods);
        let finished = finished_at(&job);
        let stuck = finished.is_none() && matches!(outcome, StepState::Failed { .. });
        if stuck {
            found.stuck.push(job.name_any());
        }
        if job.labels().get(LABEL_INPUT_HASH).map(String::as_str) != Some(input_hash) {
            found.earlier_active |= matches!(outcome, StepState::Pending | StepState::Running);
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
            kind: step_kind(&job),
            started_at: job
                .status
                .as_ref()
                .and_then(|s| s.start_time.as_ref())
                .map(|t| t.0),
            finished_at: finished,
            outcome,
        });
    }
    Ok(found)
}

/// What a step Job runs, read back from its step container's command.
fn step_kind(job: &Job) -> StepKind {
    let command: Vec<String> = job
        .spec
        .as_ref()
        .and_then(|spec| spec.template.spec.as_ref())
        .and_then(|pod| pod.containers.iter().find(|c| c.name == STEP_CONTAINER))
        .and_then(|c| c.command.clone())
        .unwrap_or_default();
    if let Some(at) = command.iter().position(|arg| arg == "--script") {
        return StepKind::Script {
            version: command.get(at + 1).cloned().unwrap_or_default(),
        };
    }
    if command.iter().any(|arg| arg == "sync") {
        StepKind::Sync
    } else {
        StepKind::Sql
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
