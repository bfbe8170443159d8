//! What a sync records: which rows each owner synced, and each table's last sync.

use super::TableReport;
use super::ident::quote;
use super::sql::Flavor;
use crate::engine::HistoryTable;

/// The quoted bookkeeping tables, next to the history table (same schema, same prefix).
#[derive(Debug, Clone)]
pub struct Bookkeeping {
    /// `<history>_sync_rows`: (owner, target, key) of every row an owner synced.
    pub owned: String,
    /// `<history>_sync_state`: the last sync per owner and target table.
    pub state: String,
}

/// The two statements that replace an owner's record of a table.
pub struct RecordSql {
    /// Deletes the previous record (params: owner, target).
    pub delete: String,
    /// Inserts the new one (params: owner, target, hash, desired, inserted, updated, deleted,
    /// drift, applied_by).
    pub insert: String,
}

impl Bookkeeping {
    /// The tables that belong to a history table.
    pub fn new(history: &HistoryTable) -> Self {
        let qualify = |suffix: &str| {
            let table = quote(&format!("{}{suffix}", history.table));
            match &history.schema {
                Some(schema) => format!("{}.{table}", quote(schema)),
                None => table,
            }
        };
        Self {
            owned: qualify("_sync_rows"),
            state: qualify("_sync_state"),
        }
    }

    /// Statements recording a table's sync.
    pub fn record_sql(&self, flavor: Flavor) -> RecordSql {
        let p = |n: u8| match flavor {
            Flavor::Postgres => format!("${n}"),
            Flavor::Sqlite => format!("?{n}"),
        };
        let values: Vec<String> = (1..=9).map(p).collect();
        RecordSql {
            delete: format!(
                "DELETE FROM {} WHERE owner = {} AND target = {}",
                self.state,
                p(1),
                p(2)
            ),
            insert: format!(
                "INSERT INTO {} (owner, target, source_hash, desired, inserted, updated, deleted, drift, applied_by) VALUES ({})",
                self.state,
                values.join(", ")
            ),
        }
    }
}

/// Rows written to one table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Inserted.
    pub inserted: u64,
    /// Updated.
    pub updated: u64,
    /// Deleted.
    pub deleted: u64,
}

impl Counts {
    /// All writes.
    pub fn writes(&self) -> u64 {
        self.inserted + self.updated + self.deleted
    }

    /// The table's report.
    pub fn report(&self, table: String, desired: usize, drift_detected: bool) -> TableReport {
        let desired = u64::try_from(desired).unwrap_or(u64::MAX);
        TableReport {
            table,
            desired,
            inserted: self.inserted,
            updated: self.updated,
            deleted: self.deleted,
            unchanged: desired.saturating_sub(self.inserted + self.updated),
            drift_detected,
        }
    }
}

/// Whether the config is the one synced last time (then ownership cannot have changed).
pub fn same_config(previous_hash: Option<&str>, hash: &str) -> bool {
    previous_hash == Some(hash)
}

/// Drift: the config is the one synced last time, yet the table needed writes — someone
/// changed the rows outside the config.
pub fn drift(previous_hash: Option<&str>, hash: &str, counts: &Counts) -> bool {
    same_config(previous_hash, hash) && counts.writes() > 0
}

/// The values of a `<history>_sync_state` row (after owner and target), as SQL integers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateRow {
    /// Rows in the config.
    pub desired: i64,
    /// Rows inserted.
    pub inserted: i64,
    /// Rows updated.
    pub updated: i64,
    /// Rows deleted.
    pub deleted: i64,
    /// Whether the sync corrected drift.
    pub drift: bool,
    /// `user@host` of this process.
    pub applied_by: String,
}

/// The state row a table's sync records, or none when the config is the one synced last time
/// and nothing was written (a no-op sync writes nothing at all).
pub fn state_row(
    previous_hash: Option<&str>,
    hash: &str,
    counts: &Counts,
    desired: usize,
) -> Option<StateRow> {
    if same_config(previous_hash, hash) && counts.writes() == 0 {
        return None;
    }
    let cast = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    Some(StateRow {
        desired: i64::try_from(desired).unwrap_or(i64::MAX),
        inserted: cast(counts.inserted),
        updated: cast(counts.updated),
        deleted: cast(counts.deleted),
        drift: drift(previous_hash, hash, counts),
        applied_by: crate::engine::applied_by(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_history_table() {
        let history = HistoryTable::parse("ops.dbmigrate_history").expect("valid");
        let tables = Bookkeeping::new(&history);
        assert_eq!(tables.owned, "\"ops\".\"dbmigrate_history_sync_rows\"");
        assert_eq!(tables.state, "\"ops\".\"dbmigrate_history_sync_state\"");
    }

    #[test]
    fn drift_needs_the_same_config_and_writes() {
        let wrote = Counts {
            updated: 1,
            ..Counts::default()
        };
        assert!(drift(Some("h"), "h", &wrote));
        assert!(
            !drift(Some("old"), "h", &wrote),
            "a changed config is not drift"
        );
        assert!(!drift(None, "h", &wrote), "the first sync is not drift");
        assert!(!drift(Some("h"), "h", &Counts::default()));
    }
}
