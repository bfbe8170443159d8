//! Steps as Kubernetes Jobs: what a step Job gets (its contract with `dbmigrate step` and
//! `dbmigrate sync`, the commands it runs) and what it reports back in its termination message.
//!
//! A step Job receives its resource and everything the resource references without the
//! operator ever reading a Secret's value:
//! - [`ENV_RESOURCE`]: the resource (`apiVersion`, `kind`, `metadata` name, namespace, uid and
//!   generation, `spec`) as JSON. The `env` of script steps is removed: those variables are set
//!   on the container itself, where Kubernetes resolves their `valueFrom`.
//! - [`ENV_SECRETS`]: JSON list of [`SecretEnv`]: which container variable (set by a
//!   `secretKeyRef`) holds which Secret key. The database URL of a `urlSecretRef` arrives as
//!   [`ENV_DATABASE_URL`].
//! - every ConfigMap the resource references, mounted whole (all keys as files) at
//!   `CONFIG_MAPS_DIR/<name>`.
//!
//! The command rebuilds the manifests of the resource from these (the same
//! [`crate::manifest`] pipeline `dbmigrate apply -f` runs), runs one step, and writes a
//! [`StepReport`] to the termination message file.

mod inputs;
mod kind;
mod naming;
mod result;
mod spec;
mod state;
mod step;

pub use inputs::{InputError, read_bundle, resource_generation};
pub use kind::StepKind;
pub use naming::{
    INPUT_HASH_LENGTH, MAX_LABEL_LENGTH, StepId, database_label, input_hash, resource_label,
};
pub use result::{NextStep, StepReport, TERMINATION_MESSAGE_LIMIT};
pub use spec::{
    COPY_SELF_CONTAINER, IMAGE_REPOSITORY, JobSettings, JobSpecError, LABEL_ATTEMPT,
    LABEL_DATABASE, LABEL_INPUT_HASH, LABEL_KIND, LABEL_RESOURCE, LABEL_STEP, RUN_AS,
    SCRIPT_RUNNER_PATH, STEP_CONTAINER, StepResource, StepRun, script_step_job, sql_step_job,
    sync_job,
};
pub use state::{StepState, step_state};
pub use step::{StepEnd, StepError, StepRequest, run_step};

use serde::{Deserialize, Serialize};

/// Environment variable holding the resource as JSON.
pub const ENV_RESOURCE: &str = "DBMIGRATE_RESOURCE";
/// Environment variable holding the JSON list of [`SecretEnv`].
pub const ENV_SECRETS: &str = "DBMIGRATE_SECRETS";
/// Environment variable holding the database URL of a `urlSecretRef`.
pub const ENV_DATABASE_URL: &str = "DATABASE_URL";
/// Where each referenced ConfigMap is mounted, at `<this>/<configmap name>`.
pub const CONFIG_MAPS_DIR: &str = "/etc/dbmigrate/configmaps";
/// Where the runner writes its [`StepReport`] unless told otherwise (the Kubernetes default
/// `terminationMessagePath`).
pub const DEFAULT_TERMINATION_MESSAGE_PATH: &str = "/dev/termination-log";

/// One Secret key handed to a step Job as a container environment variable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretEnv {
    /// The Secret's name (the resource's namespace).
    pub name: String,
    /// The key.
    pub key: String,
    /// The environment variable holding its value.
    pub env: String,
}
