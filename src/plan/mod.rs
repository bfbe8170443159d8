//! Planning: checksums, lint, and the diff of migration files against the history table.

mod checksum;
mod diff;
mod history;
pub mod lint;

use serde::Serialize;

pub use checksum::{checksum, checksum_of_text};
pub use diff::{MigrationState, Plan, PlanEntry, PlanOverrides, PlanProblem};
pub use history::{HistoryRecord, RecordKind, latest_per_version};

/// Which SQL dialect a database speaks (chooses the lint rules and the engine dialect).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DatabaseKind {
    /// PostgreSQL (and compatible: Neon, through PgBouncer).
    Postgres,
    /// SQLite, embedded.
    Sqlite,
}
