//! What every reconcile shares: the API client, the Jobs' defaults, Events, metrics and the
//! per-database turns.

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
    /// Publishes Events.
    pub events: Publisher,
    /// Readiness and metrics.
    pub health: Arc<Health>,
    /// Serialises step creation per database.
    pub databases: DatabaseSlots,
    /// Step Jobs already in the duration histogram.
    pub counted_jobs: CountedJobs,
}
