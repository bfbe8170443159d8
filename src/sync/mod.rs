//! The ConfigSync engine: keeps configuration rows in database tables.
//!
//! Per request, one transaction under the migration lock: for each table, check names and
//! convert values to the column types, load the desired rows into a temporary table, then
//! update what differs, insert what is missing and (mirror) delete what this owner synced
//! before and is gone — each one set-based statement. An unchanged config writes nothing.

mod convert;
mod error;
mod ident;
mod postgres;
mod rows;
mod sql;
mod sqlite;
mod state;

use serde::Serialize;
use sha2::{Digest, Sha256};
use tracing::{Instrument, info_span};

pub use error::SyncError;

use crate::api::SyncMode;
use crate::engine::{DatabaseUrl, EngineSettings};

/// One table's desired state, keyed by database column names.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TableSync {
    /// `table` or `schema.table`, as the user wrote it.
    pub table: String,
    /// The columns identifying a row.
    pub key_columns: Vec<String>,
    /// Managed non-key columns: the only ones ever written.
    pub columns: Vec<String>,
    /// The rows; a managed column missing from a row is NULL.
    pub rows: Vec<serde_json::Map<String, serde_json::Value>>,
    /// Every value is a string (CSV), parsed per the column's type.
    pub text_source: bool,
    /// Upsert or mirror.
    pub mode: SyncMode,
}

/// A sync to run: whose rows, which tables, for real or as a dry run.
#[derive(Debug, Clone, Copy)]
pub struct SyncRequest<'a> {
    /// The owner, `namespace/name` of the ConfigSync: mirror mode deletes only its rows.
    pub owner: &'a str,
    /// The tables, synced in order.
    pub tables: &'a [TableSync],
    /// Compute everything, then roll back.
    pub dry_run: bool,
}

/// What a sync did to one table: the status type itself, so it needs no translation.
pub type TableReport = crate::api::SyncTableStatus;

/// A table of the request with the hash of its desired state (computed once per sync).
pub(crate) struct HashedTable<'a> {
    /// The table.
    pub table: &'a TableSync,
    /// `table_hash` of it.
    pub hash: String,
}

/// What a sync did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncReport {
    /// SHA-256 of the desired state of all tables.
    pub source_hash: String,
    /// Per table, in order.
    pub tables: Vec<TableReport>,
    /// When it finished (RFC 3339).
    pub synced_at: String,
}

/// Syncs the request's tables into the database at `url`.
pub async fn sync(
    url: &DatabaseUrl,
    settings: &EngineSettings,
    request: &SyncRequest<'_>,
) -> Result<SyncReport, SyncError> {
    let span = info_span!("sync", owner = request.owner, dry_run = request.dry_run);
    let bookkeeping = state::Bookkeeping::new(&settings.history);
    let tables: Vec<HashedTable<'_>> = request
        .tables
        .iter()
        .map(|table| HashedTable {
            table,
            hash: table_hash(table),
        })
        .collect();
    let source_hash = combine(tables.iter().map(|t| t.hash.as_str()));
    let reports = async {
        match url {
            DatabaseUrl::Postgres(text) => {
                let pg =
                    crate::engine::postgres::Postgres::connect(text, &url.redacted(), settings)
                        .await?;
                postgres::run(&pg, &bookkeeping, request, &tables).await
            }
            DatabaseUrl::Sqlite(path) => {
                let db = crate::engine::sqlite::Sqlite::open(path, settings)?;
                sqlite::run(&db, &bookkeeping, request, &tables)
            }
        }
    }
    .instrument(span)
    .await?;
    Ok(SyncReport {
        source_hash,
        tables: reports,
        synced_at: now(),
    })
}

/// SHA-256 (hex) of the desired state of the tables, in order.
pub fn source_hash(tables: &[TableSync]) -> String {
    let hashes: Vec<String> = tables.iter().map(table_hash).collect();
    combine(hashes.iter().map(String::as_str))
}

/// SHA-256 (hex) of the tables' hashes, in order.
fn combine<'a>(hashes: impl Iterator<Item = &'a str>) -> String {
    let mut hasher = Sha256::new();
    for hash in hashes {
        hasher.update(hash.as_bytes());
    }
    hex(&hasher.finalize())
}

/// SHA-256 (hex) of one table's desired state (serde_json keeps object keys sorted).
fn table_hash(table: &TableSync) -> String {
    let canonical = serde_json::to_vec(table).unwrap_or_default();
    hex(&Sha256::digest(&canonical))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn table(rows: serde_json::Value) -> TableSync {
        TableSync {
            table: "t".into(),
            key_columns: vec!["id".into()],
            columns: vec!["name".into()],
            rows: rows
                .as_array()
                .expect("array")
                .iter()
                .map(|r| r.as_object().expect("object").clone())
                .collect(),
            text_source: false,
            mode: SyncMode::Upsert,
        }
    }

    #[test]
    fn hash_is_stable_and_follows_content() {
        let a = table(json!([{"id": 1, "name": "x"}]));
        let same_fields_other_order = table(json!([{"name": "x", "id": 1}]));
        let changed = table(json!([{"id": 1, "name": "y"}]));
        assert_eq!(
            source_hash(std::slice::from_ref(&a)),
            source_hash(&[same_fields_other_order])
        );
        assert_ne!(
            source_hash(std::slice::from_ref(&a)),
            source_hash(&[changed])
        );
        assert_eq!(source_hash(&[a]).len(), 64);
    }
}
