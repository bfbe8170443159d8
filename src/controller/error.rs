//! Why a reconcile could not finish: an API call failed (it is retried; the resource's status
//! says the rest).

use kube::{Resource, ResourceExt};

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
}

impl ReconcileError {
    /// The error of the API call for `action` made for `resource`.
    pub fn kube<K: Resource<DynamicType = ()>>(
        resource: &K,
        action: &'static str,
    ) -> impl FnOnce(kube::Error) -> Self + use<K> {
        let resource = format!(
            "{} {}/{}",
            K::kind(&()),
            resource.namespace().unwrap_or_default(),
            resource.name_any()
        );
        move |source| Self::Kube {
            resource,
            action,
            source,
        }
    }
}
