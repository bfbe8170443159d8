//! What running a resource gives: its outcome and the status the operator would write.

use serde::Serialize;

use super::bundle::{ResourceId, ResourceKind};
use super::status::{migration_status, sync_status};
use crate::api::{
    ConfigSyncStatus, DatabaseMigrationStatus, FailureStatus, Outcome, Reason, SyncFailure,
};
use crate::plan::Plan;

/// The status of a resource of either kind.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum AnyStatus {
    /// Of a DatabaseMigration.
    Migration(Box<DatabaseMigrationStatus>),
    /// Of a ConfigSync.
    Sync(Box<ConfigSyncStatus>),
}

impl AnyStatus {
    /// The status of a resource of `kind` that failed before it could run (its inputs or
    /// spec are unusable): nothing was read from or written to its database.
    pub fn not_run(
        kind: ResourceKind,
        reason: Reason,
        message: &str,
        generation: Option<i64>,
    ) -> Self {
        let outcome = Outcome::Failed {
            reason,
            message: message.to_owned(),
        };
        match kind {
            ResourceKind::DatabaseMigration => {
                let failure = FailureStatus::new(reason, message);
                let unknown = Plan {
                    entries: Vec::new(),
                };
                let status =
                    migration_status(&unknown, None, &[], Some(failure), &outcome, generation);
                Self::Migration(Box::new(status))
            }
            ResourceKind::ConfigSync => {
                let failure = SyncFailure::new(reason, message);
                Self::Sync(Box::new(sync_status(
                    None,
                    Some(failure),
                    &outcome,
                    generation,
                )))
            }
        }
    }
}

/// One resource after the run.
#[derive(Debug, Clone)]
pub struct ResourceResult {
    /// Which resource.
    pub id: ResourceId,
    /// Its database, password redacted.
    pub database: String,
    /// How it ended.
    pub outcome: Outcome,
    /// The status the operator would write.
    pub status: AnyStatus,
}
