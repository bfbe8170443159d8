//! Standard Kubernetes conditions, set from an [`Outcome`] by one helper: `Ready`,
//! `Progressing`, `Failed` and `Blocked`, each `lastTransitionTime` moving only when its status
//! changes.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};

use super::outcome::Outcome;
use super::reasons::Reason;

/// The condition types both resources report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConditionType {
    /// Everything declared is in the database.
    Ready,
    /// A step is running or about to.
    Progressing,
    /// The last attempt failed (see `status.failure`).
    Failed,
    /// Waiting on something outside: a dependency, a Secret, a lint policy.
    Blocked,
}

impl ConditionType {
    /// The `type` string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ready => "Ready",
            Self::Progressing => "Progressing",
            Self::Failed => "Failed",
            Self::Blocked => "Blocked",
        }
    }
}

/// Sets the four conditions for `outcome` at `now`. `ready_reason` and `message` describe a
/// Ready (or dry-run) outcome; the others carry their own.
pub fn set_outcome_conditions(
    conditions: &mut Vec<Condition>,
    outcome: &Outcome,
    ready_reason: Reason,
    message: &str,
    generation: Option<i64>,
    now: &Time,
) {
    use ConditionType::{Blocked, Failed, Progressing, Ready};
    let mut set = |kind, status: bool, reason: Reason, message: &str| {
        set_condition(conditions, kind, status, reason, message, generation, now);
    };
    match outcome {
        Outcome::Ready => {
            set(Ready, true, ready_reason, message);
            set(Progressing, false, ready_reason, "");
            set(Failed, false, ready_reason, "");
            set(Blocked, false, ready_reason, "");
        }
        Outcome::WouldChange => {
            set(Ready, false, Reason::Pending, message);
            set(Progressing, true, Reason::Pending, message);
            set(Failed, false, Reason::Pending, "");
            set(Blocked, false, Reason::Pending, "");
        }
        Outcome::Progressing { reason, message } => {
            set(Ready, false, *reason, message);
            set(Progressing, true, *reason, message);
            set(Failed, false, *reason, "");
            set(Blocked, false, *reason, "");
        }
        Outcome::Blocked { reason, message } => {
            set(Ready, false, *reason, message);
            set(Progressing, false, *reason, "");
            set(Failed, false, *reason, "");
            set(Blocked, true, *reason, message);
        }
        Outcome::Failed { reason, message } => {
            set(Ready, false, *reason, message);
            set(Progressing, false, *reason, "");
            set(Failed, true, *reason, message);
            set(Blocked, false, *reason, "");
        }
    }
}

/// Whether conditions say Ready for the resource's current generation.
pub fn is_ready(conditions: &[Condition], observed: Option<i64>, generation: Option<i64>) -> bool {
    observed == generation
        && conditions
            .iter()
            .any(|c| c.type_ == ConditionType::Ready.as_str() && c.status == "True")
}

/// Sets one condition; keeps `lastTransitionTime` unless its status changed.
fn set_condition(
    conditions: &mut Vec<Condition>,
    kind: ConditionType,
    status: bool,
    reason: Reason,
    message: &str,
    observed_generation: Option<i64>,
    now: &Time,
) {
    let status = if status { "True" } else { "False" };
    let updated = |last_transition_time: Time| Condition {
        type_: kind.as_str().to_owned(),
        status: status.to_owned(),
        reason: reason.as_str().to_owned(),
        message: message.to_owned(),
        observed_generation,
        last_transition_time,
    };
    match conditions.iter_mut().find(|c| c.type_ == kind.as_str()) {
        Some(existing) => {
            let since = if existing.status == status {
                existing.last_transition_time.clone()
            } else {
                now.clone()
            };
            *existing = updated(since);
        }
        None => conditions.push(updated(now.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Time {
        Time(k8s_openapi::jiff::Timestamp::from_second(seconds).expect("a valid timestamp"))
    }

    fn progressing(message: &str) -> Outcome {
        Outcome::Progressing {
            reason: Reason::Applying,
            message: message.to_owned(),
        }
    }

    fn condition<'a>(conditions: &'a [Condition], kind: &str) -> &'a Condition {
        conditions
            .iter()
            .find(|c| c.type_ == kind)
            .expect("the condition is set")
    }

    #[test]
    fn transition_times_move_only_when_a_status_changes() {
        let mut conditions = Vec::new();
        let applied = Reason::Applied;
        set_outcome_conditions(
            &mut conditions,
            &progressing("1 pending"),
            applied,
            "",
            Some(1),
            &at(10),
        );
        assert_eq!(conditions.len(), 4);
        set_outcome_conditions(
            &mut conditions,
            &progressing("0 pending"),
            applied,
            "",
            Some(1),
            &at(20),
        );
        let ready = condition(&conditions, "Ready");
        assert_eq!(ready.last_transition_time, at(10));
        assert_eq!(ready.message, "0 pending");
        assert_eq!(ready.reason, "Applying");
        set_outcome_conditions(
            &mut conditions,
            &Outcome::Ready,
            applied,
            "done",
            Some(2),
            &at(30),
        );
        let ready = condition(&conditions, "Ready");
        assert_eq!(
            (ready.status.as_str(), ready.reason.as_str()),
            ("True", "Applied")
        );
        assert_eq!(ready.last_transition_time, at(30));
        assert_eq!(ready.observed_generation, Some(2));
        let progressing = condition(&conditions, "Progressing");
        assert_eq!(progressing.last_transition_time, at(30));
        let failed = condition(&conditions, "Failed");
        assert_eq!(
            failed.last_transition_time,
            at(10),
            "False since the first call"
        );
        assert_eq!(conditions.len(), 4);
    }

    #[test]
    fn each_outcome_sets_its_own_condition_true() {
        let outcomes = [
            (Outcome::Ready, "Ready"),
            (Outcome::WouldChange, "Progressing"),
            (progressing("x"), "Progressing"),
            (
                Outcome::Blocked {
                    reason: Reason::DependencyNotReady,
                    message: "x".to_owned(),
                },
                "Blocked",
            ),
            (
                Outcome::Failed {
                    reason: Reason::MigrationFailed,
                    message: "x".to_owned(),
                },
                "Failed",
            ),
        ];
        for (outcome, true_one) in outcomes {
            let mut conditions = Vec::new();
            set_outcome_conditions(&mut conditions, &outcome, Reason::Synced, "", None, &at(0));
            let trues: Vec<&str> = conditions
                .iter()
                .filter(|c| c.status == "True")
                .map(|c| c.type_.as_str())
                .collect();
            assert_eq!(trues, [true_one], "{outcome:?}");
        }
    }

    #[test]
    fn ready_means_ready_for_the_current_generation() {
        let mut conditions = Vec::new();
        set_outcome_conditions(
            &mut conditions,
            &Outcome::Ready,
            Reason::Applied,
            "",
            Some(2),
            &at(0),
        );
        assert!(is_ready(&conditions, Some(2), Some(2)));
        assert!(!is_ready(&conditions, Some(2), Some(3)));
    }
}
