//! Reading a step Job's outcome from the Job and its pods: running, succeeded with its
//! [`StepReport`], or failed — with the report when the runner wrote one, else with a reason
//! and a message that tell the user what to do.

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ContainerStatus, Pod};

use super::StepReport;
use super::spec::{COPY_SELF_CONTAINER, STEP_CONTAINER};
use crate::api::Reason;

/// Where a step Job stands.
#[derive(Debug, Clone, PartialEq)]
pub enum StepState {
    /// No pod yet, or its containers are being created.
    Pending,
    /// The step is running.
    Running,
    /// The step finished and reported.
    Succeeded(StepReport),
    /// The step failed.
    Failed {
        /// The runner's report, when it wrote one.
        report: Option<StepReport>,
        /// Why.
        reason: Reason,
        /// What happened and what to do.
        message: String,
    },
}

impl StepState {
    /// Whether the step is still to finish (pending or running).
    pub fn is_active(&self) -> bool {
        matches!(self, Self::Pending | Self::Running)
    }
}

fn failed(reason: Reason, message: String) -> StepState {
    StepState::Failed {
        report: None,
        reason,
        message,
    }
}

/// The outcome of `job`, given the pods it created (in any order; the newest counts).
pub fn step_state(job: &Job, pods: &[Pod]) -> StepState {
    let conditions = job
        .status
        .as_ref()
        .and_then(|status| status.conditions.as_deref())
        .unwrap_or_default();
    let condition = |kind: &str| {
        conditions
            .iter()
            .find(|c| c.type_ == kind && c.status == "True")
    };
    if let Some(failed_condition) = condition("Failed")
        && failed_condition.reason.as_deref() == Some("DeadlineExceeded")
    {
        let deadline = job
            .spec
            .as_ref()
            .and_then(|spec| spec.active_deadline_seconds)
            .map_or_else(String::new, |seconds| format!(" ({seconds}s)"));
        return failed(
            Reason::StepTimedOut,
            format!(
                "the step ran longer than its deadline{deadline} and was stopped; raise \
                 spec.runner.activeDeadlineSeconds, or look for a lock the step waited on"
            ),
        );
    }
    let pod = pods
        .iter()
        .max_by_key(|pod| pod.metadata.creation_timestamp.as_ref().map(|t| t.0));
    if let Some(outcome) = pod.and_then(pod_outcome) {
        return outcome;
    }
    if let Some(failed_condition) = condition("Failed") {
        return failed(
            Reason::StepFailed,
            format!(
                "the Job failed ({}): {}",
                failed_condition
                    .reason
                    .as_deref()
                    .unwrap_or("no reason given"),
                failed_condition.message.as_deref().unwrap_or("no message")
            ),
        );
    }
    if condition("Complete").is_some() {
        return failed(
            Reason::ReportUnreadable,
            "the Job completed but its pod is gone, and with it the step's report; the next \
             step re-reads the database's history"
                .to_owned(),
        );
    }
    StepState::Pending
}

/// The outcome one pod tells, `None` while it is pending (not scheduled, pulling, creating
/// containers, or running its init container).
fn pod_outcome(pod: &Pod) -> Option<StepState> {
    let status = pod.status.as_ref()?;
    let init = status.init_container_statuses.iter().flatten();
    let main = status.container_statuses.iter().flatten();
    let statuses: Vec<&ContainerStatus> = init.chain(main).collect();
    if let Some(outcome) = statuses.iter().find_map(|s| waiting_failure(s)) {
        return Some(outcome);
    }
    for container in &statuses {
        let Some(terminated) = container.state.as_ref().and_then(|s| s.terminated.as_ref()) else {
            continue;
        };
        let message = terminated.message.as_deref().unwrap_or_default();
        let report = StepReport::from_termination_message(message);
        if terminated.reason.as_deref() == Some("OOMKilled") {
            return Some(StepState::Failed {
                report: report.ok(),
                reason: Reason::OutOfMemory,
                message: format!(
                    "container {} went over its memory limit and was killed; raise \
                     spec.runner.resources.limits.memory, or lower \
                     spec.runner.maxMigrationsPerJob",
                    container.name
                ),
            });
        }
        let is_step = container.name == STEP_CONTAINER;
        match (terminated.exit_code, report) {
            (0, _) if !is_step => {}
            (0, Ok(report)) => return Some(StepState::Succeeded(report)),
            (0, Err(error)) => {
                return Some(failed(
                    Reason::ReportUnreadable,
                    format!(
                        "the step exited successfully but left no dbmigrate report ({error}); \
                         check that spec.runner.image is a dbmigrate image of the operator's \
                         version"
                    ),
                ));
            }
            (code, Ok(report)) if is_step => {
                let message = report_message(&report)
                    .unwrap_or_else(|| format!("the step exited with code {code}"));
                return Some(StepState::Failed {
                    report: Some(report),
                    reason: Reason::StepFailed,
                    message,
                });
            }
            (code, _) => {
                let what = if container.name == COPY_SELF_CONTAINER {
                    "copying the dbmigrate runner into the script's image".to_owned()
                } else {
                    format!("container {}", container.name)
                };
                let output = message.trim();
                let output = if output.is_empty() {
                    "no output".to_owned()
                } else {
                    format!("last output: {output}")
                };
                return Some(failed(
                    Reason::StepFailed,
                    format!("{what} failed with exit code {code} and no report ({output})"),
                ));
            }
        }
    }
    if statuses
        .iter()
        .any(|s| s.name == STEP_CONTAINER && s.state.as_ref().is_some_and(|s| s.running.is_some()))
    {
        return Some(StepState::Running);
    }
    (status.phase.as_deref() == Some("Failed")).then(|| {
        failed(
            Reason::StepFailed,
            format!(
                "the step's pod failed ({}): {}",
                status.reason.as_deref().unwrap_or("no reason given"),
                status.message.as_deref().unwrap_or("no message")
            ),
        )
    })
}

/// A container stuck waiting for a reason it will not get past by itself.
fn waiting_failure(container: &ContainerStatus) -> Option<StepState> {
    let waiting = container.state.as_ref()?.waiting.as_ref()?;
    let detail = waiting.message.as_deref().unwrap_or_default();
    match waiting.reason.as_deref()? {
        "ErrImagePull" | "ImagePullBackOff" | "InvalidImageName" => Some(failed(
            Reason::ImagePullFailed,
            format!(
                "image {} of container {} cannot be pulled ({detail}); check the image name \
                 and tag, and that the namespace can pull it (imagePullSecrets)",
                container.image, container.name
            ),
        )),
        "CreateContainerConfigError" if detail.to_ascii_lowercase().contains("secret") => {
            Some(failed(
                Reason::SecretNotFound,
                format!(
                    "{detail}; create the Secret (and key) spec.database names in the \
                     resource's namespace"
                ),
            ))
        }
        "CreateContainerConfigError" => Some(failed(
            Reason::ContainerConfigInvalid,
            format!("container {} cannot be created: {detail}", container.name),
        )),
        _ => None,
    }
}

/// The failure message of a report, if it carries one.
fn report_message(report: &StepReport) -> Option<String> {
    let migration = report.migration.as_ref().and_then(|status| {
        let failure = status.failure.as_ref()?;
        let at = failure
            .version
            .as_deref()
            .map_or_else(String::new, |v| format!(" at {v}"));
        Some(format!("{}{at}: {}", failure.reason, failure.message))
    });
    migration.or_else(|| {
        let failure = report.sync.as_ref()?.failure.as_ref()?;
        let table = failure
            .table
            .as_deref()
            .map_or_else(String::new, |t| format!(" in {t}"));
        Some(format!("{}{table}: {}", failure.reason, failure.message))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{DatabaseMigrationStatus, FailureStatus};
    use crate::jobs::NextStep;

    fn job(status: &str) -> Job {
        serde_yaml::from_str(&format!(
            "metadata: {{name: forum-schema-s0-a1-0123456789}}\nspec:\n  activeDeadlineSeconds: 600\n  template: {{}}\nstatus: {status}"
        ))
        .unwrap()
    }

    /// A pod whose step container (and, with `init`, copy-self container) is in `state`.
    fn pod(state: &str, init: Option<&str>) -> Pod {
        let init = init.map_or_else(String::new, |init| {
            format!(
                "  initContainerStatuses:\n  - {{name: copy-self, image: ghcr.io/dbmigrate/dbmigrate:0.1.0, imageID: '', ready: false, restartCount: 0, state: {init}}}\n"
            )
        });
        serde_yaml::from_str(&format!(
            "metadata: {{name: p, creationTimestamp: '2026-11-25T09:00:00Z'}}\nstatus:\n  phase: Running\n{init}  containerStatuses:\n  - {{name: step, image: registry.example.com/app:1, imageID: '', ready: false, restartCount: 0, state: {state}}}\n"
        ))
        .unwrap()
    }

    fn terminated(exit: i32, reason: &str, message: &str) -> String {
        serde_json::json!({"terminated": {"exitCode": exit, "reason": reason, "message": message}})
            .to_string()
    }

    fn report() -> StepReport {
        StepReport {
            generation: Some(3),
            applied: vec!["1".to_owned()],
            next: NextStep::Done,
            migration: None,
            sync: None,
        }
    }

    fn reason_and_message(outcome: StepState) -> (Reason, String, Option<StepReport>) {
        match outcome {
            StepState::Failed {
                report,
                reason,
                message,
            } => (reason, message, report),
            other => panic!("expected a failure, got {other:?}"),
        }
    }

    #[test]
    fn no_pod_or_containers_being_created_is_pending() {
        assert_eq!(step_state(&job("{}"), &[]), StepState::Pending);
        let creating = pod("{waiting: {reason: ContainerCreating}}", None);
        assert_eq!(
            step_state(&job("{active: 1}"), &[creating]),
            StepState::Pending
        );
        let initializing = pod(
            "{waiting: {reason: PodInitializing}}",
            Some("{running: {startedAt: '2026-11-25T09:00:01Z'}}"),
        );
        assert_eq!(
            step_state(&job("{active: 1}"), &[initializing]),
            StepState::Pending
        );
    }

    #[test]
    fn a_running_step_is_running() {
        let running = pod("{running: {startedAt: '2026-11-25T09:00:01Z'}}", None);
        assert_eq!(
            step_state(&job("{active: 1}"), &[running]),
            StepState::Running
        );
    }

    #[test]
    fn a_successful_step_returns_its_report() {
        let done = pod(
            &terminated(0, "Completed", &report().to_termination_message()),
            None,
        );
        let complete = job("{succeeded: 1, conditions: [{type: Complete, status: 'True'}]}");
        assert_eq!(
            step_state(&complete, &[done]),
            StepState::Succeeded(report())
        );
    }

    #[test]
    fn a_success_without_report_is_unreadable() {
        let done = pod(&terminated(0, "Completed", "done\n"), None);
        let (reason, message, _) = reason_and_message(step_state(&job("{}"), &[done]));
        assert_eq!(reason, Reason::ReportUnreadable);
        assert!(message.contains("spec.runner.image"), "{message}");
        let gone = job("{conditions: [{type: Complete, status: 'True'}]}");
        let (reason, _, _) = reason_and_message(step_state(&gone, &[]));
        assert_eq!(reason, Reason::ReportUnreadable);
    }

    #[test]
    fn a_failed_step_with_a_report_keeps_it_and_its_failure() {
        let mut failed_report = report();
        failed_report.migration = Some(DatabaseMigrationStatus {
            failure: Some(FailureStatus {
                reason: "MigrationFailed".to_owned(),
                version: Some("2".to_owned()),
                message: "syntax error at or near \"tabel\"".to_owned(),
                ..FailureStatus::default()
            }),
            ..DatabaseMigrationStatus::default()
        });
        let text = failed_report.to_termination_message();
        let failed_pod = pod(&terminated(1, "Error", &text), None);
        let (reason, message, report) = reason_and_message(step_state(&job("{}"), &[failed_pod]));
        assert_eq!(reason, Reason::StepFailed);
        assert_eq!(
            message,
            "MigrationFailed at 2: syntax error at or near \"tabel\""
        );
        assert_eq!(report, Some(failed_report));
    }

    #[test]
    fn a_failed_step_without_report_gives_exit_code_and_output() {
        let crashed = pod(&terminated(101, "Error", "thread 'main' panicked\n"), None);
        let (reason, message, report) = reason_and_message(step_state(&job("{}"), &[crashed]));
        assert_eq!((reason, report), (Reason::StepFailed, None));
        assert!(message.contains("exit code 101"), "{message}");
        assert!(message.contains("thread 'main' panicked"), "{message}");

        let copy_failed = pod(
            "{waiting: {reason: PodInitializing}}",
            Some(&terminated(2, "Error", "")),
        );
        let (reason, message, _) = reason_and_message(step_state(&job("{}"), &[copy_failed]));
        assert_eq!(reason, Reason::StepFailed);
        assert!(
            message.starts_with("copying the dbmigrate runner"),
            "{message}"
        );
        assert!(message.contains("no output"), "{message}");
    }

    #[test]
    fn a_deadline_is_a_timeout() {
        let timed_out = job(
            "{conditions: [{type: Failed, status: 'True', reason: DeadlineExceeded, message: 'Job was active longer than specified deadline'}]}",
        );
        let running = pod("{running: {}}", None);
        let (reason, message, _) = reason_and_message(step_state(&timed_out, &[running]));
        assert_eq!(reason, Reason::StepTimedOut);
        assert!(message.contains("(600s)"), "{message}");
        assert!(message.contains("activeDeadlineSeconds"), "{message}");
    }

    #[test]
    fn image_pull_failures_name_the_image() {
        for waiting in ["ErrImagePull", "ImagePullBackOff", "InvalidImageName"] {
            let stuck = pod(
                &format!("{{waiting: {{reason: {waiting}, message: 'not found'}}}}"),
                None,
            );
            let (reason, message, _) = reason_and_message(step_state(&job("{}"), &[stuck]));
            assert_eq!(reason, Reason::ImagePullFailed, "{waiting}");
            assert!(message.contains("registry.example.com/app:1"), "{message}");
        }
    }

    #[test]
    fn container_config_errors_tell_a_missing_secret_from_others() {
        let no_secret = pod(
            "{waiting: {reason: CreateContainerConfigError, message: 'secret \"forum-db\" not found'}}",
            None,
        );
        let (reason, message, _) = reason_and_message(step_state(&job("{}"), &[no_secret]));
        assert_eq!(reason, Reason::SecretNotFound);
        assert!(message.contains("forum-db"), "{message}");

        let other = pod(
            "{waiting: {reason: CreateContainerConfigError, message: 'configmap \"x\" not found'}}",
            None,
        );
        let (reason, _, _) = reason_and_message(step_state(&job("{}"), &[other]));
        assert_eq!(reason, Reason::ContainerConfigInvalid);
    }

    #[test]
    fn an_oom_kill_is_out_of_memory() {
        let killed = pod(&terminated(137, "OOMKilled", ""), None);
        let (reason, message, _) = reason_and_message(step_state(&job("{}"), &[killed]));
        assert_eq!(reason, Reason::OutOfMemory);
        assert!(message.contains("resources.limits.memory"), "{message}");
    }

    #[test]
    fn the_newest_pod_counts_and_failed_jobs_or_pods_without_containers_fail() {
        let mut old = pod(&terminated(1, "Error", "old"), None);
        old.metadata.creation_timestamp = serde_yaml::from_str("'2026-11-25T08:00:00Z'").unwrap();
        let new = pod("{running: {}}", None);
        assert_eq!(step_state(&job("{}"), &[new, old]), StepState::Running);

        let evicted: Pod = serde_yaml::from_str(
            "metadata: {name: p}\nstatus: {phase: Failed, reason: Evicted, message: 'low on ephemeral-storage'}",
        )
        .unwrap();
        let (reason, message, _) = reason_and_message(step_state(&job("{}"), &[evicted]));
        assert_eq!(reason, Reason::StepFailed);
        assert!(message.contains("Evicted"), "{message}");

        let failed_job =
            job("{conditions: [{type: Failed, status: 'True', reason: BackoffLimitExceeded}]}");
        let (reason, message, _) = reason_and_message(step_state(&failed_job, &[]));
        assert_eq!(reason, Reason::StepFailed);
        assert!(message.contains("BackoffLimitExceeded"), "{message}");
        assert_eq!(Reason::OutOfMemory.as_str(), "OutOfMemory");
    }
}
