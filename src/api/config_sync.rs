//! `ConfigSync`: configuration rows (inline or from a ConfigMap) kept in database tables.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::{DatabaseRef, DependsOn, RunnerSettings, TimeoutsSpec};
use super::duration::DURATION_PATTERN;
use super::migration::Phase;
use super::schema::{
    self, DEPENDS_ON_UNIQUE_MESSAGE, DEPENDS_ON_UNIQUE_RULE, FIELD_PATH_PATTERN, KEY_MAX_LENGTH,
    KEY_PATTERN, MAX_COLUMNS, MAX_DEPENDENCIES, MAX_KEY_COLUMNS, MAX_TABLES, NAME_PATTERN,
    TABLE_PATTERN,
};

/// Desired state: which rows must exist in which tables.
#[allow(
    clippy::duplicated_attributes,
    reason = "each `printcolumn(...)` repeats `type_`, which clippy mistakes for a duplicate"
)]
#[derive(CustomResource, Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "dbmigrate.dev",
    version = "v1alpha1",
    kind = "ConfigSync",
    plural = "configsyncs",
    singular = "configsync",
    shortname = "cfgsync",
    category = "dbmigrate",
    namespaced,
    status = "ConfigSyncStatus",
    derive = "PartialEq",
    doc = "Configuration rows kept in database tables: inserted, updated, and (mirror) pruned.",
    printcolumn(name = "Phase", type_ = "string", json_path = ".status.phase"),
    printcolumn(name = "Rows", type_ = "integer", json_path = ".status.rows"),
    printcolumn(name = "Last Sync", type_ = "date", json_path = ".status.lastSyncTime"),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    ),
    printcolumn(name = "Message", type_ = "string", json_path = ".status.message")
)]
#[serde(rename_all = "camelCase")]
pub struct ConfigSyncSpec {
    /// The database holding the tables.
    pub database: DatabaseRef,
    /// Resources that must be Ready first (usually the migration creating the tables); each
    /// listed once, at most 32.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(
        length(max = MAX_DEPENDENCIES),
        extend("x-kubernetes-validations" = [{"rule": DEPENDS_ON_UNIQUE_RULE, "message": DEPENDS_ON_UNIQUE_MESSAGE}])
    )]
    pub depends_on: Vec<DependsOn>,
    /// The tables, synced in this order in one transaction (1 to 64; a list map keyed by
    /// `table`: each table once).
    #[schemars(
        length(min = 1, max = MAX_TABLES),
        extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["table"])
    )]
    pub tables: Vec<SyncTableSpec>,
    /// Re-sync (and correct drift) this often (default 10m).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub interval: Option<String>,
    /// Stop syncing until set back to false.
    #[serde(default)]
    pub suspend: bool,
    /// Connect, lock and statement timeouts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeouts: Option<TimeoutsSpec>,
    /// The history table whose schema holds the sync bookkeeping (default `dbmigrate_history`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = TABLE_PATTERN))]
    pub history_table: Option<String>,
    /// How the Jobs run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runner: Option<RunnerSettings>,
}

/// One table's rows: exactly one of `rows` or `rowsFrom`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend(
    "oneOf" = [{"required": ["rows"]}, {"required": ["rowsFrom"]}],
    "x-kubernetes-validations" = [{
        "rule": "!has(self.columns) || size(self.columns) == 0 || self.keyColumns.all(k, k in self.columns)",
        "message": "columns, when given, must map every key column (add each keyColumns entry to columns)",
    }],
))]
pub struct SyncTableSpec {
    /// The target table, `table` or `schema.table`.
    #[schemars(regex(pattern = TABLE_PATTERN))]
    pub table: String,
    /// The columns identifying a row (a primary or unique key): 1 to 16 distinct names.
    #[schemars(
        length(min = 1, max = MAX_KEY_COLUMNS),
        inner(length(min = 1, max = 63)),
        extend("x-kubernetes-list-type" = "set")
    )]
    pub key_columns: Vec<String>,
    /// Column name → field name in the rows. When omitted every field is a column of the
    /// same name. When given it must map every key column, and only these columns are ever
    /// written.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(extend(
        "maxProperties" = MAX_COLUMNS,
        "additionalProperties" = {"type": "string", "minLength": 1},
    ))]
    pub columns: BTreeMap<String, String>,
    /// Rows written inline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::free_form_rows")]
    pub rows: Option<Vec<serde_json::Map<String, serde_json::Value>>>,
    /// Rows read from a ConfigMap key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows_from: Option<RowsFrom>,
    /// `upsert` inserts and updates; `mirror` also deletes rows this ConfigSync synced
    /// before that left the config.
    #[serde(default)]
    pub mode: SyncMode,
}

/// How rows that leave the config are treated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SyncMode {
    /// Insert new rows, update changed ones, never delete.
    #[default]
    Upsert,
    /// Also delete rows this ConfigSync owns that are no longer in the config.
    Mirror,
}

/// Rows in a ConfigMap key. `format` is required unless the key ends in `.yaml`, `.yml`,
/// `.json` or `.csv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [{
    "rule": "has(self.format) || self.key.endsWith('.yaml') || self.key.endsWith('.yml') || self.key.endsWith('.json') || self.key.endsWith('.csv')",
    "message": "rowsFrom.format is required when the key does not end in .yaml, .yml, .json or .csv",
}]))]
pub struct RowsFrom {
    /// The ConfigMap (same namespace).
    #[schemars(regex(pattern = NAME_PATTERN))]
    pub config_map: String,
    /// The key.
    #[schemars(regex(pattern = KEY_PATTERN), length(max = KEY_MAX_LENGTH))]
    pub key: String,
    /// The format; from the key's extension (`.yaml`/`.yml`, `.json`, `.csv`) when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<RowsFormat>,
    /// Where the list of rows is inside the document, as dot-separated field names
    /// (e.g. `forums`); the document itself when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = FIELD_PATH_PATTERN), length(max = 253))]
    pub path: Option<String>,
}

/// The format of rows in a ConfigMap key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RowsFormat {
    /// A YAML list of objects.
    Yaml,
    /// A JSON array of objects.
    Json,
    /// CSV with a header row; every value is text, converted to the column's type.
    Csv,
}

/// Observed state of a ConfigSync.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfigSyncStatus {
    /// The generation this status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// Summary state.
    #[serde(default)]
    pub phase: Phase,
    /// Desired rows across all tables.
    #[serde(default)]
    pub rows: u64,
    /// Per-table counts of the last sync.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tables: Vec<SyncTableStatus>,
    /// SHA-256 of the desired rows of the last sync.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_hash: Option<String>,
    /// When the last sync finished (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sync_time: Option<String>,
    /// Whether the last sync found rows edited outside the config (and corrected them).
    #[serde(default)]
    pub drift_detected: bool,
    /// The failure of the last attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<SyncFailure>,
    /// One line for `kubectl get`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Ready, Progressing, Failed, Blocked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(schema_with = "schema::conditions")]
    pub conditions: Vec<Condition>,
    /// The operator's hash of the inputs (spec, referenced ConfigMaps, retry annotation) this
    /// Ready status is for; only while Ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_hash: Option<String>,
}

/// Counts for one table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SyncTableStatus {
    /// The table.
    pub table: String,
    /// Rows in the config.
    pub desired: u64,
    /// Rows inserted.
    pub inserted: u64,
    /// Rows updated.
    pub updated: u64,
    /// Rows deleted (mirror mode).
    pub deleted: u64,
    /// Rows already as declared.
    pub unchanged: u64,
    /// Whether rows had been edited outside the config since the last sync.
    #[serde(default)]
    pub drift_detected: bool,
}

/// Why the last sync failed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SyncFailure {
    /// Stable reason (`TypeMismatch`, `ConstraintViolation`, `DatabaseUnreachable`, ...).
    pub reason: String,
    /// The table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// The row's key, e.g. `slug=general`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_key: Option<String>,
    /// The column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// The message.
    pub message: String,
    /// When it failed (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
}
