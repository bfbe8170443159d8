//! Engine errors: each names what failed and says what to do next.

use std::path::PathBuf;
use std::time::Duration;

use crate::api::Reason;
use serde::Serialize;

/// Where and why a migration script failed; its transaction (if any) was rolled back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MigrationFailure {
    /// Version of the failing migration.
    pub version: String,
    /// Its name.
    pub name: String,
    /// The script, relative to the migrations directory.
    pub path: PathBuf,
    /// 1-based line in the script, when the database says where.
    pub line: Option<usize>,
    /// 1-based column in that line, when known.
    pub column: Option<usize>,
    /// SQLSTATE (PostgreSQL) or the SQLite result code name.
    pub sqlstate: Option<String>,
    /// The database's message.
    pub message: String,
    /// The database's detail and hint, when given.
    pub detail: Option<String>,
    /// Whether the database was left as before: its transaction was rolled back, or its
    /// command never started (false for non-transactional scripts that ran).
    pub rolled_back: bool,
    /// Whether it started at all (false for a script step whose command could not start).
    #[serde(skip)]
    pub started: bool,
}

impl std::fmt::Display for MigrationFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": migration {} ({}) failed: ", self.version, self.name)?;
        if let Some(code) = &self.sqlstate {
            write!(f, "[{code}] ")?;
        }
        write!(f, "{}", self.message)?;
        if let Some(detail) = &self.detail {
            write!(f, " ({detail})")?;
        }
        if !self.started {
            write!(
                f,
                "; it did not start, the database is unchanged by it — fix the command and run again"
            )
        } else if self.rolled_back {
            write!(
                f,
                "; its transaction was rolled back, the database is unchanged by it — fix the file and run again"
            )
        } else {
            write!(
                f,
                "; it ran without a transaction and is now marked dirty — inspect the database, then run `dbmigrate repair`"
            )
        }
    }
}

/// A failure of the engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The database URL cannot be parsed.
    #[error("invalid database URL: {message}")]
    InvalidUrl {
        /// What is wrong.
        message: String,
    },
    /// The URL's scheme is not a supported database.
    #[error("unsupported database `{scheme}://`: {hint}")]
    UnsupportedScheme {
        /// The scheme.
        scheme: String,
        /// What is supported.
        hint: &'static str,
    },
    /// A setting is out of range.
    #[error("invalid {setting}: {message}")]
    InvalidSetting {
        /// The flag or setting.
        setting: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The database did not answer the connection in time.
    #[error(
        "could not connect to {target} within {after:?}: the server accepted no connection or never answered; check the host/port and that the database is running (raise --connect-timeout for slow cold starts)"
    )]
    ConnectTimeout {
        /// The redacted URL.
        target: String,
        /// The timeout.
        after: Duration,
    },
    /// A host name of the URL has no address (hosts file and DNS, see `engine::resolve`).
    #[error("could not connect to {target}: host name `{host}` did not resolve: {reason}")]
    Unresolved {
        /// The redacted URL.
        target: String,
        /// The host name.
        host: String,
        /// Where it was looked up and what answered.
        reason: String,
    },
    /// The connection was refused or authentication failed.
    #[error("could not connect to {target}: {message}")]
    Connect {
        /// The redacted URL.
        target: String,
        /// The driver's message.
        message: String,
    },
    /// Another run held the migration lock (or a statement waited for a table lock) too long.
    #[error(
        "timed out after {after:?} waiting for a lock on {what}: another migration run or a long transaction holds it; retry later or raise --lock-timeout"
    )]
    LockTimeout {
        /// The history table or the failing migration.
        what: String,
        /// The timeout.
        after: Duration,
    },
    /// The server did not reply in time.
    #[error(
        "{what}: no reply from the database within {after:?}; the server hangs or the network dropped — the statement was cancelled"
    )]
    Timeout {
        /// What was being done.
        what: String,
        /// The deadline.
        after: Duration,
    },
    /// A bookkeeping query (history table, lock) failed.
    #[error("{what}: {message}")]
    Database {
        /// What was being done.
        what: String,
        /// The database's message, with SQLSTATE.
        message: String,
    },
    /// A migration script failed.
    #[error("{0}")]
    MigrationFailed(Box<MigrationFailure>),
    /// A version is dirty (found under the lock).
    #[error(
        "version {version} is dirty: a non-transactional migration started and did not complete; if another run is applying it right now, wait for it — otherwise inspect the database, then run `dbmigrate repair`"
    )]
    Dirty {
        /// The version.
        version: String,
    },
    /// A version to revert has no down script.
    #[error(
        "version {version} ({name}) has no down script, so it cannot be reverted; add one, or choose a later --to"
    )]
    Irreversible {
        /// The version.
        version: String,
        /// Its name.
        name: String,
    },
    /// The history table was written by a newer dbmigrate.
    #[error(
        "history table {table} has format version {found}, this dbmigrate understands up to {supported}; upgrade dbmigrate"
    )]
    HistoryTooNew {
        /// The table.
        table: String,
        /// Its version.
        found: String,
        /// Ours.
        supported: u32,
    },
}

impl EngineError {
    /// Whether a failed migration left the database as it was (rolled back, or never started).
    pub fn left_unchanged(&self) -> bool {
        matches!(self, Self::MigrationFailed(failure) if failure.rolled_back)
    }

    /// A stable reason string (conditions, events, metrics, JSON output).
    pub fn reason(&self) -> Reason {
        match self {
            Self::InvalidUrl { .. } | Self::UnsupportedScheme { .. } => Reason::InvalidDatabaseUrl,
            Self::InvalidSetting { .. } => Reason::InvalidSetting,
            Self::ConnectTimeout { .. } | Self::Unresolved { .. } | Self::Connect { .. } => {
                Reason::DatabaseUnreachable
            }
            Self::LockTimeout { .. } => Reason::LockTimeout,
            Self::Timeout { .. } => Reason::DatabaseTimeout,
            Self::Database { .. } => Reason::DatabaseError,
            Self::MigrationFailed(_) => Reason::MigrationFailed,
            Self::Dirty { .. } => Reason::Dirty,
            Self::Irreversible { .. } => Reason::Irreversible,
            Self::HistoryTooNew { .. } => Reason::HistoryTooNew,
        }
    }
}
