//! Spec parts both resources share: the database, dependencies, timeouts and Job settings.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{ResourceRequirements, Toleration};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::duration::DURATION_PATTERN;
use super::schema::{KEY_MAX_LENGTH, KEY_PATTERN, NAME_PATTERN, NAMESPACE_PATTERN};

/// Which database engine a connection talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DatabaseEngine {
    /// PostgreSQL (also Neon, Supabase, RDS, Cloud SQL, CockroachDB's PG wire).
    Postgres,
    /// MySQL or MariaDB (not supported by this build's engine yet).
    Mysql,
    /// An SQLite file (local runs; in a cluster only on a mounted volume).
    Sqlite,
}

/// A key of a Secret in the resource's namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SecretKeyRef {
    /// The Secret's name.
    #[schemars(regex(pattern = NAME_PATTERN))]
    pub name: String,
    /// The key inside the Secret.
    #[schemars(regex(pattern = KEY_PATTERN), length(max = KEY_MAX_LENGTH))]
    pub key: String,
}

/// The database URL, read from a Secret key (e.g. `postgres://user:pass@host/db`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UrlSecretRef {
    /// The Secret's name.
    #[schemars(regex(pattern = NAME_PATTERN))]
    pub name: String,
    /// The key holding the URL.
    #[schemars(regex(pattern = KEY_PATTERN), length(max = KEY_MAX_LENGTH))]
    pub key: String,
    /// The engine, when the URL's scheme does not say (e.g. a key=value PostgreSQL DSN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<DatabaseEngine>,
}

/// A database given field by field, with the password from a Secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionFields {
    /// The engine.
    pub engine: DatabaseEngine,
    /// Host name or address.
    #[schemars(length(min = 1, max = 253))]
    pub host: String,
    /// Port (the engine's default when omitted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 65535))]
    pub port: Option<u16>,
    /// Database name.
    #[schemars(length(min = 1, max = 63))]
    pub database: String,
    /// User name.
    #[schemars(length(min = 1, max = 63))]
    pub user: String,
    /// Where the password is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_secret_ref: Option<SecretKeyRef>,
    /// Extra connection parameters (e.g. `sslmode: require`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(extend("maxProperties" = 64))]
    pub params: BTreeMap<String, String>,
}

/// The database a resource changes: exactly one of `urlSecretRef` or `connection`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum DatabaseRef {
    /// The whole URL from a Secret.
    UrlSecretRef(UrlSecretRef),
    /// Per-field connection settings, password from a Secret.
    Connection(ConnectionFields),
}

/// The kind of resource a dependency names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum DependencyKind {
    /// A `DatabaseMigration`.
    #[default]
    DatabaseMigration,
    /// A `ConfigSync`.
    ConfigSync,
}

/// A resource that must be Ready before this one runs.
// The `maxLength`s bound the estimated cost of the `dependsOn` uniqueness rule: the API server
// refuses a CRD whose CEL rules compare strings of unbounded length.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DependsOn {
    /// Its kind (DatabaseMigration when omitted).
    #[serde(default)]
    #[schemars(extend("maxLength" = 17))]
    pub kind: DependencyKind,
    /// Its name.
    #[schemars(regex(pattern = NAME_PATTERN), length(max = 253))]
    pub name: String,
    /// Its namespace (this resource's namespace when omitted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = NAMESPACE_PATTERN), length(max = 63))]
    pub namespace: Option<String>,
}

/// Connect, lock and statement timeouts (defaults: 10s, 30s, 10m).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TimeoutsSpec {
    /// Connecting and authenticating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub connect: Option<String>,
    /// Waiting for the migration lock and for each table lock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub lock: Option<String>,
    /// One statement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub statement: Option<String>,
}

/// How the operator runs this resource's Jobs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RunnerSettings {
    /// The dbmigrate image of SQL steps (the operator's own version when omitted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub image: Option<String>,
    /// Image pull policy (Always, IfNotPresent or Never).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = ["Always", "IfNotPresent", "Never"]))]
    pub image_pull_policy: Option<String>,
    /// Compute resources of the runner container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceRequirements>,
    /// Service account of the Job's pod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = NAME_PATTERN))]
    pub service_account_name: Option<String>,
    /// Node selector of the Job's pod.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub node_selector: BTreeMap<String, String>,
    /// Tolerations of the Job's pod.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tolerations: Vec<Toleration>,
    /// How many times the operator retries a failed step (with exponential backoff).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 100))]
    pub backoff_limit: Option<u32>,
    /// Deadline of one Job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub active_deadline_seconds: Option<i64>,
    /// How long finished Jobs are kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub ttl_seconds_after_finished: Option<i32>,
    /// Most consecutive SQL migrations one Job applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 10000))]
    pub max_migrations_per_job: Option<u32>,
}
