//! The kubelet's pod sync: start the pods bound to this node, stop the ones being deleted,
//! forget the ones gone; after a restart, fail the pods it can no longer re-attach to.

use std::collections::BTreeSet;
use std::sync::Arc;

use k8s_openapi::api::core::v1::Pod;
use tracing::{info, warn};

use crate::Context;
use crate::pod_runner;
use crate::registry::Kill;

fn terminal(pod: &Pod) -> bool {
    matches!(
        pod.status.as_ref().and_then(|s| s.phase.as_deref()),
        Some("Succeeded" | "Failed")
    )
}

/// One pass over all pods in scope. On the `first` pass, pods bound to this node that are not
/// finished are marked Failed instead of started: they were started by an earlier job-runner
/// whose processes are gone.
pub async fn sync(ctx: &Arc<Context>, pods: &[Arc<Pod>], first: bool) {
    let mine: Vec<&Pod> = pods
        .iter()
        .map(Arc::as_ref)
        .filter(|p| p.spec.as_ref().and_then(|s| s.node_name.as_deref()) == Some(ctx.node.as_str()))
        .collect();
    let uids: BTreeSet<&str> = mine
        .iter()
        .filter_map(|p| p.metadata.uid.as_deref())
        .collect();
    for pod in &mine {
        let uid = pod.metadata.uid.as_deref().unwrap_or_default();
        if let Some(local) = ctx.registry.get(uid) {
            if pod.metadata.deletion_timestamp.is_some() && !*local.finished.borrow() {
                local.stop(Kill::Terminating);
            }
            continue;
        }
        if terminal(pod) {
            continue;
        }
        if first || pod.metadata.deletion_timestamp.is_some() {
            let name = pod.metadata.name.as_deref().unwrap_or_default();
            info!(
                pod = name,
                "marking pod left over from an earlier job-runner as Failed"
            );
            if let Err(e) = pod_runner::mark_lost(ctx, pod).await {
                warn!(pod = name, error = %e, "cannot mark pod Failed");
            }
            continue;
        }
        pod_runner::start(ctx.clone(), (*pod).clone());
    }
    remove_stale_state(ctx, pods);
    for local in ctx.registry.all() {
        if uids.contains(local.uid.as_str()) {
            continue;
        }
        if *local.finished.borrow() {
            pod_runner::cleanup(ctx, &local);
        } else {
            local.stop(Kill::Deleted);
        }
    }
}

/// Removes state directories (`<ns>_<pod>_<uid>`) of pods that no longer exist in namespaces
/// in scope and that this process does not know (left behind by an earlier job-runner).
fn remove_stale_state(ctx: &Context, pods: &[Arc<Pod>]) {
    let uids: BTreeSet<&str> = pods
        .iter()
        .filter_map(|p| p.metadata.uid.as_deref())
        .collect();
    let Ok(entries) = std::fs::read_dir(ctx.state_dir.join("pods")) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let mut parts = name.splitn(3, '_');
        let (Some(ns), Some(_pod), Some(uid)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let in_scope = ctx.namespaces.is_empty() || ctx.namespaces.iter().any(|n| n == ns);
        if in_scope && !uids.contains(uid) && ctx.registry.get(uid).is_none() {
            info!(dir = %entry.path().display(), "removing state of a pod that no longer exists");
            if let Err(e) = std::fs::remove_dir_all(entry.path()) {
                warn!(dir = %entry.path().display(), error = %e, "cannot remove stale pod state");
            }
        }
    }
}
