//! ConfigSync errors: each names the table, row key and column at fault and what to do.

use crate::api::Reason;
use crate::engine::EngineError;

/// Why a sync failed; nothing of the request was written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// A table or column name cannot be an identifier.
    #[error("{what} `{name}` is not a valid identifier: {reason}")]
    InvalidIdentifier {
        /// `table` or `column`.
        what: &'static str,
        /// The name as written.
        name: String,
        /// Why.
        reason: &'static str,
    },
    /// The target table does not exist.
    #[error(
        "table {table} does not exist; create it with a migration first (and list that DatabaseMigration in dependsOn)"
    )]
    TableNotFound {
        /// The table.
        table: String,
    },
    /// A key or managed column does not exist in the table.
    #[error("table {table} has no column `{column}`; its columns are: {available}")]
    ColumnNotFound {
        /// The table.
        table: String,
        /// The missing column.
        column: String,
        /// The table's columns.
        available: String,
    },
    /// A row lacks a key column.
    #[error(
        "table {table}, row {row}: key column `{column}` has no value; every row needs all key columns"
    )]
    MissingKeyValue {
        /// The table.
        table: String,
        /// 1-based position of the row in the config.
        row: usize,
        /// The key column.
        column: String,
    },
    /// Two rows have the same key.
    #[error(
        "table {table}: two rows have the key {row_key} (rows {first} and {second}); keys must be unique"
    )]
    DuplicateRowKey {
        /// The table.
        table: String,
        /// The key.
        row_key: String,
        /// 1-based position of the first.
        first: usize,
        /// 1-based position of the second.
        second: usize,
    },
    /// A value does not fit its column's type.
    #[error("table {table}, row {row_key}, column `{column}`: expected {expected}, found {found}")]
    TypeMismatch {
        /// The table.
        table: String,
        /// The row's key.
        row_key: String,
        /// The column.
        column: String,
        /// What the column takes.
        expected: String,
        /// What the config has (and a hint).
        found: String,
    },
    /// A row violates a constraint of the table; the whole sync was rolled back.
    #[error(
        "table {table}, row {row_key}: violates {constraint} [{sqlstate}]: {message}; the whole sync was rolled back — fix the row in the config"
    )]
    ConstraintViolation {
        /// The table.
        table: String,
        /// The row's key (or `unknown` when it could not be found).
        row_key: String,
        /// The constraint's name, or its kind.
        constraint: String,
        /// SQLSTATE or SQLite code.
        sqlstate: String,
        /// The database's message.
        message: String,
    },
    /// The database refused a value (too long for its column, out of range, malformed).
    #[error(
        "table {table}, row {row_key}: the database refuses a value [{sqlstate}]: {message}; the whole sync was rolled back — fix the row in the config"
    )]
    InvalidValue {
        /// The table.
        table: String,
        /// The row's key.
        row_key: String,
        /// SQLSTATE.
        sqlstate: String,
        /// The database's message.
        message: String,
    },
    /// A statement of the sync failed for another reason.
    #[error("table {table}: {message}")]
    Statement {
        /// The table.
        table: String,
        /// The database's message.
        message: String,
    },
    /// Connecting, locking or bookkeeping failed.
    #[error(transparent)]
    Engine(#[from] EngineError),
}

impl SyncError {
    /// A stable reason string (conditions, events, JSON).
    pub fn reason(&self) -> Reason {
        match self {
            Self::InvalidIdentifier { .. } => Reason::InvalidIdentifier,
            Self::TableNotFound { .. } => Reason::TableNotFound,
            Self::ColumnNotFound { .. } => Reason::ColumnNotFound,
            Self::MissingKeyValue { .. } => Reason::MissingKeyValue,
            Self::DuplicateRowKey { .. } => Reason::DuplicateRowKey,
            Self::TypeMismatch { .. } => Reason::TypeMismatch,
            Self::ConstraintViolation { .. } => Reason::ConstraintViolation,
            Self::InvalidValue { .. } => Reason::InvalidValue,
            Self::Statement { .. } => Reason::SyncFailed,
            Self::Engine(e) => e.reason(),
        }
    }

    /// The table at fault, when one is.
    pub fn table(&self) -> Option<&str> {
        match self {
            Self::TableNotFound { table }
            | Self::ColumnNotFound { table, .. }
            | Self::MissingKeyValue { table, .. }
            | Self::DuplicateRowKey { table, .. }
            | Self::TypeMismatch { table, .. }
            | Self::ConstraintViolation { table, .. }
            | Self::InvalidValue { table, .. }
            | Self::Statement { table, .. } => Some(table),
            Self::InvalidIdentifier { .. } | Self::Engine(_) => None,
        }
    }

    /// The key of the row at fault, when one is.
    pub fn row_key(&self) -> Option<&str> {
        match self {
            Self::DuplicateRowKey { row_key, .. }
            | Self::TypeMismatch { row_key, .. }
            | Self::ConstraintViolation { row_key, .. }
            | Self::InvalidValue { row_key, .. } => Some(row_key),
            _ => None,
        }
    }

    /// The column at fault, when one is.
    pub fn column(&self) -> Option<&str> {
        match self {
            Self::ColumnNotFound { column, .. }
            | Self::MissingKeyValue { column, .. }
            | Self::TypeMismatch { column, .. } => Some(column),
            _ => None,
        }
    }
}
