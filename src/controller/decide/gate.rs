//! Whether a step may start now: every dependency Ready, and no other resource's step Job
//! running on the same database (at most one step per database across all resources).

use k8s_openapi::api::batch::v1::Job;
use kube::ResourceExt;

use crate::controller::observe::Dependency;
use crate::jobs::{LABEL_KIND, LABEL_RESOURCE};

/// Why the first dependency that is not Ready holds the step back (`None` when all are).
pub fn unready_dependency(dependencies: &[Dependency]) -> Option<String> {
    dependencies.iter().find_map(|d| match &d.readiness {
        None => Some(format!("waits for {}, which does not exist", d.subject)),
        Some(Err(why)) => Some(format!("waits for {} ({why})", d.subject)),
        Some(Ok(())) => None,
    })
}

/// A running step Job on the database that another resource (not the one of uid `own_uid`)
/// owns, as `Kind name (Job job)`.
pub fn other_running_step(database_jobs: &[Job], own_uid: &str) -> Option<String> {
    database_jobs
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
        })
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

    #[test]
    fn the_first_dependency_not_ready_is_named() {
        let dependency = |subject: &str, readiness| Dependency {
            subject: subject.to_owned(),
            readiness,
        };
        assert_eq!(unready_dependency(&[]), None);
        let deps = [
            dependency("DatabaseMigration a/schema", Some(Ok(()))),
            dependency(
                "ConfigSync a/forums",
                Some(Err("not Ready: syncing".to_owned())),
            ),
            dependency("DatabaseMigration a/gone", None),
        ];
        assert_eq!(
            unready_dependency(&deps).as_deref(),
            Some("waits for ConfigSync a/forums (not Ready: syncing)")
        );
        assert_eq!(
            unready_dependency(&deps[2..]).as_deref(),
            Some("waits for DatabaseMigration a/gone, which does not exist")
        );
    }
}
