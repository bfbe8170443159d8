//! `DatabaseMigration`: an ordered set of versioned migrations for one database.

use k8s_openapi::api::core::v1::EnvVar;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::{DatabaseRef, DependsOn, RunnerSettings, TimeoutsSpec};
use super::schema::{
    self, DEPENDS_ON_UNIQUE_MESSAGE, DEPENDS_ON_UNIQUE_RULE, KEY_MAX_LENGTH, KEY_PATTERN,
    LINT_RULE_PATTERN, MAX_DEPENDENCIES, MAX_LINT_RULES, NAME_PATTERN, RELATIVE_PATH_PATTERN,
    VERSION_PATTERN,
};

/// Desired state: which migrations, against which database, how.
#[allow(
    clippy::duplicated_attributes,
    reason = "each `printcolumn(...)` repeats `type_`, which clippy mistakes for a duplicate"
)]
#[derive(CustomResource, Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "dbmigrate.dev",
    version = "v1alpha1",
    kind = "DatabaseMigration",
    plural = "databasemigrations",
    singular = "databasemigration",
    shortname = "dbm",
    shortname = "dbmigration",
    shortname = "dbmigrations",
    category = "dbmigrate",
    namespaced,
    status = "DatabaseMigrationStatus",
    derive = "PartialEq",
    doc = "Versioned schema and data migrations applied to one database, in order, by Jobs.",
    printcolumn(name = "Phase", type_ = "string", json_path = ".status.phase"),
    printcolumn(
        name = "Version",
        type_ = "string",
        json_path = ".status.currentVersion"
    ),
    printcolumn(name = "Applied", type_ = "integer", json_path = ".status.applied"),
    printcolumn(name = "Pending", type_ = "integer", json_path = ".status.pending"),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    ),
    printcolumn(name = "Message", type_ = "string", json_path = ".status.message")
)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseMigrationSpec {
    /// The database to migrate.
    pub database: DatabaseRef,
    /// Where the migration files come from.
    pub source: MigrationSource,
    /// The file layout; recognised from the file names when `auto`.
    #[serde(default)]
    pub format: MigrationFormat,
    /// Apply up to and including this version only (all when omitted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = VERSION_PATTERN))]
    pub target_version: Option<String>,
    /// Allow migrations marked `-- dbmigrate: no-transaction` (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_non_transactional: Option<bool>,
    /// Connect, lock and statement timeouts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeouts: Option<TimeoutsSpec>,
    /// The history table, `table` or `schema.table` (default `dbmigrate_history`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = schema::TABLE_PATTERN))]
    pub history_table: Option<String>,
    /// Which lint findings block a run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lint: Option<LintSettings>,
    /// Resources that must be Ready first (each listed once, at most 32).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(
        length(max = MAX_DEPENDENCIES),
        extend("x-kubernetes-validations" = [{"rule": DEPENDS_ON_UNIQUE_RULE, "message": DEPENDS_ON_UNIQUE_MESSAGE}])
    )]
    pub depends_on: Vec<DependsOn>,
    /// How the Jobs run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runner: Option<RunnerSettings>,
    /// Data migrations run as a command in the application's image, ordered by version
    /// among the SQL migrations. A list map keyed by `version`: each version appears once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["version"]))]
    pub scripts: Vec<ScriptStep>,
}

/// Where migration files come from: exactly one of `inline`, `configMaps` or `directory`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum MigrationSource {
    /// Files written in the resource itself (a list map keyed by `name`: each file once).
    Inline(
        #[schemars(
            length(min = 1),
            extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["name"])
        )]
        Vec<InlineMigration>,
    ),
    /// Files from ConfigMaps, each mounted at `path` (their keys are file names).
    ConfigMaps(#[schemars(length(min = 1))] Vec<ConfigMapSource>),
    /// A directory inside the Job's image (locally: relative to the manifest's folder).
    Directory(#[schemars(length(min = 1, max = 4096))] String),
}

/// One migration file written inline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct InlineMigration {
    /// Its file name, e.g. `20240501000000_create_users.sql` or `V1__init.sql` (a relative
    /// path: `20240501000000_init/migration.sql` for folder layouts).
    #[schemars(regex(pattern = RELATIVE_PATH_PATTERN), length(max = 253))]
    pub name: String,
    /// Its SQL.
    pub sql: String,
}

/// A ConfigMap whose keys are migration files.
///
/// Keys cannot contain `/`: folder layouts (Drizzle's `meta/_journal.json`, Prisma's and
/// Diesel's one folder per migration) use `path` (a second ConfigMap mounted at `meta`)
/// or `items` (key → relative path), exactly as a Kubernetes ConfigMap volume does. A set
/// larger than one ConfigMap (1 MiB) is split over several ConfigMaps with the same `path`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ConfigMapSource {
    /// The ConfigMap's name (same namespace).
    #[schemars(regex(pattern = NAME_PATTERN))]
    pub name: String,
    /// The folder its files land in, relative to the migrations root (the root when omitted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = RELATIVE_PATH_PATTERN))]
    pub path: Option<String>,
    /// Only these keys, each at its own relative path (all keys, as file names, when empty).
    /// A list map keyed by `path`: two keys cannot land on the same file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["path"]))]
    pub items: Vec<ConfigMapItem>,
}

/// One ConfigMap key placed at a relative path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ConfigMapItem {
    /// The key.
    #[schemars(regex(pattern = KEY_PATTERN), length(max = KEY_MAX_LENGTH))]
    pub key: String,
    /// Where it lands, e.g. `20240501000000_init/migration.sql`.
    #[schemars(regex(pattern = RELATIVE_PATH_PATTERN))]
    pub path: String,
}

/// The layout of the migration files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MigrationFormat {
    /// Recognised from the file names.
    #[default]
    Auto,
    /// `<version>_<name>.sql` with optional `.down.sql`.
    Native,
    /// `V1__name.sql` / `U1__name.sql`.
    Flyway,
    /// golang-migrate / sqlx `1_name.up.sql` + `1_name.down.sql`.
    Updown,
    /// Drizzle: `0000_name.sql` + `meta/_journal.json`.
    Drizzle,
    /// Prisma: `<ts>_name/migration.sql`.
    Prisma,
    /// Diesel: `<ts>_name/up.sql` + `down.sql`.
    Diesel,
}

/// Lint policy (see docs/lint.md for the rules). A rule cannot be both denied and disabled.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [{
    "rule": "!has(self.deny) || !has(self.disable) || !self.deny.exists(r, r in self.disable)",
    "message": "a lint rule cannot be both in deny and in disable",
}]))]
pub struct LintSettings {
    /// Warnings block the run too.
    #[serde(default)]
    pub deny_warnings: bool,
    /// Rules whose findings block the run whatever their severity (a set of rule names).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(
        length(max = MAX_LINT_RULES),
        inner(regex(pattern = LINT_RULE_PATTERN), length(max = 64)),
        extend("x-kubernetes-list-type" = "set")
    )]
    pub deny: Vec<String>,
    /// Rules not checked at all (a set of rule names).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(
        length(max = MAX_LINT_RULES),
        inner(regex(pattern = LINT_RULE_PATTERN), length(max = 64)),
        extend("x-kubernetes-list-type" = "set")
    )]
    pub disable: Vec<String>,
}

/// A data migration run as a command in the application's image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScriptStep {
    /// Its version, ordered among the SQL migrations.
    #[schemars(regex(pattern = VERSION_PATTERN))]
    pub version: String,
    /// Its name, e.g. `backfill_reputation`.
    #[schemars(length(min = 1, max = 100))]
    pub name: String,
    /// The image to run it in (the application's).
    #[schemars(length(min = 1))]
    pub image: String,
    /// The command, e.g. `[tsx, db/migrations/data/2024-05-01-backfill.ts]`.
    #[schemars(length(min = 1))]
    pub command: Vec<String>,
    /// Extra environment (the database URL arrives as `DATABASE_URL`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvVar>,
}

/// Where a resource is in its life.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Phase {
    /// Not looked at yet.
    #[default]
    Pending,
    /// Waiting for a dependency, a Secret or a policy.
    Blocked,
    /// Steps are running.
    Progressing,
    /// Everything is applied.
    Ready,
    /// The last attempt failed.
    Failed,
}

/// Observed state, written by the operator (or printed by `dbmigrate apply -f -o yaml`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseMigrationStatus {
    /// The generation this status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// Summary state.
    #[serde(default)]
    pub phase: Phase,
    /// The latest applied version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_version: Option<String>,
    /// The version the spec asks for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_version: Option<String>,
    /// How many migrations are applied.
    #[serde(default)]
    pub applied: u32,
    /// How many are still to apply.
    #[serde(default)]
    pub pending: u32,
    /// The most recently applied migrations (newest first, at most 10).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub last_applied: Vec<AppliedMigrationStatus>,
    /// The failure of the last attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<FailureStatus>,
    /// Lint findings of pending migrations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lint_findings: Vec<LintFindingStatus>,
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

/// One applied migration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppliedMigrationStatus {
    /// Version.
    pub version: String,
    /// Name.
    pub name: String,
    /// SHA-256 of its up script.
    pub checksum: String,
    /// When it was applied (RFC 3339).
    pub applied_at: String,
    /// How long its script ran.
    pub duration_ms: i64,
}

/// Why the last attempt failed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FailureStatus {
    /// Stable reason (`MigrationFailed`, `ChecksumMismatch`, `DatabaseUnreachable`, ...).
    pub reason: String,
    /// The failing version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The failing file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Line in that file (1-based).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// Column in that line (1-based).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    /// SQLSTATE (PostgreSQL) or result code name (SQLite).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sqlstate: Option<String>,
    /// The database's (or dbmigrate's) message.
    pub message: String,
    /// Which attempt this was (1-based).
    #[serde(default)]
    pub attempt: u32,
    /// When it failed (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
}

/// One lint finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LintFindingStatus {
    /// The migration's version.
    pub version: String,
    /// The file.
    pub file: String,
    /// Line (1-based).
    pub line: u32,
    /// Rule name.
    pub rule: String,
    /// `error` or `warning`.
    pub severity: String,
    /// What is wrong and what to do instead.
    pub message: String,
    /// Whether it blocks the run under the resource's policy.
    pub blocking: bool,
}
