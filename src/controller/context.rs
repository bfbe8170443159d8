//! What every reconcile shares: the API client, the Jobs' defaults, whether Secrets may be read,
//! Events, metrics and the per-database turns.

use std::sync::Arc;

use kube::Client;

use super::durations::CountedJobs;
use super::events::Publisher;
use super::slots::DatabaseSlots;
use crate::jobs::JobSettings;
use crate::server::Health;

/// What every reconcile needs.
pub struct Context {
    /// The API client.
    pub client: Client,
    /// Defaults of the step Jobs.
    pub settings: JobSettings,
    /// Whether the operator reads the metadata of the Secrets step Jobs use.
    pub secret_access: SecretAccess,
    /// Publishes Events.
    pub events: Publisher,
    /// Readiness and metrics.
    pub health: Arc<Health>,
    /// Serialises step creation per database.
    pub databases: DatabaseSlots,
    /// Step Jobs already in the duration histogram.
    pub counted_jobs: CountedJobs,
}

/// What the operator may know of the Secrets its step Jobs read (`--secret-access`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum SecretAccess {
    /// It watches them and reads their metadata (`get`, `list`, `watch` on Secrets in the
    /// watched namespaces): a Secret created or changed is a new input.
    #[default]
    Namespaced,
    /// It makes no request about Secrets: a missing one is learned from the step's pod, and a
    /// changed one is not noticed by itself.
    None,
}
