//! At most one running step per database across all resources: step Jobs carry their
//! database's label, and a new step starts only when no other resource's step Job on that
//! database is still running. Creation is serialised per database inside the operator, so two
//! reconciles cannot both find the database free.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use k8s_openapi::api::batch::v1::Job;
use kube::api::{Api, ListParams};
use kube::{Client, ResourceExt};
use tokio::sync::OwnedMutexGuard;

use crate::jobs::{LABEL_DATABASE, LABEL_KIND, LABEL_RESOURCE};

/// One lock per database label, held from "is the database free?" until the Job exists.
#[derive(Debug, Default)]
pub struct DatabaseSlots {
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl DatabaseSlots {
    /// Waits for this operator's turn to start a step on `database`.
    pub async fn claim(&self, database: &str) -> OwnedMutexGuard<()> {
        let lock = {
            let mut locks = self
                .locks
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            // a lock only this map refers to is neither held nor awaited: forget it
            locks.retain(|_, lock| Arc::strong_count(lock) > 1);
            locks.entry(database.to_owned()).or_default().clone()
        };
        lock.lock_owned().await
    }
}

/// A running step Job of another resource on the same database, as `Kind name (Job job)`.
pub async fn other_running_step(
    client: &Client,
    namespace: &str,
    database: &str,
    own_uid: &str,
) -> Result<Option<String>, kube::Error> {
    let params = ListParams::default().labels(&format!("{LABEL_DATABASE}={database}"));
    let jobs = Api::<Job>::namespaced(client.clone(), namespace)
        .list(&params)
        .await?
        .items;
    Ok(jobs
        .iter()
        .filter(|job| !job.owner_references().iter().any(|o| o.uid == own_uid))
        .find(|job| is_running(job))
        .map(|job| {
            let label = |key: &str| job.labels().get(key).cloned().unwrap_or_default();
            format!(
                "{} {} (Job {})",
                label(LABEL_KIND),
                label(LABEL_RESOURCE),
                job.name_any()
            )
        }))
}

/// Whether a Job has neither completed nor failed.
fn is_running(job: &Job) -> bool {
    !job.status
        .as_ref()
        .and_then(|status| status.conditions.as_ref())
        .into_iter()
        .flatten()
        .any(|c| (c.type_ == "Complete" || c.type_ == "Failed") && c.status == "True")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(conditions: &str) -> Job {
        serde_json::from_str(&format!(
            r#"{{"metadata": {{"name": "j"}}, "status": {{"conditions": {conditions}}}}}"#
        ))
        .unwrap()
    }

    #[test]
    fn a_job_runs_until_it_completes_or_fails() {
        assert!(is_running(&job("[]")));
        assert!(is_running(&job(
            r#"[{"type": "Complete", "status": "False"}]"#
        )));
        assert!(!is_running(&job(
            r#"[{"type": "Complete", "status": "True"}]"#
        )));
        assert!(!is_running(&job(
            r#"[{"type": "Failed", "status": "True"}]"#
        )));
    }

    #[tokio::test]
    async fn claims_on_one_database_wait_for_each_other_and_not_for_others() {
        let slots = DatabaseSlots::default();
        let held = slots.claim("a").await;
        let other = tokio::time::timeout(std::time::Duration::from_secs(1), slots.claim("b"));
        assert!(other.await.is_ok(), "another database is free");
        let same = tokio::time::timeout(std::time::Duration::from_millis(100), slots.claim("a"));
        assert!(same.await.is_err(), "the same database waits");
        drop(held);
        let after = tokio::time::timeout(std::time::Duration::from_secs(1), slots.claim("a"));
        assert!(after.await.is_ok(), "free again once released");
    }

    #[tokio::test]
    async fn locks_nobody_holds_are_forgotten() {
        let slots = DatabaseSlots::default();
        for database in ["a", "b", "c"] {
            drop(slots.claim(database).await);
        }
        let held = slots.claim("d").await;
        let known = slots.locks.lock().unwrap().len();
        assert_eq!(known, 1, "only d's lock is left");
        drop(held);
    }
}
