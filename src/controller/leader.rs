//! Leader election with a `coordination.k8s.io/v1` Lease (kube-lease-manager): of several
//! operator replicas only the holder of the Lease reconciles; one that loses it stops.

use kube::Client;
use kube_lease_manager::{LeaseManagerBuilder, LeaseManagerError};
use tokio::sync::watch;
use tracing::info;

/// The Lease the operator replicas compete for.
pub const LEASE_NAME: &str = "dbmigrate-operator";
/// Seconds a leader's claim lasts without renewal.
const LEASE_SECONDS: u64 = 15;
/// Seconds before expiry the leader renews.
const GRACE_SECONDS: u64 = 5;

/// Why leadership could not be taken part in.
#[derive(Debug, thiserror::Error)]
#[error("leader election on Lease {namespace}/{LEASE_NAME}: {source}")]
pub struct LeaderError {
    /// The Lease's namespace.
    namespace: String,
    /// The cause.
    #[source]
    source: LeaseManagerError,
}

/// Held leadership: [`Leadership::lost`] resolves when it ends.
pub struct Leadership {
    channel: watch::Receiver<bool>,
}

impl Leadership {
    /// Resolves when this replica is no longer the leader (or renewing stopped).
    pub async fn lost(mut self) {
        while *self.channel.borrow_and_update() {
            if self.channel.changed().await.is_err() {
                return;
            }
        }
    }
}

/// Waits until this replica (`identity`) holds the Lease in `namespace`; keeps renewing it in
/// the background.
pub async fn acquire(
    client: Client,
    namespace: &str,
    identity: &str,
) -> Result<Leadership, LeaderError> {
    let error = |source| LeaderError {
        namespace: namespace.to_owned(),
        source,
    };
    let manager = LeaseManagerBuilder::new(client, LEASE_NAME)
        .with_namespace(namespace)
        .with_identity(identity)
        .with_duration(LEASE_SECONDS)
        .with_grace(GRACE_SECONDS)
        .build()
        .await
        .map_err(error)?;
    let (mut channel, _renewing) = manager.watch().await;
    info!(%identity, lease = %format!("{namespace}/{LEASE_NAME}"), "waiting for leadership");
    while !*channel.borrow_and_update() {
        if channel.changed().await.is_err() {
            return Err(error(LeaseManagerError::InconsistentState(
                "the lease manager stopped before this replica became the leader".to_owned(),
            )));
        }
    }
    info!(%identity, "leading");
    Ok(Leadership { channel })
}
