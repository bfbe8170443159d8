//! Turning PostgreSQL errors into engine errors: SQLSTATE, message, and the script line.

use std::time::Duration;

use tokio_postgres::error::ErrorPosition;

use crate::engine::dialect::ScriptRun;
use crate::engine::error::{EngineError, MigrationFailure};
use crate::engine::settings::Timeouts;
use crate::source::{line_col_of_char_position, line_of_offset};

/// SQLSTATE `lock_not_available`: `lock_timeout` expired.
const LOCK_NOT_AVAILABLE: &str = "55P03";

/// Why one query failed.
#[derive(Debug)]
pub enum QueryError {
    /// The server or the connection reported an error.
    Db(tokio_postgres::Error),
    /// No reply within the client deadline; a cancel request was sent.
    Timeout(Duration),
}

impl QueryError {
    /// An error of bookkeeping SQL (lock, history), naming what was being done.
    pub fn into_engine_error(self, what: &str, history: &str, timeouts: &Timeouts) -> EngineError {
        match self {
            Self::Timeout(after) => EngineError::Timeout {
                what: what.to_owned(),
                after,
            },
            Self::Db(e) if sqlstate(&e).as_deref() == Some(LOCK_NOT_AVAILABLE) => {
                EngineError::LockTimeout {
                    what: format!("history table {history}"),
                    after: timeouts.lock,
                }
            }
            Self::Db(e) => EngineError::Database {
                what: what.to_owned(),
                message: describe(&e),
            },
        }
    }
}

/// The server's message with SQLSTATE, or the driver's description.
pub fn describe(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("[{}] {}", db.code().code(), db.message()),
        None => {
            let mut text = error.to_string();
            let mut source = std::error::Error::source(error);
            while let Some(cause) = source {
                text.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            text
        }
    }
}

fn sqlstate(error: &tokio_postgres::Error) -> Option<String> {
    error.code().map(|c| c.code().to_owned())
}

/// A migration script's failure, with the line and column its error position points at.
///
/// `statement_offset` is the byte offset in `script` of the text that was sent (0 when the
/// whole script was sent), because PostgreSQL counts positions in the text it received.
pub fn migration_failure(
    run: &ScriptRun<'_>,
    script: &str,
    statement_offset: usize,
    error: QueryError,
    rolled_back: bool,
    timeouts: &Timeouts,
) -> EngineError {
    let mut failure = MigrationFailure {
        version: run.version.to_owned(),
        name: run.name.to_owned(),
        path: run.script.path.clone(),
        line: None,
        column: None,
        sqlstate: None,
        message: String::new(),
        detail: None,
        rolled_back,
        started: true,
    };
    match error {
        QueryError::Timeout(after) => {
            failure.message = format!(
                "no reply from the database within {after:?} (statement timeout {:?}); the statement was cancelled",
                timeouts.statement
            );
        }
        QueryError::Db(e) => match e.as_db_error() {
            Some(db) => {
                failure.sqlstate = Some(db.code().code().to_owned());
                failure.message = db.message().to_owned();
                failure.detail = [db.detail(), db.hint()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join("; ")
                    .into();
                if failure.detail.as_deref() == Some("") {
                    failure.detail = None;
                }
                if let Some(ErrorPosition::Original(position)) = db.position() {
                    let before = script[..statement_offset].chars().count();
                    let (line, column) =
                        line_col_of_char_position(script, before + *position as usize);
                    failure.line = Some(line);
                    failure.column = Some(column);
                }
            }
            None => failure.message = describe(&e),
        },
    }
    if failure.line.is_none() && !rolled_back {
        // Statement by statement: the failing statement is known even without a position.
        failure.line = Some(line_of_offset(script, statement_offset));
    }
    EngineError::MigrationFailed(Box::new(failure))
}
