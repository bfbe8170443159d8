//! Standard Kubernetes conditions: set by type, `lastTransitionTime` moves only on a change.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};

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

/// A condition's `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConditionStatus {
    /// `True`.
    True,
    /// `False`.
    False,
    /// `Unknown`.
    Unknown,
}

impl ConditionStatus {
    /// The `status` string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::True => "True",
            Self::False => "False",
            Self::Unknown => "Unknown",
        }
    }
}

/// Sets one condition; keeps `lastTransitionTime` unless its status changed.
pub fn set_condition(
    conditions: &mut Vec<Condition>,
    kind: ConditionType,
    status: ConditionStatus,
    reason: &str,
    message: &str,
    observed_generation: Option<i64>,
    now: &Time,
) {
    let updated = |last_transition_time: Time| Condition {
        type_: kind.as_str().to_owned(),
        status: status.as_str().to_owned(),
        reason: reason.to_owned(),
        message: message.to_owned(),
        observed_generation,
        last_transition_time,
    };
    match conditions.iter_mut().find(|c| c.type_ == kind.as_str()) {
        Some(existing) => {
            let since = if existing.status == status.as_str() {
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

    #[test]
    fn transition_time_moves_only_when_status_changes() {
        let mut conditions = Vec::new();
        let ready = ConditionType::Ready;
        set_condition(
            &mut conditions,
            ready,
            ConditionStatus::False,
            "Applying",
            "1 pending",
            Some(1),
            &at(10),
        );
        set_condition(
            &mut conditions,
            ready,
            ConditionStatus::False,
            "Applying",
            "0 pending",
            Some(1),
            &at(20),
        );
        assert_eq!(conditions.len(), 1);
        assert_eq!(conditions[0].last_transition_time, at(10));
        assert_eq!(conditions[0].message, "0 pending");
        set_condition(
            &mut conditions,
            ready,
            ConditionStatus::True,
            "Applied",
            "done",
            Some(2),
            &at(30),
        );
        assert_eq!(conditions[0].last_transition_time, at(30));
        assert_eq!(conditions[0].observed_generation, Some(2));
        set_condition(
            &mut conditions,
            ConditionType::Failed,
            ConditionStatus::False,
            "Applied",
            "",
            Some(2),
            &at(40),
        );
        assert_eq!(conditions.len(), 2);
    }
}
