//! The status model the operator and `dbmigrate apply -f` share: what both status kinds have in
//! common ([`ResourceStatus`]), and the one way a status moves on from the previous one for an
//! [`Outcome`] ([`settled`]).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use k8s_openapi::jiff::Timestamp;
use serde::Serialize;

use super::conditions::set_outcome_conditions;
use super::config_sync::{ConfigSyncStatus, SyncFailure};
use super::migration::{DatabaseMigrationStatus, FailureStatus, Phase};
use super::outcome::Outcome;
use super::reasons::Reason;

/// The current time as a Kubernetes `Time`.
pub fn now() -> Time {
    Time(Timestamp::now())
}

/// The first line of `text`, at most 200 characters (for `status.message`).
pub fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    if line.chars().count() > 200 {
        format!("{}…", line.chars().take(200).collect::<String>())
    } else {
        line.to_owned()
    }
}

impl FailureStatus {
    /// A failure without a file or line: a connection, a Job's pod, a refusal.
    pub fn new(reason: Reason, message: &str) -> Self {
        Self {
            reason: reason.as_str().to_owned(),
            message: message.to_owned(),
            attempt: 1,
            time: Some(now().0.to_string()),
            ..Self::default()
        }
    }
}

impl SyncFailure {
    /// A failure of no particular table or row.
    pub fn new(reason: Reason, message: &str) -> Self {
        Self {
            reason: reason.as_str().to_owned(),
            message: message.to_owned(),
            time: Some(now().0.to_string()),
            ..Self::default()
        }
    }
}

/// The fields of a status that the run's outcome decides.
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

/// What the status of every kind has: phase, conditions, message, failure and the inputs a
/// Ready status is for.
pub trait ResourceStatus: Default + Clone + PartialEq + Serialize + Send + Sync {
    /// Its `failure`.
    type Failure: Clone + PartialEq + Send + Sync + std::fmt::Debug;
    /// The reason of its Ready condition (`Applied`, `Synced`).
    const READY_REASON: Reason;

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
    /// The reason of its failure, when this build knows it.
    fn failure_reason(&self) -> Option<Reason>;
    /// The inputs its Ready status is for.
    fn input_hash(&self) -> Option<&str>;
    /// Records the inputs its Ready status is for.
    fn set_input_hash(&mut self, hash: String);
    /// When its last step finished, if it records that (a ConfigSync's `lastSyncTime`).
    fn last_finished(&self) -> Option<Timestamp> {
        None
    }
    /// Sets what the outcome decides.
    fn settle(&mut self, settled: Settled<Self::Failure>);
    /// A failure without a report of its own (a pod's reason, a deadline), as attempt `attempt`.
    fn new_failure(reason: Reason, message: &str, attempt: u32) -> Self::Failure;
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
        fn failure_reason(&self) -> Option<Reason> {
            Reason::parse(&self.failure.as_ref()?.reason)
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

impl ResourceStatus for DatabaseMigrationStatus {
    type Failure = FailureStatus;
    const READY_REASON: Reason = Reason::Applied;

    same_named_fields!(FailureStatus);

    fn ready_message(&self) -> String {
        format!("{} applied, up to date", self.applied)
    }
    fn pending(&self) -> Option<u32> {
        Some(self.pending)
    }
    fn new_failure(reason: Reason, message: &str, attempt: u32) -> FailureStatus {
        FailureStatus {
            attempt,
            ..FailureStatus::new(reason, message)
        }
    }
    fn with_attempt(failure: FailureStatus, attempt: u32) -> FailureStatus {
        FailureStatus { attempt, ..failure }
    }
}

impl ResourceStatus for ConfigSyncStatus {
    type Failure = SyncFailure;
    const READY_REASON: Reason = Reason::Synced;

    same_named_fields!(SyncFailure);

    fn ready_message(&self) -> String {
        format!("{} rows in sync", self.rows)
    }
    fn pending(&self) -> Option<u32> {
        None
    }
    fn new_failure(reason: Reason, message: &str, _attempt: u32) -> SyncFailure {
        SyncFailure::new(reason, message)
    }
    fn last_finished(&self) -> Option<Timestamp> {
        self.last_sync_time.as_deref()?.parse().ok()
    }
    fn with_attempt(failure: SyncFailure, _attempt: u32) -> SyncFailure {
        failure
    }
}

/// A resource's status for `outcome` at `now`: counts, versions and tables from `reported`
/// (the newest step report's status, else kept from `previous`), conditions moved on from
/// `previous`'s.
pub fn settled<S: ResourceStatus>(
    previous: Option<&S>,
    reported: Option<&S>,
    outcome: &Outcome,
    failure: Option<S::Failure>,
    generation: Option<i64>,
    now: &Time,
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
        now,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{SyncTableStatus, is_ready};

    fn at(seconds: i64) -> Time {
        Time(Timestamp::from_second(seconds).expect("a valid timestamp"))
    }

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
        let status = settled(
            None,
            Some(&reported(3, 0)),
            &Outcome::Ready,
            None,
            Some(2),
            &at(0),
        );
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
        let ready = settled(
            None,
            Some(&reported(3, 0)),
            &Outcome::Ready,
            None,
            Some(2),
            &at(0),
        );
        let failed = settled(
            Some(&ready),
            None,
            &Outcome::Failed {
                reason: Reason::MigrationFailed,
                message: "20240501_x.sql:3: syntax error\nmore".to_owned(),
            },
            Some(FailureStatus::new(Reason::MigrationFailed, "syntax error")),
            Some(3),
            &at(1),
        );
        assert_eq!(failed.phase, Phase::Failed);
        assert_eq!(failed.applied, 3);
        assert_eq!(
            failed.message.as_deref(),
            Some("20240501_x.sql:3: syntax error")
        );
        assert_eq!(failed.failure_reason(), Some(Reason::MigrationFailed));
        assert!(!is_ready(&failed.conditions, Some(3), Some(3)));
        let progressing = settled(
            Some(&failed),
            None,
            &Outcome::Progressing {
                reason: Reason::Applying,
                message: "step 1, attempt 2".to_owned(),
            },
            None,
            Some(3),
            &at(2),
        );
        assert_eq!(progressing.phase, Phase::Progressing);
        assert_eq!(progressing.failure, None);
        let progressing_condition = progressing
            .conditions
            .iter()
            .find(|c| c.type_ == "Progressing")
            .expect("set");
        assert_eq!(progressing_condition.status, "True");
        assert_eq!(progressing_condition.last_transition_time, at(2));
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
        let ready = settled(None, Some(&synced), &Outcome::Ready, None, Some(1), &at(0));
        assert_eq!(ready.message.as_deref(), Some("2 rows in sync, 2 written"));
        let ready_reason = ready.conditions.iter().find(|c| c.type_ == "Ready");
        assert_eq!(ready_reason.map(|c| c.reason.as_str()), Some("Synced"));
        let retrying = settled(
            Some(&ready),
            None,
            &Outcome::Progressing {
                reason: Reason::RetryScheduled,
                message: "attempt 1 failed".to_owned(),
            },
            Some(ConfigSyncStatus::new_failure(
                Reason::DatabaseUnreachable,
                "refused",
                1,
            )),
            Some(1),
            &at(1),
        );
        assert_eq!(retrying.phase, Phase::Progressing);
        assert_eq!(retrying.tables, ready.tables);
        assert_eq!(retrying.last_sync_time, ready.last_sync_time);
        assert_eq!(retrying.failure_reason(), Some(Reason::DatabaseUnreachable));
        let unchanged = settled(Some(&ready), None, &Outcome::Ready, None, Some(1), &at(2));
        assert_eq!(unchanged.message.as_deref(), Some("2 rows in sync"));
    }

    #[test]
    fn long_messages_keep_their_first_line_cut_at_200_characters() {
        assert_eq!(first_line("one\ntwo"), "one");
        let long = "x".repeat(250);
        assert_eq!(first_line(&long).chars().count(), 201);
    }
}
