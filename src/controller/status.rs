//! The status the operator writes: the newest step report's status (the same one
//! `dbmigrate apply -f` computes), with the operator's phase, message, failure and conditions.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;

use crate::api::{DatabaseMigrationStatus, FailureStatus};
use crate::jobs::StepReport;
use crate::manifest::{Outcome, first_line, set_outcome_conditions};

/// A DatabaseMigration's status for `outcome`: counts, versions and lint findings from
/// `report` (else kept from `previous`), conditions moved on from `previous`'s.
pub fn migration_status(
    previous: Option<&DatabaseMigrationStatus>,
    report: Option<&StepReport>,
    outcome: &Outcome,
    failure: Option<FailureStatus>,
    generation: Option<i64>,
) -> DatabaseMigrationStatus {
    let mut status = report
        .and_then(|r| r.migration.clone())
        .or_else(|| previous.cloned())
        .unwrap_or_default();
    let message = match outcome {
        Outcome::Ready => status
            .message
            .clone()
            .filter(|_| report.is_some())
            .unwrap_or_else(|| format!("{} applied, up to date", status.applied)),
        Outcome::WouldChange => format!("{} to apply", status.pending),
        Outcome::Progressing { message, .. }
        | Outcome::Blocked { message, .. }
        | Outcome::Failed { message, .. } => first_line(message),
    };
    status.observed_generation = generation;
    status.phase = outcome.phase();
    status.failure = failure;
    status.message = Some(message.clone());
    status.conditions = previous_conditions(previous);
    set_outcome_conditions(
        &mut status.conditions,
        outcome,
        "Applied",
        &message,
        generation,
    );
    status
}

fn previous_conditions(previous: Option<&DatabaseMigrationStatus>) -> Vec<Condition> {
    previous.map(|p| p.conditions.clone()).unwrap_or_default()
}

/// Whether a status says Ready for the resource's current generation.
pub fn is_ready(conditions: &[Condition], observed: Option<i64>, generation: Option<i64>) -> bool {
    observed == generation
        && conditions
            .iter()
            .any(|c| c.type_ == "Ready" && c.status == "True")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Phase;
    use crate::jobs::NextStep;

    fn report(applied: u32, pending: u32) -> StepReport {
        StepReport {
            generation: Some(2),
            applied: vec!["3".to_owned()],
            next: NextStep::Done,
            migration: Some(DatabaseMigrationStatus {
                applied,
                pending,
                current_version: Some("3".to_owned()),
                message: Some(format!("{applied} applied, up to date")),
                ..DatabaseMigrationStatus::default()
            }),
            sync: None,
        }
    }

    #[test]
    fn ready_takes_the_report_and_sets_ready() {
        let status = migration_status(None, Some(&report(3, 0)), &Outcome::Ready, None, Some(2));
        assert_eq!(status.phase, Phase::Ready);
        assert_eq!((status.applied, status.pending), (3, 0));
        assert_eq!(status.current_version.as_deref(), Some("3"));
        assert_eq!(status.observed_generation, Some(2));
        assert_eq!(status.message.as_deref(), Some("3 applied, up to date"));
        assert!(is_ready(&status.conditions, Some(2), Some(2)));
        assert!(!is_ready(&status.conditions, Some(2), Some(3)));
    }

    #[test]
    fn progress_keeps_counts_and_failures_clear_when_not_given() {
        let ready = migration_status(None, Some(&report(3, 0)), &Outcome::Ready, None, Some(2));
        let failed = migration_status(
            Some(&ready),
            None,
            &Outcome::Failed {
                reason: "MigrationFailed".to_owned(),
                message: "20240501_x.sql:3: syntax error\nmore".to_owned(),
            },
            Some(FailureStatus {
                reason: "MigrationFailed".to_owned(),
                message: "syntax error".to_owned(),
                ..FailureStatus::default()
            }),
            Some(3),
        );
        assert_eq!(failed.phase, Phase::Failed);
        assert_eq!(failed.applied, 3);
        assert_eq!(
            failed.message.as_deref(),
            Some("20240501_x.sql:3: syntax error")
        );
        assert!(!is_ready(&failed.conditions, Some(3), Some(3)));
        let progressing = migration_status(
            Some(&failed),
            None,
            &Outcome::Progressing {
                reason: "Applying".to_owned(),
                message: "step 1, attempt 2".to_owned(),
            },
            None,
            Some(3),
        );
        assert_eq!(progressing.phase, Phase::Progressing);
        assert_eq!(progressing.failure, None);
        let progressing_condition = progressing
            .conditions
            .iter()
            .find(|c| c.type_ == "Progressing")
            .unwrap();
        assert_eq!(progressing_condition.status, "True");
    }
}
