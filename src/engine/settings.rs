//! Engine settings: timeouts (always set) and where the history table lives.

use std::time::Duration;

use super::error::EngineError;

/// Connect, lock and statement timeouts. Every database call is bounded by one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Establishing a connection, including the server's greeting and authentication.
    pub connect: Duration,
    /// Waiting for the migration lock or any lock a statement needs (`lock_timeout`).
    pub lock: Duration,
    /// One statement's run time (`statement_timeout`, enforced client-side too).
    pub statement: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            lock: Duration::from_secs(30),
            statement: Duration::from_secs(600),
        }
    }
}

impl Timeouts {
    /// How long the client waits for any reply before it gives up on a hanging server: the
    /// longest server-side wait plus a grace period for the server's own timeout to fire first.
    pub fn client_deadline(&self) -> Duration {
        self.lock.max(self.statement) + Duration::from_secs(5)
    }
}

/// The history table's location: `[schema.]table`, default `dbmigrate_history`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryTable {
    /// Schema (PostgreSQL only); `None` uses the search path's first schema.
    pub schema: Option<String>,
    /// Table name.
    pub table: String,
}

impl Default for HistoryTable {
    fn default() -> Self {
        Self {
            schema: None,
            table: "dbmigrate_history".into(),
        }
    }
}

impl HistoryTable {
    /// Parses `table` or `schema.table`.
    pub fn parse(text: &str) -> Result<Self, EngineError> {
        let valid = |part: &str| {
            !part.is_empty()
                && part.len() <= 58
                && part.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        };
        let (schema, table) = match text.split_once('.') {
            Some((schema, table)) => (Some(schema), table),
            None => (None, text),
        };
        if !valid(table) || schema.is_some_and(|s| !valid(s)) {
            return Err(EngineError::InvalidSetting {
                setting: "--history-table",
                message: format!(
                    "`{text}` is not [schema.]table made of letters, digits and _ (at most 58 characters each)"
                ),
            });
        }
        Ok(Self {
            schema: schema.map(str::to_owned),
            table: table.to_owned(),
        })
    }

    /// The name as written (`schema.table` or `table`), used for messages and the lock key.
    pub fn display_name(&self) -> String {
        match &self.schema {
            Some(schema) => format!("{schema}.{}", self.table),
            None => self.table.clone(),
        }
    }
}

/// Everything the engine needs besides the URL.
#[derive(Debug, Clone, Default)]
pub struct EngineSettings {
    /// Timeouts.
    pub timeouts: Timeouts,
    /// History table location.
    pub history: HistoryTable,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_history_table_names() {
        assert_eq!(
            HistoryTable::parse("ops.history").unwrap().display_name(),
            "ops.history"
        );
        assert_eq!(HistoryTable::parse("h").unwrap().schema, None);
        for bad in ["", "a.b.c", "1x", "a;drop", "x.", "\"q\""] {
            assert!(HistoryTable::parse(bad).is_err(), "{bad}");
        }
    }
}
