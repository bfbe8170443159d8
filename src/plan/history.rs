//! Rows of the history table as the plan reads them (the engine reads and writes them).

use std::collections::HashMap;

use serde::Serialize;

/// What a history row records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordKind {
    /// An up script of a schema migration.
    Schema,
    /// An up script of a data migration.
    Data,
    /// A down script that reverted the version.
    Down,
}

impl RecordKind {
    /// The text stored in the `kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Schema => "schema",
            Self::Data => "data",
            Self::Down => "down",
        }
    }

    /// Parses the `kind` column.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "schema" => Some(Self::Schema),
            "data" => Some(Self::Data),
            "down" => Some(Self::Down),
            _ => None,
        }
    }
}

/// One row of `dbmigrate_history`; the latest row of a version is its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryRecord {
    /// Insertion order (the table's identity column).
    pub id: i64,
    /// Migration version as written in the file name.
    pub version: String,
    /// Migration name.
    pub name: String,
    /// Checksum of the up script that was applied (see `plan::checksum`).
    pub checksum: String,
    /// What the row records.
    pub kind: RecordKind,
    /// When it finished (RFC 3339, UTC).
    pub applied_at: String,
    /// How long the script ran.
    pub execution_ms: i64,
    /// False while a non-transactional script runs and after it failed: the version is dirty.
    pub success: bool,
    /// Who ran it (`user@host` of the runner).
    pub applied_by: String,
    /// The failure of a dirty non-transactional script.
    pub error: Option<String>,
}

impl HistoryRecord {
    /// Whether this row leaves its version applied.
    pub fn is_applied(&self) -> bool {
        self.success && self.kind != RecordKind::Down
    }
}

/// The latest record of every version, in the order versions were first recorded.
pub fn latest_per_version(history: &[HistoryRecord]) -> Vec<&HistoryRecord> {
    let mut slots: HashMap<&str, usize> = HashMap::with_capacity(history.len());
    let mut latest: Vec<&HistoryRecord> = Vec::new();
    for record in history {
        match slots.get(record.version.as_str()) {
            Some(&slot) if latest[slot].id < record.id => latest[slot] = record,
            Some(_) => {}
            None => {
                slots.insert(&record.version, latest.len());
                latest.push(record);
            }
        }
    }
    latest
}
