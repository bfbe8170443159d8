//! How a resource's run ended, or where it stands: the one fact its phase, conditions and
//! message derive from.

use super::migration::Phase;
use super::reasons::Reason;

/// How a resource's run ended, or where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Everything declared is in the database.
    Ready,
    /// A dry run: this much would change.
    WouldChange,
    /// The operator's Jobs are applying it (or will retry).
    Progressing {
        /// Why (`Applying`, `RetryScheduled`, `DatabaseBusy`).
        reason: Reason,
        /// What is going on.
        message: String,
    },
    /// Waiting on something: a dependency, a policy.
    Blocked {
        /// Why.
        reason: Reason,
        /// What and what to do.
        message: String,
    },
    /// The attempt failed.
    Failed {
        /// Why.
        reason: Reason,
        /// What and what to do.
        message: String,
    },
}

impl Outcome {
    /// The phase this outcome shows.
    pub fn phase(&self) -> Phase {
        match self {
            Self::Ready => Phase::Ready,
            Self::WouldChange => Phase::Pending,
            Self::Progressing { .. } => Phase::Progressing,
            Self::Blocked { .. } => Phase::Blocked,
            Self::Failed { .. } => Phase::Failed,
        }
    }

    /// The failure of a Failed outcome: its reason and message.
    pub fn failure(&self) -> Option<(Reason, &str)> {
        match self {
            Self::Failed { reason, message } => Some((*reason, message)),
            _ => None,
        }
    }
}
