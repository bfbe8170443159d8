//! The Job controller's API side: reads a Job, applies [`jobctl::plan`] (pod deletions, status,
//! finalizer removals, pod creations, in the real controller's order) and the TTL deletion.

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::batch::v1::{Job, JobStatus};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::jiff::Timestamp;
use kube::Api;
use kube::api::{DeleteParams, ListParams, Patch, PatchParams, PostParams};
use serde_json::Value;
use tracing::info;

use crate::Context;
use crate::jobctl::{self, CONTROLLER_UID, TRACKING_FINALIZER};

/// A failed API call while syncing a Job.
#[derive(Debug, thiserror::Error)]
#[error("job {namespace}/{name}: {action}: {source}")]
pub struct SyncError {
    /// The Job's namespace.
    pub namespace: String,
    /// The Job.
    pub name: String,
    /// What was being done.
    pub action: String,
    /// The API error.
    pub source: kube::Error,
}

/// The outcome of one sync.
#[derive(Debug, Default)]
pub struct Synced {
    /// Something was written: look again soon.
    pub changed: bool,
    /// Look again after this long at the latest.
    pub requeue_after: Option<Duration>,
}

fn not_found(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 404)
}

/// How long a finished Job needs nothing (its pods hold no tracking finalizer): until its TTL
/// deadline, if it has one. `None` when it may need work now, or is not finished (as the
/// watch saw it). Such Jobs are not read again, so a pass costs what the live Jobs cost.
pub fn settled_for(job: &Job, pods: &[Arc<Pod>], now: Timestamp) -> Option<Option<Duration>> {
    jobctl::finished(job)?;
    let tracked = pods.iter().any(|p| {
        jobctl::owned_by(p, job)
            && p.metadata
                .finalizers
                .iter()
                .flatten()
                .any(|f| f == TRACKING_FINALIZER)
    });
    if tracked {
        return None;
    }
    match jobctl::ttl_deadline(job) {
        Some(at) if at <= now => None,
        Some(at) => Some(Duration::try_from(at.duration_since(now)).ok()),
        None => Some(None),
    }
}

/// Syncs one Job, reading it and its pods afresh.
pub async fn sync(ctx: &Context, namespace: &str, name: &str) -> Result<Synced, SyncError> {
    let err = |action: &str| {
        let (namespace, name, action) = (namespace.to_owned(), name.to_owned(), action.to_owned());
        move |source| SyncError {
            namespace,
            name,
            action,
            source,
        }
    };
    let jobs: Api<Job> = Api::namespaced(ctx.client.clone(), namespace);
    let pod_api: Api<Pod> = Api::namespaced(ctx.client.clone(), namespace);
    let Some(job) = jobs.get_opt(name).await.map_err(err("read job"))? else {
        return Ok(Synced::default());
    };
    if job.metadata.deletion_timestamp.is_some() {
        return Ok(Synced::default());
    }
    let uid = job.metadata.uid.as_deref().unwrap_or_default();
    let labelled = ListParams::default().labels(&format!("{CONTROLLER_UID}={uid}"));
    let owned: Vec<Pod> = pod_api
        .list(&labelled)
        .await
        .map_err(err("list the job's pods"))?
        .items
        .into_iter()
        .filter(|p| jobctl::owned_by(p, &job))
        .collect();
    let now = Timestamp::now();
    let mut out = Synced::default();

    if jobctl::finished(&job).is_some() {
        for p in owned.iter().filter(|p| {
            p.metadata
                .finalizers
                .iter()
                .flatten()
                .any(|f| f == TRACKING_FINALIZER)
        }) {
            remove_finalizer(&pod_api, p)
                .await
                .map_err(err("remove pod finalizer"))?;
            out.changed = true;
        }
        if let Some(at) = jobctl::ttl_deadline(&job) {
            if at <= now {
                info!("deleting finished job (ttlSecondsAfterFinished)");
                match jobs.delete(name, &DeleteParams::background()).await {
                    Err(e) if !not_found(&e) => return Err(err("delete job after ttl")(e)),
                    _ => {}
                }
            } else {
                out.requeue_after = Duration::try_from(at.duration_since(now)).ok();
            }
        }
        return Ok(out);
    }
    if job.spec.as_ref().and_then(|s| s.suspend) == Some(true) {
        return Ok(out);
    }

    let plan = jobctl::plan(&job, &owned, now, ctx.backoff);
    out.requeue_after = plan.requeue_after;
    for pod in &plan.delete {
        info!(pod, "deleting pod of finishing job");
        match pod_api.delete(pod, &DeleteParams::default()).await {
            Err(e) if !not_found(&e) => return Err(err("delete pod")(e)),
            _ => out.changed = true,
        }
    }
    if job.status.as_ref() != Some(&plan.status) {
        let patch = serde_json::json!({ "status": status_patch(&plan.status) });
        jobs.patch_status(name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .map_err(err("write job status"))?;
        out.changed = true;
        for c in plan.status.conditions.iter().flatten() {
            let known = job
                .status
                .iter()
                .flat_map(|s| s.conditions.iter().flatten())
                .any(|o| o.type_ == c.type_);
            if !known {
                info!(condition = %c.type_, reason = c.reason.as_deref().unwrap_or_default(), "job condition");
            }
        }
    }
    for pod in owned.iter().filter(|p| {
        plan.remove_finalizers
            .iter()
            .any(|n| Some(n) == p.metadata.name.as_ref())
    }) {
        remove_finalizer(&pod_api, pod)
            .await
            .map_err(err("remove pod finalizer"))?;
        out.changed = true;
    }
    for _ in 0..plan.create {
        let created = pod_api
            .create(&PostParams::default(), &jobctl::new_pod(&job, &ctx.node))
            .await
            .map_err(err("create pod"))?;
        info!(
            pod = created.metadata.name.as_deref().unwrap_or_default(),
            "created pod"
        );
        out.changed = true;
    }
    Ok(out)
}

/// A merge patch for `status` that also clears the fields the new status no longer has.
pub fn status_patch(status: &JobStatus) -> Value {
    let mut v = serde_json::to_value(status).unwrap_or_else(|_| Value::Object(Default::default()));
    if let Value::Object(map) = &mut v {
        for key in [
            "active",
            "succeeded",
            "failed",
            "ready",
            "terminating",
            "startTime",
            "completionTime",
            "conditions",
            "completedIndexes",
            "failedIndexes",
        ] {
            map.entry(key).or_insert(Value::Null);
        }
        let unc = map
            .entry("uncountedTerminatedPods")
            .or_insert_with(|| Value::Object(Default::default()));
        if let Value::Object(u) = unc {
            u.entry("succeeded").or_insert(Value::Null);
            u.entry("failed").or_insert(Value::Null);
        }
    }
    v
}

async fn remove_finalizer(api: &Api<Pod>, pod: &Pod) -> Result<(), kube::Error> {
    let rest: Vec<&String> = pod
        .metadata
        .finalizers
        .iter()
        .flatten()
        .filter(|f| *f != TRACKING_FINALIZER)
        .collect();
    let finalizers = if rest.is_empty() {
        Value::Null
    } else {
        serde_json::json!(rest)
    };
    let patch = serde_json::json!({ "metadata": { "finalizers": finalizers } });
    let name = pod.metadata.name.as_deref().unwrap_or_default();
    match api
        .patch(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
    {
        Err(e) if !not_found(&e) => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_clears_what_is_gone() {
        let s = JobStatus {
            succeeded: Some(1),
            ..JobStatus::default()
        };
        let v = status_patch(&s);
        assert_eq!(v["succeeded"], 1);
        assert_eq!(v["active"], Value::Null);
        assert!(v.as_object().unwrap().contains_key("active"));
        assert_eq!(
            v["uncountedTerminatedPods"],
            serde_json::json!({"succeeded": null, "failed": null})
        );
    }

    #[test]
    fn a_finished_job_waits_for_its_ttl_unless_a_pod_is_still_tracked() {
        let job = |ttl: &str| -> Job {
            serde_yaml::from_str(&format!(
                "metadata: {{name: j, namespace: ns, uid: job-uid}}
spec: {{template: {{spec: {{containers: []}}}}{ttl}}}
status:
  completionTime: '2025-01-01T00:00:00Z'
  conditions: [{{type: Complete, status: 'True', lastTransitionTime: '2025-01-01T00:00:00Z'}}]"
            ))
            .unwrap()
        };
        let pod = |finalizers: &str| -> Pod {
            serde_yaml::from_str(&format!(
                "metadata: {{name: p, uid: p-uid, finalizers: {finalizers}, ownerReferences: [{{apiVersion: batch/v1, kind: Job, name: j, uid: job-uid, controller: true}}]}}"
            ))
            .unwrap()
        };
        let now: Timestamp = "2025-01-01T00:00:10Z".parse().unwrap();
        let with_ttl = job(", ttlSecondsAfterFinished: 60");
        assert_eq!(
            settled_for(&with_ttl, &[Arc::new(pod("[]"))], now),
            Some(Some(Duration::from_secs(50)))
        );
        assert_eq!(settled_for(&job(""), &[], now), Some(None));
        let tracked = pod(&format!("[{TRACKING_FINALIZER}]"));
        assert_eq!(settled_for(&with_ttl, &[Arc::new(tracked)], now), None);
        let expired: Timestamp = "2025-01-01T00:01:00Z".parse().unwrap();
        assert_eq!(settled_for(&with_ttl, &[], expired), None);
        let mut running = job("");
        running.status = None;
        assert_eq!(settled_for(&running, &[], now), None);
    }
}
