//! Standard Kubernetes conditions, set from an [`Outcome`] by one helper: `Ready`,
//! `Progressing`, `Failed` and `Blocked`, and kstatus's `Reconciling` and `Stalled` (what Flux's
//! `wait`, kpt and other kstatus readers look at), each `lastTransitionTime` moving only when its
//! status changes.

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
    /// kstatus: the controller is still working towards the spec (steps run, or wait for
    /// something that can come by itself: a dependency, a ConfigMap).
    Reconciling,
    /// kstatus: no progress without a change (a failure, a blocking policy).
    Stalled,
}

impl ConditionType {
    /// The `type` string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ready => "Ready",
            Self::Progressing => "Progressing",
            Self::Failed => "Failed",
            Self::Blocked => "Blocked",
            Self::Reconciling => "Reconciling",
            Self::Stalled => "Stalled",
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
    use ConditionType::{Blocked, Failed, Progressing, Ready, Reconciling, Stalled};
    let mut set = |kind, status: bool, reason: Reason, message: &str| {
        set_condition(conditions, kind, status, reason, message, generation, now);
    };
    let (reason, message) = match outcome {
        Outcome::Ready => (ready_reason, message),
        Outcome::WouldChange => (Reason::Pending, message),
        Outcome::Progressing { reason, message }
        | Outcome::Blocked { reason, message }
        | Outcome::Failed { reason, message } => (*reason, message.as_str()),
    };
    let only = |on: bool| if on { message } else { "" };
    let ready = *outcome == Outcome::Ready;
    let progressing = matches!(outcome, Outcome::WouldChange | Outcome::Progressing { .. });
    let blocked = matches!(outcome, Outcome::Blocked { .. });
    let failed = matches!(outcome, Outcome::Failed { .. });
    // kstatus: a failure, or a block only a change lifts, is Stalled; a suspended resource is
    // neither reconciling nor stalled; anything else not Ready is still reconciling
    let stalled = failed || (blocked && reason.is_permanent());
    let reconciling = !ready && !stalled && reason != Reason::Suspended;
    set(Ready, ready, reason, message);
    set(Progressing, progressing, reason, only(progressing));
    set(Failed, failed, reason, only(failed));
    set(Blocked, blocked, reason, only(blocked));
    set(Reconciling, reconciling, reason, only(reconciling));
    set(Stalled, stalled, reason, only(stalled));
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
        assert_eq!(conditions.len(), 6);
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
        assert_eq!(conditions.len(), 6);
    }

    #[test]
    fn each_outcome_sets_its_own_conditions_and_kstatus_reads_them() {
        let blocked = |reason| Outcome::Blocked {
            reason,
            message: "x".to_owned(),
        };
        let outcomes = [
            (Outcome::Ready, vec!["Ready"]),
            (Outcome::WouldChange, vec!["Progressing", "Reconciling"]),
            (progressing("x"), vec!["Progressing", "Reconciling"]),
            (
                blocked(Reason::DependencyNotReady),
                vec!["Blocked", "Reconciling"],
            ),
            (blocked(Reason::LintBlocked), vec!["Blocked", "Stalled"]),
            (blocked(Reason::Suspended), vec!["Blocked"]),
            (
                Outcome::Failed {
                    reason: Reason::MigrationFailed,
                    message: "x".to_owned(),
                },
                vec!["Failed", "Stalled"],
            ),
        ];
        for (outcome, true_ones) in outcomes {
            let mut conditions = Vec::new();
            set_outcome_conditions(&mut conditions, &outcome, Reason::Synced, "", None, &at(0));
            let trues: Vec<&str> = conditions
                .iter()
                .filter(|c| c.status == "True")
                .map(|c| c.type_.as_str())
                .collect();
            assert_eq!(trues, true_ones, "{outcome:?}");
        }
    }

    /// kstatus's reading of a resource without type-specific rules (cli-utils
    /// `checkGenericProperties`): a status of an older generation is InProgress, then
    /// `Reconciling=True` is InProgress, `Stalled=True` is Failed, anything else Current.
    fn kstatus(
        conditions: &[Condition],
        observed: Option<i64>,
        generation: Option<i64>,
    ) -> &'static str {
        if observed != generation {
            return "InProgress";
        }
        let on = |kind: &str| {
            conditions
                .iter()
                .any(|c| c.type_ == kind && c.status == "True")
        };
        if on("Reconciling") {
            "InProgress"
        } else if on("Stalled") {
            "Failed"
        } else {
            "Current"
        }
    }

    #[test]
    fn flux_and_kpt_read_progress_failure_and_readiness_through_kstatus() {
        let read = |outcome: &Outcome, generation| {
            let mut conditions = Vec::new();
            set_outcome_conditions(
                &mut conditions,
                outcome,
                Reason::Applied,
                "",
                Some(1),
                &at(0),
            );
            (
                kstatus(&conditions, Some(1), Some(generation)),
                is_ready(&conditions, Some(1), Some(generation)),
            )
        };
        let failed = Outcome::Failed {
            reason: Reason::ChecksumMismatch,
            message: "x".to_owned(),
        };
        let waiting = Outcome::Blocked {
            reason: Reason::DependencyNotReady,
            message: "x".to_owned(),
        };
        assert_eq!(read(&Outcome::Ready, 1), ("Current", true));
        assert_eq!(
            read(&Outcome::Ready, 2),
            ("InProgress", false),
            "a newer spec"
        );
        assert_eq!(read(&progressing("x"), 1), ("InProgress", false));
        assert_eq!(read(&waiting, 1), ("InProgress", false));
        assert_eq!(read(&failed, 1), ("Failed", false));
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
