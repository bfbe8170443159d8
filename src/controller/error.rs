//! Why a reconcile could not finish (it is retried; the resource's status says the rest).

use crate::jobs::JobSpecError;

/// A reconcile that stopped early.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    /// A Kubernetes API call failed.
    #[error("{action} for {resource}: {source}")]
    Kube {
        /// `DatabaseMigration ns/name`.
        resource: String,
        /// What the operator was doing.
        action: &'static str,
        /// The API error.
        #[source]
        source: kube::Error,
    },
    /// The step's Job could not be built from the resource.
    #[error("cannot build the step Job of {resource}: {source}")]
    JobSpec {
        /// `DatabaseMigration ns/name`.
        resource: String,
        /// Why.
        #[source]
        source: JobSpecError,
    },
}
