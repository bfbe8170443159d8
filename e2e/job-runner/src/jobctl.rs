//! The Job controller's decisions as a pure function: from a Job and its pods, the next Job
//! status and the pod creations, deletions and finalizer removals (Kubernetes 1.33 semantics
//! for NonIndexed Jobs).

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::batch::v1::{Job, JobCondition, JobStatus, UncountedTerminatedPods};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference, Time};
use k8s_openapi::jiff::{SignedDuration, Timestamp};

/// The finalizer the Job controller puts on its pods until it has counted them.
pub const TRACKING_FINALIZER: &str = "batch.kubernetes.io/job-tracking";
/// Longest delay before replacing a failed pod.
pub const MAX_BACKOFF: Duration = Duration::from_secs(360);

/// What the controller should do next for one Job.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The status to write (compare with the current one before writing).
    pub status: JobStatus,
    /// How many pods to create now.
    pub create: usize,
    /// Pods to delete (names).
    pub delete: Vec<String>,
    /// Pods whose tracking finalizer to remove (names), after `status` is written.
    pub remove_finalizers: Vec<String>,
    /// When to look again at the latest, if nothing else changes.
    pub requeue_after: Option<Duration>,
}

/// Whether the Job has a `Complete` or `Failed` condition that is True.
pub fn finished(job: &Job) -> Option<&JobCondition> {
    job.status
        .as_ref()?
        .conditions
        .iter()
        .flatten()
        .find(|c| (c.type_ == "Complete" || c.type_ == "Failed") && c.status == "True")
}

/// When `ttlSecondsAfterFinished` makes the finished Job due for deletion.
pub fn ttl_deadline(job: &Job) -> Option<Timestamp> {
    let ttl = job.spec.as_ref()?.ttl_seconds_after_finished?;
    let cond = finished(job)?;
    let at = job
        .status
        .as_ref()
        .and_then(|s| s.completion_time.as_ref())
        .or(cond.last_transition_time.as_ref())?;
    Some(at.0 + SignedDuration::from_secs(ttl.into()))
}

/// Whether `pod` is controlled by `job`.
pub fn owned_by(pod: &Pod, job: &Job) -> bool {
    let uid = job.metadata.uid.as_deref();
    pod.metadata
        .owner_references
        .iter()
        .flatten()
        .any(|o| o.controller == Some(true) && Some(o.uid.as_str()) == uid)
}

fn phase(pod: &Pod) -> &str {
    pod.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("Pending")
}

fn has_finalizer(pod: &Pod) -> bool {
    pod.metadata
        .finalizers
        .iter()
        .flatten()
        .any(|f| f == TRACKING_FINALIZER)
}

fn is_ready(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .into_iter()
        .flatten()
        .any(|c| c.type_ == "Ready" && c.status == "True")
}

/// When a terminal pod finished: the latest container finishedAt, else now.
fn finish_time(pod: &Pod, now: Timestamp) -> Timestamp {
    let status = pod.status.as_ref();
    status
        .into_iter()
        .flat_map(|s| {
            s.container_statuses
                .iter()
                .flatten()
                .chain(s.init_container_statuses.iter().flatten())
        })
        .filter_map(|c| c.state.as_ref()?.terminated.as_ref()?.finished_at.as_ref())
        .map(|t| t.0)
        .max()
        .unwrap_or(now)
}

/// A condition as the controller writes it.
pub fn condition(type_: &str, reason: &str, message: &str, now: Timestamp) -> JobCondition {
    JobCondition {
        type_: type_.to_owned(),
        status: "True".to_owned(),
        reason: Some(reason.to_owned()),
        message: Some(message.to_owned()),
        last_probe_time: Some(Time(now)),
        last_transition_time: Some(Time(now)),
    }
}

/// The label that ties a pod to the Job that created it.
pub const CONTROLLER_UID: &str = "batch.kubernetes.io/controller-uid";

/// The pod the controller creates for `job` (generateName `<job>-`).
pub fn new_pod(job: &Job, node: &str) -> Pod {
    let name = job.metadata.name.clone().unwrap_or_default();
    let uid = job.metadata.uid.clone().unwrap_or_default();
    let template = job
        .spec
        .as_ref()
        .map(|s| s.template.clone())
        .unwrap_or_default();
    let tmeta = template.metadata.unwrap_or_default();
    let mut labels = tmeta.labels.unwrap_or_default();
    for (k, v) in [
        (CONTROLLER_UID, &uid),
        ("batch.kubernetes.io/job-name", &name),
        ("controller-uid", &uid),
        ("job-name", &name),
    ] {
        labels.insert(k.to_owned(), v.clone());
    }
    let mut spec = template.spec.unwrap_or_default();
    spec.node_name = Some(node.to_owned());
    Pod {
        metadata: ObjectMeta {
            generate_name: Some(format!("{name}-")),
            namespace: job.metadata.namespace.clone(),
            labels: Some(labels),
            annotations: tmeta.annotations,
            finalizers: Some(vec![TRACKING_FINALIZER.to_owned()]),
            owner_references: Some(vec![OwnerReference {
                api_version: "batch/v1".to_owned(),
                kind: "Job".to_owned(),
                name,
                uid,
                controller: Some(true),
                block_owner_deletion: Some(true),
            }]),
            ..ObjectMeta::default()
        },
        spec: Some(spec),
        status: None,
    }
}

fn has_condition(status: &JobStatus, type_: &str) -> Option<JobCondition> {
    status
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_ == type_ && c.status == "True")
        .cloned()
}

fn nonzero(n: usize) -> Option<i32> {
    (n > 0).then(|| i32::try_from(n).unwrap_or(i32::MAX))
}

fn count(n: Option<i32>) -> usize {
    n.and_then(|n| usize::try_from(n).ok()).unwrap_or(0)
}

/// The controller's next step for a Job that is neither suspended nor finished.
/// `pods` are the pods the Job controls; `backoff_base` is the first replacement delay.
pub fn plan(job: &Job, pods: &[Pod], now: Timestamp, backoff_base: Duration) -> Plan {
    let spec = job.spec.clone().unwrap_or_default();
    let old = job.status.clone().unwrap_or_default();
    let mut status = old.clone();
    let mut actions = Plan {
        status: JobStatus::default(),
        create: 0,
        delete: Vec::new(),
        remove_finalizers: Vec::new(),
        requeue_after: None,
    };

    // Count terminal pods the two-phase way: first into uncountedTerminatedPods, and only
    // once their finalizer is gone into succeeded/failed.
    let by_uid: BTreeMap<&str, &Pod> = pods
        .iter()
        .filter_map(|p| Some((p.metadata.uid.as_deref()?, p)))
        .collect();
    let uncounted = old.uncounted_terminated_pods.clone().unwrap_or_default();
    let (mut unc_ok, mut unc_failed) = (
        uncounted.succeeded.unwrap_or_default(),
        uncounted.failed.unwrap_or_default(),
    );
    let mut succeeded = count(old.succeeded);
    let mut failed = count(old.failed);
    let done = |uid: &String| by_uid.get(uid.as_str()).is_none_or(|p| !has_finalizer(p));
    succeeded += unc_ok.iter().filter(|u| done(u)).count();
    failed += unc_failed.iter().filter(|u| done(u)).count();
    unc_ok.retain(|u| !done(u));
    unc_failed.retain(|u| !done(u));

    let (mut active, mut terminating, mut ready) = (Vec::new(), 0usize, 0usize);
    let mut last_failure: Option<Timestamp> = None;
    for pod in pods {
        let uid = pod.metadata.uid.clone().unwrap_or_default();
        match phase(pod) {
            p @ ("Succeeded" | "Failed") => {
                if p == "Failed" {
                    let t = finish_time(pod, now);
                    last_failure = Some(last_failure.map_or(t, |l| l.max(t)));
                }
                if has_finalizer(pod) {
                    let list = if p == "Succeeded" {
                        &mut unc_ok
                    } else {
                        &mut unc_failed
                    };
                    if !list.contains(&uid) {
                        list.push(uid);
                    }
                    actions
                        .remove_finalizers
                        .push(pod.metadata.name.clone().unwrap_or_default());
                }
            }
            _ if pod.metadata.deletion_timestamp.is_some() => terminating += 1,
            _ => {
                ready += usize::from(is_ready(pod));
                active.push(pod.metadata.name.clone().unwrap_or_default());
            }
        }
    }
    let all_succeeded = succeeded + unc_ok.len();
    let all_failed = failed + unc_failed.len();

    let completions = spec.completions.map(|c| count(Some(c)));
    let parallelism = spec.parallelism.map_or(1, |p| count(Some(p)));
    let backoff_limit = spec.backoff_limit.map_or(6, |b| count(Some(b)));
    let start = old.start_time.as_ref().map_or(now, |t| t.0);
    status.start_time = Some(Time(start));

    let mut success = has_condition(&old, "SuccessCriteriaMet");
    let mut failure = has_condition(&old, "FailureTarget");
    let conditions = status.conditions.get_or_insert_with(Vec::new);
    if success.is_none() && failure.is_none() {
        let reached = match completions {
            Some(c) => all_succeeded >= c,
            None => all_succeeded > 0 && active.is_empty(),
        };
        let deadline = spec
            .active_deadline_seconds
            .map(|s| start + SignedDuration::from_secs(s));
        if reached {
            let c = condition(
                "SuccessCriteriaMet",
                "CompletionsReached",
                "Reached expected number of succeeded pods",
                now,
            );
            conditions.push(c.clone());
            success = Some(c);
        } else if all_failed > backoff_limit {
            let c = condition(
                "FailureTarget",
                "BackoffLimitExceeded",
                "Job has reached the specified backoff limit",
                now,
            );
            conditions.push(c.clone());
            failure = Some(c);
        } else if deadline.is_some_and(|d| d <= now) {
            let c = condition(
                "FailureTarget",
                "DeadlineExceeded",
                "Job was active longer than specified deadline",
                now,
            );
            conditions.push(c.clone());
            failure = Some(c);
        } else if let Some(d) = deadline {
            actions.requeue_after =
                Some(Duration::try_from(d.duration_since(now)).unwrap_or_default());
        }
    }

    if success.is_some() || failure.is_some() {
        // Finishing: no new pods; the remaining active ones go.
        terminating += active.len();
        actions.delete = std::mem::take(&mut active);
        let settled = terminating == 0 && unc_ok.is_empty() && unc_failed.is_empty();
        if settled {
            if let Some(c) = &success {
                conditions.push(condition(
                    "Complete",
                    c.reason.as_deref().unwrap_or_default(),
                    c.message.as_deref().unwrap_or_default(),
                    now,
                ));
                status.completion_time = Some(Time(now));
            } else if let Some(c) = &failure {
                conditions.push(condition(
                    "Failed",
                    c.reason.as_deref().unwrap_or_default(),
                    c.message.as_deref().unwrap_or_default(),
                    now,
                ));
            }
        }
    } else {
        let wanted = match completions {
            Some(c) => parallelism.min(c.saturating_sub(all_succeeded)),
            None if all_succeeded > 0 => 0,
            None => parallelism,
        };
        let missing = wanted.saturating_sub(active.len());
        if missing > 0 {
            let delay = match (all_failed, last_failure) {
                (0, _) | (_, None) => Duration::ZERO,
                (n, Some(_)) => backoff_base
                    .saturating_mul(1u32 << (n - 1).min(20))
                    .min(MAX_BACKOFF),
            };
            let not_before = last_failure.map_or(now, |t| {
                t + SignedDuration::try_from(delay).unwrap_or_default()
            });
            if not_before <= now {
                actions.create = missing;
            } else {
                let wait = Duration::try_from(not_before.duration_since(now)).unwrap_or_default();
                actions.requeue_after = Some(actions.requeue_after.map_or(wait, |r| r.min(wait)));
            }
        }
    }

    status.active = nonzero(active.len() + actions.create);
    status.ready = Some(i32::try_from(ready).unwrap_or(i32::MAX));
    status.terminating = Some(i32::try_from(terminating).unwrap_or(i32::MAX));
    status.succeeded = nonzero(succeeded);
    status.failed = nonzero(failed);
    status.uncounted_terminated_pods = Some(UncountedTerminatedPods {
        succeeded: (!unc_ok.is_empty()).then_some(unc_ok),
        failed: (!unc_failed.is_empty()).then_some(unc_failed),
    });
    if status.conditions.as_ref().is_some_and(Vec::is_empty) {
        status.conditions = None;
    }
    actions.status = status;
    actions
}

#[cfg(test)]
mod tests;
