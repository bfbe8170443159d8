//! The migration engine: connect, lock, apply, record — one engine for the CLI and Jobs.

mod command;
mod dialect;
mod error;
mod migrator;
pub(crate) mod postgres;
mod resolve;
mod rollback;
mod runner;
mod scratch;
mod settings;
pub(crate) mod sqlite;
mod url;

pub(crate) use dialect::applied_by;
pub use dialect::{Dialect, HISTORY_FORMAT_VERSION, ScriptOutcome, ScriptRun};
pub use error::{EngineError, MigrationFailure};
pub use migrator::{ApplyError, ApplyPolicy, Check, Migrator, Refusal};
pub use rollback::{RollbackProblem, RollbackReport, verify_rollback};
pub use runner::{AppliedMigration, Progress, RunError, RunReport, apply, down};
pub use scratch::Scratch;
pub use settings::{EngineSettings, HistoryTable, Timeouts};
pub use url::DatabaseUrl;

/// Opens a connection to the database at `url`, within the connect timeout.
pub async fn connect(
    url: &DatabaseUrl,
    settings: &EngineSettings,
) -> Result<Box<dyn Dialect>, EngineError> {
    match url {
        DatabaseUrl::Postgres(text) => Ok(Box::new(
            postgres::Postgres::connect(text, &url.redacted(), settings).await?,
        )),
        DatabaseUrl::Sqlite(path) => Ok(Box::new(sqlite::Sqlite::open(path, settings)?)),
    }
}
