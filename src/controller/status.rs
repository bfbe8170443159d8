//! The status the operator writes: the newest step report's status (the same one
//! `dbmigrate apply -f` computes), with the operator's phase, message, failure and conditions.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use k8s_openapi::jiff::Timestamp;
use serde::Serialize;

use crate::api::{ConfigSyncStatus, DatabaseMigrationStatus, FailureStatus, Phase, SyncFailure};
use crate::manifest::{Outcome, first_line, now, other_failure, set_outcome_conditions};

/// The fields of a status the operator decides itself.
#[derive(Debug, Clone)]
pub struct Settled<F> {
    /// `observedGeneration`.
    pub generation: Option<i64>,
    /// The phase.
    pub phase: Phase,
    /// The one-line message.
    pub message: String,
    /// The failure, if the resource failed.
    pub failure: Option<F>,
    /// The conditions.
    pub conditions: Vec<Condition>,
}

/// The status of a kind the operator reconciles: the parts the operator sets itself.
pub trait OperatorStatus: Default + Clone + PartialEq + Serialize + Send + Sync {
    /// Its `failure`.
    type Failure: Clone + Send + Sync;
    /// The reason of its Ready condition (`Applied`, `Synced`).
    const READY_REASON: &'static str;

    /// Its phase.
    fn phase(&self) -> Phase;
    /// Its conditions.
    fn conditions(&self) -> &[Condition];
    /// Its `observedGeneration`.
    fn observed_generation(&self) -> Option<i64>;
    /// Its one-line message.
    fn message(&self) -> Option<&str>;
    /// The message of a Ready status that no new report describes.
    fn ready_message(&self) -> String;
    /// Migrations still to apply (none for kinds without migrations).
    fn pending(&self) -> Option<u32>;
    /// Its failure.
    fn failure(&self) -> Option<&Self::Failure>;
    /// The inputs its Ready status is for.
    fn input_hash(&self) -> Option<&str>;
    /// Records the inputs its Ready status is for.
    fn set_input_hash(&mut self, hash: String);
    /// When its last step finished, if it records that (a ConfigSync's `lastSyncTime`).
    fn last_finished(&self) -> Option<Timestamp> {
        None
    }
    /// Sets what the operator decides.
    fn settle(&mut self, settled: Settled<Self::Failure>);
    /// A failure the operator saw itself (no report): a pod's reason, a deadline.
    fn new_failure(reason: &str, message: &str, attempt: u32) -> Self::Failure;
    /// A reported failure, counted as attempt `attempt`.
    fn with_attempt(failure: Self::Failure, attempt: u32) -> Self::Failure;
    /// The failure's message.
    fn failure_message(failure: &Self::Failure) -> &str;
}

/// The methods both status types implement alike: their fields have the same names.
macro_rules! same_named_fields {
    ($failure:ty) => {
        fn phase(&self) -> Phase {
            self.phase
        }
        fn conditions(&self) -> &[Condition] {
            &self.conditions
        }
        fn observed_generation(&self) -> Option<i64> {
            self.observed_generation
        }
        fn message(&self) -> Option<&str> {
            self.message.as_deref()
        }
        fn failure(&self) -> Option<&$failure> {
            self.failure.as_ref()
        }
        fn input_hash(&self) -> Option<&str> {
            self.input_hash.as_deref()
        }
        fn set_input_hash(&mut self, hash: String) {
            self.input_hash = Some(hash);
        }
        fn settle(&mut self, settled: Settled<$failure>) {
            // set again by the operator when Ready: which inputs it is Ready for
            self.input_hash = None;
            self.observed_generation = settled.generation;
            self.phase = settled.phase;
            self.message = Some(settled.message);
            self.failure = settled.failure;
            self.conditions = settled.conditions;
        }
        fn failure_message(failure: &$failure) -> &str {
            &failure.message
        }
    };
}

impl OperatorStatus for DatabaseMigrationStatus {
    type Failure = FailureStatus;
    const READY_REASON: &'static str = "Applied";

    same_named_fields!(FailureStatus);

    fn ready_message(&self) -> String {
        format!("{} applied, up to date", self.applied)
    }
    fn pending(&self) -> Option<u32> {
        Some(self.pending)
    }
    fn new_failure(reason: &str, message: &str, attempt: u32) -> FailureStatus {
        FailureStatus {
            attempt,
            ..other_failure(reason, message)
        }
    }
    fn with_attempt(failure: FailureStatus, attempt: u32) -> FailureStatus {
        FailureStatus { attempt, ..failure }
    }
}

impl OperatorStatus for ConfigSyncStatus {
    type Failure = SyncFailure;
    const READY_REASON: &'static str = "Synced";

    same_named_fields!(SyncFailure);

    fn ready_message(&self) -> String {
        format!("{} rows in sync", self.rows)
    }
    fn pending(&self) -> Option<u32> {
        None
    }
    fn new_failure(reason: &str, message: &str, _attempt: u32) -> SyncFailure {
        SyncFailure {
            reason: reason.to_owned(),
            message: message.to_owned(),
            time: Some(now().0.to_string()),
            ..SyncFailure::default()
        }
    }
    fn last_finished(&self) -> Option<Timestamp> {
        self.last_sync_time.as_deref()?.parse().ok()
    }
    fn with_attempt(failure: SyncFailure, _attempt: u32) -> SyncFailure {
        failure
    }
}

/// A resource's status for `outcome`: counts, versions and tables from `reported` (the
/// newest step report's, else kept from `previous`), conditions moved on from `previous`'s.
pub fn resource_status<S: OperatorStatus>(
    previous: Option<&S>,
    reported: Option<&S>,
    outcome: &Outcome,
    failure: Option<S::Failure>,
    generation: Option<i64>,
) -> S {
    let mut status = reported.or(previous).cloned().unwrap_or_default();
    let message = match outcome {
        Outcome::Ready => reported
            .and(status.message())
            .map_or_else(|| status.ready_message(), str::to_owned),
        Outcome::WouldChange => status.message().unwrap_or_default().to_owned(),
        Outcome::Progressing { message, .. }
        | Outcome::Blocked { message, .. }
        | Outcome::Failed { message, .. } => first_line(message),
    };
    let mut conditions = previous
        .map(|p| p.conditions().to_vec())
        .unwrap_or_default();
    set_outcome_conditions(
        &mut conditions,
        outcome,
        S::READY_REASON,
        &message,
        generation,
    );
    status.settle(Settled {
        generation,
        phase: outcome.phase(),
        message,
        failure,
        conditions,
    });
    status
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
    use crate::api::SyncTableStatus;

    fn reported(applied: u32, pending: u32) -> DatabaseMigrationStatus {
        DatabaseMigrationStatus {
            applied,
            pending,
            current_version: Some("3".to_owned()),
            message: Some(format!("{applied} applied, up to date")),
            ..DatabaseMigrationStatus::default()
        }
    }

    #[test]
    fn ready_takes_the_report_and_sets_ready() {
        let status = resource_status(None, Some(&reported(3, 0)), &Outcome::Ready, None, Some(2));
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
        let ready = resource_status(None, Some(&reported(3, 0)), &Outcome::Ready, None, Some(2));
        let failed = resource_status(
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
        let progressing = resource_status(
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

    #[test]
    fn a_config_sync_keeps_its_tables_and_last_sync_while_a_resync_fails() {
        let synced = ConfigSyncStatus {
            rows: 2,
            tables: vec![SyncTableStatus {
                table: "forums".to_owned(),
                desired: 2,
                ..SyncTableStatus::default()
            }],
            last_sync_time: Some("2026-12-03T10:00:00Z".to_owned()),
            message: Some("2 rows in sync, 2 written".to_owned()),
            ..ConfigSyncStatus::default()
        };
        let ready = resource_status(None, Some(&synced), &Outcome::Ready, None, Some(1));
        assert_eq!(ready.message.as_deref(), Some("2 rows in sync, 2 written"));
        let ready_reason = ready.conditions.iter().find(|c| c.type_ == "Ready");
        assert_eq!(ready_reason.map(|c| c.reason.as_str()), Some("Synced"));
        let retrying = resource_status(
            Some(&ready),
            None,
            &Outcome::Progressing {
                reason: "RetryScheduled".to_owned(),
                message: "attempt 1 failed".to_owned(),
            },
            Some(ConfigSyncStatus::new_failure(
                "DatabaseUnreachable",
                "refused",
                1,
            )),
            Some(1),
        );
        assert_eq!(retrying.phase, Phase::Progressing);
        assert_eq!(retrying.tables, ready.tables);
        assert_eq!(retrying.last_sync_time, ready.last_sync_time);
        assert_eq!(
            retrying.failure.map(|f| f.reason),
            Some("DatabaseUnreachable".to_owned())
        );
        let unchanged = resource_status(Some(&ready), None, &Outcome::Ready, None, Some(1));
        assert_eq!(unchanged.message.as_deref(), Some("2 rows in sync"));
    }
}
