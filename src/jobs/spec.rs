//! Building the batch/v1 Job of one step: a SQL step or a script step of a DatabaseMigration,
//! or the sync of a ConfigSync. Pure functions of the resource, the operator's settings and
//! the step; Secrets are handed over by reference only (`secretKeyRef`), never read.

mod settings;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{
    Capabilities, ConfigMapVolumeSource, Container, EmptyDirVolumeSource, EnvVar, EnvVarSource,
    PodSecurityContext, PodSpec, PodTemplateSpec, SeccompProfile, SecretKeySelector,
    SecurityContext, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use kube::Resource;

pub use settings::{JobSettings, JobSpecError, StepResource};

use self::settings::encode_error;
use super::naming::{StepId, database_label, resource_label};
use super::{CONFIG_MAPS_DIR, ENV_DATABASE_URL, ENV_RESOURCE, ENV_SECRETS, SecretEnv};
use crate::api::{ConfigSync, DatabaseMigration, DatabaseRef};

/// The repository of the dbmigrate image; the tag is the operator's version.
pub const IMAGE_REPOSITORY: &str = "ghcr.io/dbmigrate/dbmigrate";
/// The container running the step (in every step Job).
pub const STEP_CONTAINER: &str = "step";
/// The init container of a script step, copying the runner into the user's image.
pub const COPY_SELF_CONTAINER: &str = "copy-self";
/// Where a script step's init container puts the runner binary.
pub const SCRIPT_RUNNER_PATH: &str = "/opt/dbmigrate/dbmigrate";
/// The user and group every step container runs as (distroless `nonroot`).
pub const RUN_AS: i64 = 65532;

/// Label: `DatabaseMigration` or `ConfigSync`.
pub const LABEL_KIND: &str = "dbmigrate.dev/kind";
/// Label: the resource's name (see [`resource_label`]).
pub const LABEL_RESOURCE: &str = "dbmigrate.dev/resource";
/// Label: the step's ordinal.
pub const LABEL_STEP: &str = "dbmigrate.dev/step";
/// Label: the step's attempt.
pub const LABEL_ATTEMPT: &str = "dbmigrate.dev/attempt";
/// Label: the input hash the Job was built for.
pub const LABEL_INPUT_HASH: &str = "dbmigrate.dev/input-hash";
/// Label: the database the step changes (see [`database_label`]).
pub const LABEL_DATABASE: &str = "dbmigrate.dev/database";

const RUNNER_DIR: &str = "/opt/dbmigrate";
const RUNNER_VOLUME: &str = "dbmigrate-bin";
const TMP_VOLUME: &str = "tmp";

/// Which step and attempt a Job runs, for which inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepRun<'a> {
    /// The resource's input hash ([`StepResource::input_hash`]).
    pub input_hash: &'a str,
    /// The step's ordinal (0 for the first).
    pub step: u32,
    /// The attempt (1 for the first run).
    pub attempt: u32,
}

/// The Job of a SQL step: `dbmigrate step --max-migrations N` in the dbmigrate image.
pub fn sql_step_job(
    settings: &JobSettings,
    migration: &DatabaseMigration,
    run: StepRun<'_>,
) -> Result<Job, JobSpecError> {
    let runner = settings.with_runner(migration.runner_settings());
    let command = vec![
        "dbmigrate".to_owned(),
        "step".to_owned(),
        "--max-migrations".to_owned(),
        runner.max_migrations_per_job.to_string(),
    ];
    let container = runner_container(STEP_CONTAINER, &runner, command);
    build(migration, &runner, run, container, None)
}

/// The Job of a script step: an init container copies the runner from the dbmigrate image
/// into an emptyDir, and the step runs it in the script's own image with the script's `env`.
pub fn script_step_job(
    settings: &JobSettings,
    migration: &DatabaseMigration,
    version: &str,
    run: StepRun<'_>,
) -> Result<Job, JobSpecError> {
    let runner = settings.with_runner(migration.runner_settings());
    let Some(script) = migration.spec.scripts.iter().find(|s| s.version == version) else {
        return Err(JobSpecError::UnknownScript {
            kind: migration_kind(),
            name: migration.metadata.name.clone().unwrap_or_default(),
            version: version.to_owned(),
        });
    };
    let reserved = [ENV_RESOURCE, ENV_SECRETS];
    let secrets = secret_envs(migration.database());
    if let Some(env) = script.env.iter().find(|env| {
        reserved.contains(&env.name.as_str()) || secrets.iter().any(|s| s.env == env.name)
    }) {
        return Err(JobSpecError::ReservedEnv {
            kind: migration_kind(),
            name: migration.metadata.name.clone().unwrap_or_default(),
            version: version.to_owned(),
            env: env.name.clone(),
        });
    }
    let copy_self = Container {
        volume_mounts: Some(vec![mount(RUNNER_VOLUME, RUNNER_DIR, false)]),
        ..runner_container(
            COPY_SELF_CONTAINER,
            &runner,
            vec![
                "dbmigrate".to_owned(),
                "copy-self".to_owned(),
                SCRIPT_RUNNER_PATH.to_owned(),
            ],
        )
    };
    let step = Container {
        image: Some(script.image.clone()),
        image_pull_policy: runner.script_image_pull_policy.clone(),
        command: Some(vec![
            SCRIPT_RUNNER_PATH.to_owned(),
            "step".to_owned(),
            "--script".to_owned(),
            version.to_owned(),
        ]),
        env: Some(script.env.clone()),
        volume_mounts: Some(vec![mount(RUNNER_VOLUME, RUNNER_DIR, true)]),
        ..runner_container(STEP_CONTAINER, &runner, Vec::new())
    };
    build(migration, &runner, run, step, Some(copy_self))
}

/// The Job of a ConfigSync: `dbmigrate sync` in the dbmigrate image.
pub fn sync_job(
    settings: &JobSettings,
    sync: &ConfigSync,
    run: StepRun<'_>,
) -> Result<Job, JobSpecError> {
    let runner = settings.with_runner(sync.runner_settings());
    let container = runner_container(
        STEP_CONTAINER,
        &runner,
        vec!["dbmigrate".to_owned(), "sync".to_owned()],
    );
    build(sync, &runner, run, container, None)
}

fn migration_kind() -> String {
    DatabaseMigration::kind(&()).into_owned()
}

/// A container of the dbmigrate image running `command` (`env` and mounts added by [`build`]).
fn runner_container(name: &str, runner: &JobSettings, command: Vec<String>) -> Container {
    Container {
        name: name.to_owned(),
        image: Some(runner.image.clone()),
        image_pull_policy: Some(runner.image_pull_policy.clone()),
        command: Some(command),
        resources: runner.resources.clone(),
        security_context: Some(SecurityContext {
            run_as_non_root: Some(true),
            run_as_user: Some(RUN_AS),
            run_as_group: Some(RUN_AS),
            read_only_root_filesystem: Some(true),
            allow_privilege_escalation: Some(false),
            capabilities: Some(Capabilities {
                drop: Some(vec!["ALL".to_owned()]),
                add: None,
            }),
            seccomp_profile: Some(runtime_default()),
            ..SecurityContext::default()
        }),
        termination_message_policy: Some("FallbackToLogsOnError".to_owned()),
        ..Container::default()
    }
}

fn runtime_default() -> SeccompProfile {
    SeccompProfile {
        type_: "RuntimeDefault".to_owned(),
        localhost_profile: None,
    }
}

fn mount(volume: &str, path: &str, read_only: bool) -> VolumeMount {
    VolumeMount {
        name: volume.to_owned(),
        mount_path: path.to_owned(),
        read_only: read_only.then_some(true),
        ..VolumeMount::default()
    }
}

fn empty_dir(name: &str) -> Volume {
    Volume {
        name: name.to_owned(),
        empty_dir: Some(EmptyDirVolumeSource::default()),
        ..Volume::default()
    }
}

/// The container variables holding the database's Secret keys.
fn secret_envs(database: &DatabaseRef) -> Vec<SecretEnv> {
    match database {
        DatabaseRef::UrlSecretRef(url) => vec![SecretEnv {
            name: url.name.clone(),
            key: url.key.clone(),
            env: ENV_DATABASE_URL.to_owned(),
        }],
        DatabaseRef::Connection(fields) => fields
            .password_secret_ref
            .iter()
            .enumerate()
            .map(|(index, secret)| SecretEnv {
                name: secret.name.clone(),
                key: secret.key.clone(),
                env: format!("DBMIGRATE_SECRET_{index}"),
            })
            .collect(),
    }
}

/// The resource as [`ENV_RESOURCE`] holds it; a DatabaseMigration's script `env` removed.
fn resource_json<R: StepResource>(resource: &R) -> Result<String, JobSpecError> {
    let mut spec = resource
        .spec_json()
        .map_err(|source| encode_error(resource, "spec", source))?;
    if let Some(scripts) = spec
        .get_mut("scripts")
        .and_then(serde_json::Value::as_array_mut)
    {
        for script in scripts
            .iter_mut()
            .filter_map(serde_json::Value::as_object_mut)
        {
            script.remove("env");
        }
    }
    let meta = resource.meta();
    let value = serde_json::json!({
        "apiVersion": R::api_version(&()),
        "kind": R::kind(&()),
        "metadata": {
            "name": meta.name,
            "namespace": meta.namespace,
            "uid": meta.uid,
            "generation": meta.generation,
        },
        "spec": spec,
    });
    Ok(value.to_string())
}

/// The Job around `step` (and `init`): metadata, labels, owner, env, volumes, security.
fn build<R: StepResource>(
    resource: &R,
    runner: &JobSettings,
    run: StepRun<'_>,
    mut step: Container,
    init: Option<Container>,
) -> Result<Job, JobSpecError> {
    let kind = R::kind(&()).into_owned();
    let meta = resource.meta();
    let required = |value: &Option<String>, field: &'static str| {
        value.clone().ok_or_else(|| JobSpecError::MissingMetadata {
            kind: kind.clone(),
            field,
        })
    };
    let name = required(&meta.name, "name")?;
    let namespace = required(&meta.namespace, "namespace")?;
    let uid = required(&meta.uid, "uid")?;
    let id = StepId {
        kind: &kind,
        name: &name,
        uid: &uid,
        input_hash: run.input_hash,
        step: run.step,
        attempt: run.attempt,
    };
    let labels = BTreeMap::from([
        ("app.kubernetes.io/name".to_owned(), "dbmigrate".to_owned()),
        (
            "app.kubernetes.io/managed-by".to_owned(),
            "dbmigrate-operator".to_owned(),
        ),
        (LABEL_KIND.to_owned(), kind.clone()),
        (LABEL_RESOURCE.to_owned(), resource_label(&name)),
        (LABEL_STEP.to_owned(), run.step.to_string()),
        (LABEL_ATTEMPT.to_owned(), run.attempt.to_string()),
        (LABEL_INPUT_HASH.to_owned(), run.input_hash.to_owned()),
        (
            LABEL_DATABASE.to_owned(),
            database_label(&namespace, resource.database()),
        ),
    ]);

    let secrets = secret_envs(resource.database());
    let secrets_json = serde_json::to_string(&secrets)
        .map_err(|source| encode_error(resource, "Secret list", source))?;
    let mut env = vec![
        plain_env(ENV_RESOURCE, resource_json(resource)?),
        plain_env(ENV_SECRETS, secrets_json),
    ];
    env.extend(secrets.iter().map(|secret| EnvVar {
        name: secret.env.clone(),
        value_from: Some(EnvVarSource {
            secret_key_ref: Some(SecretKeySelector {
                name: secret.name.clone(),
                key: secret.key.clone(),
                optional: Some(false),
            }),
            ..EnvVarSource::default()
        }),
        ..EnvVar::default()
    }));
    // The script's own variables come last; `script_step_job` made sure none collides.
    env.extend(step.env.take().unwrap_or_default());
    step.env = Some(env);

    let mut volumes = vec![empty_dir(TMP_VOLUME)];
    let mut mounts = vec![mount(TMP_VOLUME, "/tmp", false)];
    for (index, config_map) in resource.config_map_names().into_iter().enumerate() {
        let volume = format!("configmap-{index}");
        mounts.push(mount(
            &volume,
            &format!("{CONFIG_MAPS_DIR}/{config_map}"),
            true,
        ));
        volumes.push(Volume {
            name: volume,
            config_map: Some(ConfigMapVolumeSource {
                name: config_map.to_owned(),
                ..ConfigMapVolumeSource::default()
            }),
            ..Volume::default()
        });
    }
    if init.is_some() {
        volumes.push(empty_dir(RUNNER_VOLUME));
    }
    let mut step_mounts = step.volume_mounts.take().unwrap_or_default();
    step_mounts.extend(mounts);
    step.volume_mounts = Some(step_mounts);

    Ok(Job {
        metadata: ObjectMeta {
            name: Some(id.job_name()),
            namespace: Some(namespace),
            labels: Some(labels.clone()),
            owner_references: Some(vec![OwnerReference {
                api_version: R::api_version(&()).into_owned(),
                kind: kind.clone(),
                name,
                uid,
                controller: Some(true),
                block_owner_deletion: Some(true),
            }]),
            ..ObjectMeta::default()
        },
        spec: Some(JobSpec {
            backoff_limit: Some(0),
            active_deadline_seconds: Some(runner.active_deadline_seconds),
            ttl_seconds_after_finished: Some(runner.ttl_seconds_after_finished),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    restart_policy: Some("Never".to_owned()),
                    service_account_name: runner.service_account_name.clone(),
                    automount_service_account_token: Some(false),
                    node_selector: (!runner.node_selector.is_empty())
                        .then(|| runner.node_selector.clone()),
                    tolerations: (!runner.tolerations.is_empty())
                        .then(|| runner.tolerations.clone()),
                    security_context: Some(PodSecurityContext {
                        run_as_non_root: Some(true),
                        run_as_user: Some(RUN_AS),
                        run_as_group: Some(RUN_AS),
                        seccomp_profile: Some(runtime_default()),
                        ..PodSecurityContext::default()
                    }),
                    init_containers: init.map(|init| vec![init]),
                    containers: vec![step],
                    volumes: Some(volumes),
                    ..PodSpec::default()
                }),
            },
            ..JobSpec::default()
        }),
        status: None,
    })
}

fn plain_env(name: &str, value: String) -> EnvVar {
    EnvVar {
        name: name.to_owned(),
        value: Some(value),
        value_from: None,
    }
}
