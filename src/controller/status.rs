//! The status the operator writes (the model lives in `api`).

pub use crate::api::{ResourceStatus as OperatorStatus, is_ready};

use crate::api::{Outcome, now};

/// [`crate::api::settled`] at the current time.
pub fn resource_status<S: OperatorStatus>(
    previous: Option<&S>,
    reported: Option<&S>,
    outcome: &Outcome,
    failure: Option<S::Failure>,
    generation: Option<i64>,
) -> S {
    crate::api::settled(previous, reported, outcome, failure, generation, &now())
}
