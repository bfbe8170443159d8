//! Turning SQLite errors into engine errors: result code name, message, statement line.

use std::time::Duration;

use rusqlite::ffi;

use crate::engine::dialect::ScriptRun;
use crate::engine::error::{EngineError, MigrationFailure};
use crate::engine::settings::Timeouts;
use crate::source::{Statement, line_col_of_char_position};

/// An error of bookkeeping SQL (lock, history); `SQLITE_BUSY` means the lock timed out.
pub fn bookkeeping_error(what: &str, error: &rusqlite::Error, timeouts: &Timeouts) -> EngineError {
    match error.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
            EngineError::LockTimeout {
                what: "the SQLite database (another process is writing to it)".into(),
                after: timeouts.lock,
            }
        }
        _ => EngineError::Database {
            what: what.to_owned(),
            message: error.to_string(),
        },
    }
}

/// A failed statement of a migration script, located at its line (and column when known).
pub fn statement_failure(
    run: &ScriptRun<'_>,
    statement: &Statement<'_>,
    error: &rusqlite::Error,
    timed_out: bool,
    limit: Duration,
    rolled_back: bool,
) -> EngineError {
    let script = &run.script.sql;
    let (line, column) = match error {
        rusqlite::Error::SqlInputError { offset, .. } if *offset >= 0 => {
            let at = statement.offset + usize::try_from(*offset).unwrap_or_default();
            let before = script[..at.min(script.len())].chars().count();
            let (line, column) = line_col_of_char_position(script, before + 1);
            (line, Some(column))
        }
        _ => (statement.line, None),
    };
    let (code, message) = match error {
        rusqlite::Error::SqliteFailure(e, message) => (
            Some(code_name(e.extended_code)),
            message.clone().unwrap_or_else(|| e.to_string()),
        ),
        rusqlite::Error::SqlInputError { error, msg, .. } => {
            (Some(code_name(error.extended_code)), msg.clone())
        }
        other => (None, other.to_string()),
    };
    let message = if timed_out {
        format!("statement interrupted after the statement timeout of {limit:?} ({message})")
    } else {
        message
    };
    EngineError::MigrationFailed(Box::new(MigrationFailure {
        version: run.version.to_owned(),
        name: run.name.to_owned(),
        path: run.script.path.clone(),
        line: Some(line),
        column,
        sqlstate: code,
        message,
        detail: None,
        rolled_back,
        started: true,
    }))
}

/// `SQLITE_CONSTRAINT_UNIQUE`-style name of a result code.
fn code_name(extended_code: i32) -> String {
    let primary = match extended_code & 0xff {
        ffi::SQLITE_ERROR => "SQLITE_ERROR",
        ffi::SQLITE_BUSY => "SQLITE_BUSY",
        ffi::SQLITE_LOCKED => "SQLITE_LOCKED",
        ffi::SQLITE_READONLY => "SQLITE_READONLY",
        ffi::SQLITE_INTERRUPT => "SQLITE_INTERRUPT",
        ffi::SQLITE_CONSTRAINT => "SQLITE_CONSTRAINT",
        ffi::SQLITE_MISMATCH => "SQLITE_MISMATCH",
        ffi::SQLITE_FULL => "SQLITE_FULL",
        ffi::SQLITE_CANTOPEN => "SQLITE_CANTOPEN",
        ffi::SQLITE_CORRUPT => "SQLITE_CORRUPT",
        _ => return format!("SQLITE_{extended_code}"),
    };
    let detail = match extended_code {
        ffi::SQLITE_CONSTRAINT_UNIQUE => "_UNIQUE",
        ffi::SQLITE_CONSTRAINT_NOTNULL => "_NOTNULL",
        ffi::SQLITE_CONSTRAINT_FOREIGNKEY => "_FOREIGNKEY",
        ffi::SQLITE_CONSTRAINT_PRIMARYKEY => "_PRIMARYKEY",
        ffi::SQLITE_CONSTRAINT_CHECK => "_CHECK",
        _ => "",
    };
    format!("{primary}{detail}")
}
