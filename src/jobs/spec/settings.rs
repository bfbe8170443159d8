//! The settings of step Jobs (the operator's defaults, a resource's `spec.runner` over them),
//! the resources that run as step Jobs, and why a Job cannot be built.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{ConfigMap, ResourceRequirements, Toleration};
use kube::Resource;

use super::IMAGE_REPOSITORY;
use crate::api::Reason;
use crate::api::{ConfigSync, DatabaseMigration, DatabaseRef, MigrationSource, RunnerSettings};
use crate::jobs::input_hash;

/// Why a step Job cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum JobSpecError {
    /// The resource lacks metadata every Job needs (it was not read from the API server).
    #[error(
        "{kind} has no metadata.{field}; step Jobs are built for resources read from the API server"
    )]
    MissingMetadata {
        /// The resource's kind.
        kind: String,
        /// The missing field.
        field: &'static str,
    },
    /// The script step asked for is not in `spec.scripts`.
    #[error("{kind} {name} has no script with version {version} in spec.scripts")]
    UnknownScript {
        /// The resource's kind.
        kind: String,
        /// The resource's name.
        name: String,
        /// The version asked for.
        version: String,
    },
    /// A script's `env` sets a variable the step Job sets itself.
    #[error(
        "spec.scripts[version={version}].env of {kind} {name} sets {env}, which dbmigrate sets for the step; rename the variable"
    )]
    ReservedEnv {
        /// The resource's kind.
        kind: String,
        /// The resource's name.
        name: String,
        /// The script's version.
        version: String,
        /// The variable.
        env: String,
    },
    /// The resource or the Secret list could not be encoded as JSON.
    #[error("cannot encode the {what} of {kind} {name} as JSON: {source}")]
    Encode {
        /// The resource's kind.
        kind: String,
        /// The resource's name.
        name: String,
        /// What was encoded.
        what: &'static str,
        /// The JSON error.
        source: serde_json::Error,
    },
}

impl JobSpecError {
    /// A stable reason for conditions, Events and metrics.
    pub fn reason(&self) -> Reason {
        match self {
            Self::MissingMetadata { .. } => Reason::MissingMetadata,
            Self::UnknownScript { .. } => Reason::UnknownScript,
            Self::ReservedEnv { .. } => Reason::ReservedEnv,
            Self::Encode { .. } => Reason::EncodeFailed,
        }
    }
}

/// The settings of step Jobs, field for field those of a resource's `spec.runner`: the
/// built-in defaults ([`JobSettings::default`]), the operator's (`--runner-defaults`) over
/// them, and a resource's `spec.runner` over those, each through [`JobSettings::with_runner`].
#[derive(Debug, Clone, PartialEq)]
pub struct JobSettings {
    /// The dbmigrate image of SQL and sync steps and of the copy-self init container.
    pub image: String,
    /// Pull policy of the dbmigrate image.
    pub image_pull_policy: String,
    /// Pull policy of a script's own image (Kubernetes' default when `None`).
    pub script_image_pull_policy: Option<String>,
    /// Compute resources of every container.
    pub resources: Option<ResourceRequirements>,
    /// Service account of the Job pods (the namespace's `default` when `None`).
    pub service_account_name: Option<String>,
    /// Node selector of the pod.
    pub node_selector: BTreeMap<String, String>,
    /// Tolerations of the pod.
    pub tolerations: Vec<Toleration>,
    /// `activeDeadlineSeconds` of a Job.
    pub active_deadline_seconds: i64,
    /// `ttlSecondsAfterFinished` of a Job.
    pub ttl_seconds_after_finished: i32,
    /// Most SQL migrations one Job applies.
    pub max_migrations_per_job: u32,
    /// How many times a failed step is retried (each retry a new Job).
    pub retry_limit: u32,
}

impl Default for JobSettings {
    fn default() -> Self {
        Self {
            image: format!("{IMAGE_REPOSITORY}:{}", env!("CARGO_PKG_VERSION")),
            image_pull_policy: "IfNotPresent".to_owned(),
            script_image_pull_policy: None,
            resources: None,
            service_account_name: None,
            node_selector: BTreeMap::new(),
            tolerations: Vec::new(),
            active_deadline_seconds: 3600,
            ttl_seconds_after_finished: 86400,
            max_migrations_per_job: 100,
            retry_limit: 3,
        }
    }
}

impl JobSettings {
    /// These settings with `settings` (a resource's `spec.runner`, or the operator's
    /// defaults) applied over them field by field: each field `settings` sets wins.
    pub fn with_runner(&self, settings: Option<&RunnerSettings>) -> Self {
        // Destructured without `..`: a new RunnerSettings field must be handled here.
        let RunnerSettings {
            image,
            image_pull_policy,
            resources,
            service_account_name,
            node_selector,
            tolerations,
            backoff_limit,
            active_deadline_seconds,
            ttl_seconds_after_finished,
            max_migrations_per_job,
        } = settings.cloned().unwrap_or_default();
        Self {
            image: image.unwrap_or_else(|| self.image.clone()),
            image_pull_policy: image_pull_policy
                .clone()
                .unwrap_or_else(|| self.image_pull_policy.clone()),
            script_image_pull_policy: image_pull_policy
                .or_else(|| self.script_image_pull_policy.clone()),
            resources: resources.or_else(|| self.resources.clone()),
            service_account_name: service_account_name
                .or_else(|| self.service_account_name.clone()),
            node_selector: if node_selector.is_empty() {
                self.node_selector.clone()
            } else {
                node_selector
            },
            tolerations: if tolerations.is_empty() {
                self.tolerations.clone()
            } else {
                tolerations
            },
            active_deadline_seconds: active_deadline_seconds
                .unwrap_or(self.active_deadline_seconds),
            ttl_seconds_after_finished: ttl_seconds_after_finished
                .unwrap_or(self.ttl_seconds_after_finished),
            max_migrations_per_job: max_migrations_per_job.unwrap_or(self.max_migrations_per_job),
            retry_limit: backoff_limit.unwrap_or(self.retry_limit),
        }
    }
}

/// A resource that runs as step Jobs.
pub trait StepResource: Resource<DynamicType = ()> {
    /// The database it changes.
    fn database(&self) -> &DatabaseRef;
    /// Its `spec.runner`.
    fn runner_settings(&self) -> Option<&RunnerSettings>;
    /// The names of the ConfigMaps it reads.
    fn config_map_names(&self) -> BTreeSet<&str>;
    /// The names of the Secrets its Jobs read: the database's, and those of script `env`.
    fn secret_names(&self) -> BTreeSet<&str> {
        database_secret_names(self.database())
    }
    /// Its whole spec as JSON.
    fn spec_json(&self) -> Result<serde_json::Value, serde_json::Error>;

    /// [`input_hash`] of its spec and the ConfigMaps it references.
    fn input_hash(&self, config_maps: &[ConfigMap]) -> Result<String, JobSpecError> {
        let spec = self
            .spec_json()
            .map_err(|source| encode_error(self, "spec", source))?;
        Ok(input_hash(&spec, config_maps))
    }
}

/// The Secrets a database reference reads.
fn database_secret_names(database: &DatabaseRef) -> BTreeSet<&str> {
    match database {
        DatabaseRef::UrlSecretRef(url) => BTreeSet::from([url.name.as_str()]),
        DatabaseRef::Connection(fields) => fields
            .password_secret_ref
            .iter()
            .map(|secret| secret.name.as_str())
            .collect(),
    }
}

impl StepResource for DatabaseMigration {
    fn database(&self) -> &DatabaseRef {
        &self.spec.database
    }

    fn runner_settings(&self) -> Option<&RunnerSettings> {
        self.spec.runner.as_ref()
    }

    fn config_map_names(&self) -> BTreeSet<&str> {
        match &self.spec.source {
            MigrationSource::ConfigMaps(sources) => {
                sources.iter().map(|s| s.name.as_str()).collect()
            }
            MigrationSource::Inline(_) | MigrationSource::Directory(_) => BTreeSet::new(),
        }
    }

    fn secret_names(&self) -> BTreeSet<&str> {
        let scripts = self.spec.scripts.iter().flat_map(|script| &script.env);
        let referenced = scripts.filter_map(|env| {
            let source = env.value_from.as_ref()?;
            Some(source.secret_key_ref.as_ref()?.name.as_str())
        });
        let mut names = database_secret_names(&self.spec.database);
        names.extend(referenced);
        names
    }

    fn spec_json(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::to_value(&self.spec)
    }
}

impl StepResource for ConfigSync {
    fn database(&self) -> &DatabaseRef {
        &self.spec.database
    }

    fn runner_settings(&self) -> Option<&RunnerSettings> {
        self.spec.runner.as_ref()
    }

    fn config_map_names(&self) -> BTreeSet<&str> {
        self.spec
            .tables
            .iter()
            .filter_map(|table| table.rows_from.as_ref())
            .map(|rows| rows.config_map.as_str())
            .collect()
    }

    fn spec_json(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::to_value(&self.spec)
    }
}

/// The error of a part of `resource` (`what`) that does not encode as JSON.
pub(super) fn encode_error<R: StepResource + ?Sized>(
    resource: &R,
    what: &'static str,
    source: serde_json::Error,
) -> JobSpecError {
    JobSpecError::Encode {
        kind: R::kind(&()).into_owned(),
        name: resource.meta().name.clone().unwrap_or_default(),
        what,
        source,
    }
}
