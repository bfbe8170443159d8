//! Tests of the step Job builders, from the manifests in `tests/fixtures/jobs/`.

use k8s_openapi::api::core::v1::{ConfigMap, EnvVar};

use super::*;
use crate::api::{Reason, RowsFrom, SecretKeyRef, UrlSecretRef};

const MIGRATION: &str = include_str!("../../../tests/fixtures/jobs/migration.yaml");
const CONFIG_SYNC: &str = include_str!("../../../tests/fixtures/jobs/config-sync.yaml");

/// A resource from YAML, read the way manifests are (through JSON: the API's enums are
/// externally tagged maps, which serde_yaml reads only as YAML tags).
fn from_yaml<T: serde::de::DeserializeOwned>(yaml: &str) -> T {
    let value: serde_json::Value = serde_yaml::from_str(yaml).unwrap();
    serde_json::from_value(value).unwrap()
}

const RUN: StepRun<'static> = StepRun {
    input_hash: "0123456789abcdef",
    step: 1,
    attempt: 2,
};

fn migration() -> DatabaseMigration {
    from_yaml(MIGRATION)
}

fn config_sync() -> ConfigSync {
    from_yaml(CONFIG_SYNC)
}

fn pod_spec(job: &Job) -> &PodSpec {
    job.spec.as_ref().unwrap().template.spec.as_ref().unwrap()
}

fn env<'a>(container: &'a Container, name: &str) -> &'a EnvVar {
    let vars = container.env.as_deref().unwrap_or_default();
    vars.iter()
        .find(|var| var.name == name)
        .unwrap_or_else(|| panic!("no {name} in {vars:?}"))
}

fn mount_path<'a>(container: &'a Container, volume: &str) -> (&'a str, Option<bool>) {
    let mount = container
        .volume_mounts
        .iter()
        .flatten()
        .find(|m| m.name == volume)
        .unwrap_or_else(|| panic!("{} mounts no {volume}", container.name));
    (mount.mount_path.as_str(), mount.read_only)
}

/// The assertions every step Job passes: identity, ownership, labels, security, env.
fn assert_common(job: &Job, kind: &str, name: &str) {
    let meta = &job.metadata;
    let job_name = meta.name.as_deref().unwrap();
    assert!(
        job_name.starts_with(&format!("{name}-s1-a2-")),
        "{job_name}"
    );
    assert!(job_name.len() <= 63);
    assert_eq!(meta.namespace.as_deref(), Some("forum"));
    let owner = &meta.owner_references.as_ref().unwrap()[0];
    assert_eq!(
        (
            owner.api_version.as_str(),
            owner.kind.as_str(),
            owner.name.as_str()
        ),
        ("dbmigrate.dev/v1alpha1", kind, name)
    );
    assert_eq!(
        (owner.controller, owner.block_owner_deletion),
        (Some(true), Some(true))
    );

    let labels = meta.labels.as_ref().unwrap();
    for (key, value) in [
        ("app.kubernetes.io/name", "dbmigrate"),
        ("app.kubernetes.io/managed-by", "dbmigrate-operator"),
        (LABEL_KIND, kind),
        (LABEL_RESOURCE, name),
        (LABEL_STEP, "1"),
        (LABEL_ATTEMPT, "2"),
        (LABEL_INPUT_HASH, "0123456789abcdef"),
    ] {
        assert_eq!(labels.get(key).map(String::as_str), Some(value), "{key}");
    }
    let spec = job.spec.as_ref().unwrap();
    assert_eq!(
        spec.template.metadata.as_ref().unwrap().labels.as_ref(),
        Some(labels)
    );
    assert_eq!(spec.backoff_limit, Some(0));

    let pod = pod_spec(job);
    assert_eq!(pod.restart_policy.as_deref(), Some("Never"));
    assert_eq!(pod.automount_service_account_token, Some(false));
    let pod_security = pod.security_context.as_ref().unwrap();
    assert_eq!(pod_security.run_as_non_root, Some(true));
    assert_eq!(
        (pod_security.run_as_user, pod_security.run_as_group),
        (Some(RUN_AS), Some(RUN_AS))
    );
    assert_eq!(
        pod_security.seccomp_profile.as_ref().unwrap().type_,
        "RuntimeDefault"
    );
    let containers = pod.init_containers.iter().flatten().chain(&pod.containers);
    for container in containers {
        let security = container.security_context.as_ref().unwrap();
        assert_eq!(
            security.read_only_root_filesystem,
            Some(true),
            "{}",
            container.name
        );
        assert_eq!(security.allow_privilege_escalation, Some(false));
        assert_eq!(security.run_as_non_root, Some(true));
        assert_eq!(
            (security.run_as_user, security.run_as_group),
            (Some(RUN_AS), Some(RUN_AS))
        );
        assert_eq!(
            security.capabilities.as_ref().unwrap().drop.as_deref(),
            Some(&["ALL".to_owned()][..])
        );
        assert_eq!(
            security.seccomp_profile.as_ref().unwrap().type_,
            "RuntimeDefault"
        );
        assert_eq!(
            container.termination_message_policy.as_deref(),
            Some("FallbackToLogsOnError")
        );
    }
    let step = &pod.containers[0];
    assert_eq!(step.name, STEP_CONTAINER);
    assert_eq!(mount_path(step, "tmp"), ("/tmp", None));

    let resource: serde_json::Value =
        serde_json::from_str(env(step, ENV_RESOURCE).value.as_deref().unwrap()).unwrap();
    assert_eq!(resource["kind"], kind);
    assert_eq!(resource["apiVersion"], "dbmigrate.dev/v1alpha1");
    assert_eq!(resource["metadata"]["name"], name);
    assert_eq!(resource["metadata"]["namespace"], "forum");
    assert!(resource["metadata"]["uid"].is_string());
    assert!(resource["metadata"]["generation"].is_i64());
    assert!(resource["spec"]["database"].is_object());
}

fn secret_ref(var: &EnvVar) -> (&str, &str) {
    let selector = var
        .value_from
        .as_ref()
        .and_then(|from| from.secret_key_ref.as_ref())
        .unwrap();
    assert_eq!(var.value, None, "a Secret's value is never embedded");
    (selector.name.as_str(), selector.key.as_str())
}

#[test]
fn a_sql_step_job_runs_the_runner_with_the_resources_settings() {
    let job = sql_step_job(&JobSettings::default(), &migration(), RUN).unwrap();
    assert_common(&job, "DatabaseMigration", "forum-schema");
    let spec = job.spec.as_ref().unwrap();
    assert_eq!(spec.active_deadline_seconds, Some(600));
    assert_eq!(spec.ttl_seconds_after_finished, Some(120));
    let pod = pod_spec(&job);
    assert_eq!(pod.service_account_name.as_deref(), Some("migrator"));
    assert_eq!(
        pod.node_selector.as_ref().unwrap()["kubernetes.io/os"],
        "linux"
    );
    assert_eq!(
        pod.tolerations.as_ref().unwrap()[0].value.as_deref(),
        Some("batch")
    );
    assert_eq!(pod.init_containers, None);

    let step = &pod.containers[0];
    assert_eq!(
        step.image.as_deref(),
        Some("ghcr.io/dbmigrate/dbmigrate:0.1.0-custom")
    );
    assert_eq!(step.image_pull_policy.as_deref(), Some("Always"));
    assert_eq!(
        step.command.as_deref().unwrap(),
        ["dbmigrate", "step", "--max-migrations", "20"]
    );
    let limits = step.resources.as_ref().unwrap().limits.as_ref().unwrap();
    assert_eq!(limits["memory"].0, "256Mi");

    assert_eq!(
        secret_ref(env(step, "DBMIGRATE_SECRET_0")),
        ("forum-db", "password")
    );
    let secrets: Vec<SecretEnv> =
        serde_json::from_str(env(step, ENV_SECRETS).value.as_deref().unwrap()).unwrap();
    assert_eq!(
        secrets,
        [SecretEnv {
            name: "forum-db".to_owned(),
            key: "password".to_owned(),
            env: "DBMIGRATE_SECRET_0".to_owned(),
        }]
    );
    let resource: serde_json::Value =
        serde_json::from_str(env(step, ENV_RESOURCE).value.as_deref().unwrap()).unwrap();
    assert_eq!(resource["metadata"]["generation"], 3);
    assert_eq!(
        resource["spec"]["scripts"][0]["image"],
        "registry.example.com/forum/app:1.4.2"
    );
    assert!(
        resource["spec"]["scripts"][0].get("env").is_none(),
        "{resource}"
    );

    for name in ["forum-migrations", "forum-migrations-meta"] {
        let volume = pod
            .volumes
            .iter()
            .flatten()
            .find(|v| v.config_map.as_ref().is_some_and(|c| c.name == name))
            .unwrap();
        assert_eq!(
            mount_path(step, &volume.name),
            (format!("{CONFIG_MAPS_DIR}/{name}").as_str(), Some(true))
        );
    }
}

#[test]
fn a_script_step_job_copies_the_runner_into_the_scripts_image() {
    let job =
        script_step_job(&JobSettings::default(), &migration(), "20240601000000", RUN).unwrap();
    assert_common(&job, "DatabaseMigration", "forum-schema");
    let pod = pod_spec(&job);
    let init = &pod.init_containers.as_ref().unwrap()[0];
    assert_eq!(init.name, COPY_SELF_CONTAINER);
    assert_eq!(
        init.image.as_deref(),
        Some("ghcr.io/dbmigrate/dbmigrate:0.1.0-custom")
    );
    assert_eq!(
        init.command.as_deref().unwrap(),
        ["dbmigrate", "copy-self", SCRIPT_RUNNER_PATH]
    );
    assert_eq!(mount_path(init, RUNNER_VOLUME), (RUNNER_DIR, None));

    let step = &pod.containers[0];
    assert_eq!(
        step.image.as_deref(),
        Some("registry.example.com/forum/app:1.4.2")
    );
    assert_eq!(
        step.command.as_deref().unwrap(),
        [SCRIPT_RUNNER_PATH, "step", "--script", "20240601000000"]
    );
    assert_eq!(mount_path(step, RUNNER_VOLUME), (RUNNER_DIR, Some(true)));
    assert_eq!(env(step, "NODE_ENV").value.as_deref(), Some("production"));
    assert_eq!(secret_ref(env(step, "API_TOKEN")), ("forum-api", "token"));
    assert_eq!(
        secret_ref(env(step, "DBMIGRATE_SECRET_0")),
        ("forum-db", "password")
    );
    let runner = pod
        .volumes
        .iter()
        .flatten()
        .find(|v| v.name == RUNNER_VOLUME);
    assert!(runner.is_some_and(|v| v.empty_dir.is_some()));
}

#[test]
fn a_script_step_needs_a_declared_version_and_its_own_variable_names() {
    let unknown = script_step_job(&JobSettings::default(), &migration(), "1", RUN).unwrap_err();
    assert_eq!(unknown.reason(), Reason::UnknownScript);
    assert!(unknown.to_string().contains("version 1"), "{unknown}");

    let mut clashing = migration();
    clashing.spec.scripts[0].env.push(EnvVar {
        name: "DBMIGRATE_SECRET_0".to_owned(),
        value: Some("x".to_owned()),
        value_from: None,
    });
    let error =
        script_step_job(&JobSettings::default(), &clashing, "20240601000000", RUN).unwrap_err();
    assert_eq!(error.reason(), Reason::ReservedEnv);
    assert!(error.to_string().contains("DBMIGRATE_SECRET_0"), "{error}");
}

#[test]
fn a_sync_job_gets_the_url_secret_and_the_rows_config_map() {
    let settings = JobSettings {
        service_account_name: Some("dbmigrate-jobs".to_owned()),
        ..JobSettings::default()
    };
    let job = sync_job(&settings, &config_sync(), RUN).unwrap();
    assert_common(&job, "ConfigSync", "forum-config");
    let spec = job.spec.as_ref().unwrap();
    assert_eq!(
        spec.active_deadline_seconds,
        Some(settings.active_deadline_seconds)
    );
    assert_eq!(
        spec.ttl_seconds_after_finished,
        Some(settings.ttl_seconds_after_finished)
    );
    let pod = pod_spec(&job);
    assert_eq!(pod.service_account_name.as_deref(), Some("dbmigrate-jobs"));
    assert_eq!(
        (pod.node_selector.as_ref(), pod.tolerations.as_ref()),
        (None, None)
    );
    let step = &pod.containers[0];
    assert_eq!(step.command.as_deref().unwrap(), ["dbmigrate", "sync"]);
    assert_eq!(step.image.as_deref(), Some(settings.image.as_str()));
    assert_eq!(step.image_pull_policy.as_deref(), Some("IfNotPresent"));
    assert_eq!(secret_ref(env(step, ENV_DATABASE_URL)), ("forum-db", "url"));
    let volume = &pod.volumes.as_ref().unwrap()[1];
    assert_eq!(volume.config_map.as_ref().unwrap().name, "forum-config");
    assert_eq!(
        mount_path(step, &volume.name),
        (
            format!("{CONFIG_MAPS_DIR}/forum-config").as_str(),
            Some(true)
        )
    );
}

#[test]
fn jobs_serialise_to_yaml_that_reads_back_the_same() {
    let settings = JobSettings::default();
    let jobs = [
        sql_step_job(&settings, &migration(), RUN).unwrap(),
        script_step_job(&settings, &migration(), "20240601000000", RUN).unwrap(),
        sync_job(&settings, &config_sync(), RUN).unwrap(),
    ];
    for job in jobs {
        let yaml = serde_yaml::to_string(&job).unwrap();
        assert_eq!(serde_yaml::from_str::<Job>(&yaml).unwrap(), job, "{yaml}");
    }
}

#[test]
fn the_same_inputs_build_the_same_job_and_another_attempt_another_name() {
    let settings = JobSettings::default();
    let first = sql_step_job(&settings, &migration(), RUN).unwrap();
    assert_eq!(sql_step_job(&settings, &migration(), RUN).unwrap(), first);
    let retry = sql_step_job(&settings, &migration(), StepRun { attempt: 3, ..RUN }).unwrap();
    assert_ne!(retry.metadata.name, first.metadata.name);
}

#[test]
fn a_resource_without_uid_cannot_own_a_job() {
    let mut resource = migration();
    resource.metadata.uid = None;
    let error = sql_step_job(&JobSettings::default(), &resource, RUN).unwrap_err();
    assert_eq!(error.reason(), Reason::MissingMetadata);
    assert!(error.to_string().contains("metadata.uid"), "{error}");
}

#[test]
fn runner_settings_fall_back_to_the_operators_and_keep_the_script_pull_policy_unset() {
    let settings = JobSettings::default();
    let runner = settings.with_runner(None);
    assert_eq!(runner.image, settings.image);
    assert!(runner.image.starts_with("ghcr.io/dbmigrate/dbmigrate:"));
    assert_eq!(runner.script_image_pull_policy, None);
    assert_eq!(runner.retry_limit, settings.retry_limit);
    assert_eq!(
        runner.max_migrations_per_job,
        settings.max_migrations_per_job
    );
    let custom = settings.with_runner(migration().runner_settings());
    assert_eq!(custom.retry_limit, 5);
    assert_eq!(custom.script_image_pull_policy.as_deref(), Some("Always"));
}

#[test]
fn a_resources_runner_wins_over_the_operators_defaults_field_by_field() {
    let defaults: crate::api::RunnerSettings = serde_json::from_str(
        r#"{"image": "ops/dbmigrate:1", "nodeSelector": {"pool": "jobs"},
            "activeDeadlineSeconds": 600, "ttlSecondsAfterFinished": 60}"#,
    )
    .unwrap();
    let operator = JobSettings::default().with_runner(Some(&defaults));
    let spec: crate::api::RunnerSettings =
        serde_json::from_str(r#"{"image": "app/dbmigrate:2", "activeDeadlineSeconds": 60}"#)
            .unwrap();
    let resource = operator.with_runner(Some(&spec));
    assert_eq!(resource.image, "app/dbmigrate:2");
    assert_eq!(resource.active_deadline_seconds, 60);
    assert_eq!(resource.ttl_seconds_after_finished, 60);
    assert_eq!(resource.node_selector["pool"], "jobs");
    assert_eq!(resource.retry_limit, JobSettings::default().retry_limit);
    // a resource without spec.runner gets the operator's defaults, one with it its own
    let sync = sync_job(&operator, &config_sync(), RUN).unwrap();
    assert_eq!(
        sync.spec.as_ref().unwrap().active_deadline_seconds,
        Some(600)
    );
    let pod = pod_spec(&sync);
    assert_eq!(pod.node_selector.as_ref().unwrap()["pool"], "jobs");
    assert_eq!(pod.containers[0].image.as_deref(), Some("ops/dbmigrate:1"));
    let own = sql_step_job(&operator, &migration(), RUN).unwrap();
    assert_eq!(
        own.spec.as_ref().unwrap().active_deadline_seconds,
        Some(600)
    );
    assert_eq!(
        pod_spec(&own).node_selector.as_ref().unwrap()["kubernetes.io/os"],
        "linux"
    );
}

#[test]
fn the_input_hash_covers_the_spec_and_the_referenced_config_maps() {
    let resource = migration();
    let config_map: ConfigMap = serde_yaml::from_str(
        "metadata: {name: forum-migrations}\ndata: {1_init.sql: create table t (id int);}",
    )
    .unwrap();
    let hash = resource
        .input_hash(std::slice::from_ref(&config_map))
        .unwrap();
    assert_eq!(
        hash,
        resource
            .input_hash(std::slice::from_ref(&config_map))
            .unwrap()
    );
    assert_ne!(hash, resource.input_hash(&[]).unwrap());
    let mut edited = resource.clone();
    edited.spec.target_version = Some("2".to_owned());
    assert_ne!(hash, edited.input_hash(&[config_map]).unwrap());

    let sync = config_sync();
    assert_eq!(
        sync.config_map_names().into_iter().collect::<Vec<_>>(),
        ["forum-config"]
    );
    let mut no_rows_from = sync.clone();
    no_rows_from.spec.tables[0].rows_from = None::<RowsFrom>;
    assert!(no_rows_from.config_map_names().is_empty());
}

#[test]
fn the_secrets_a_resource_reads_are_its_databases_and_its_scripts() {
    let resource = migration();
    assert_eq!(
        resource.secret_names().into_iter().collect::<Vec<_>>(),
        ["forum-api", "forum-db"]
    );
    assert_eq!(
        config_sync().secret_names().into_iter().collect::<Vec<_>>(),
        ["forum-db"]
    );
    let mut without_password = resource.clone();
    without_password.spec.scripts.clear();
    if let DatabaseRef::Connection(fields) = &mut without_password.spec.database {
        fields.password_secret_ref = None::<SecretKeyRef>;
    }
    assert!(without_password.secret_names().is_empty());
}

#[test]
fn a_connection_without_password_needs_no_secret() {
    let mut resource = migration();
    if let DatabaseRef::Connection(fields) = &mut resource.spec.database {
        fields.password_secret_ref = None::<SecretKeyRef>;
    }
    let job = sql_step_job(&JobSettings::default(), &resource, RUN).unwrap();
    let step = &pod_spec(&job).containers[0];
    assert_eq!(env(step, ENV_SECRETS).value.as_deref(), Some("[]"));
    assert!(
        step.env
            .iter()
            .flatten()
            .all(|var| var.value_from.is_none())
    );
    let url = DatabaseRef::UrlSecretRef(UrlSecretRef {
        name: "db".to_owned(),
        key: "url".to_owned(),
        engine: None,
    });
    assert_eq!(secret_envs(&url)[0].env, ENV_DATABASE_URL);
}

#[test]
fn steps_on_the_same_database_share_the_database_label() {
    let label = |job: &Job| job.metadata.labels.as_ref().unwrap()[LABEL_DATABASE].clone();
    let mut sync = config_sync();
    let mut resource = migration();
    resource.spec.database = sync.spec.database.clone();
    let migration_job = sql_step_job(&JobSettings::default(), &resource, RUN).unwrap();
    let sync_step = sync_job(&JobSettings::default(), &sync, RUN).unwrap();
    assert_eq!(label(&migration_job), label(&sync_step));
    assert_eq!(label(&migration_job).len(), crate::jobs::INPUT_HASH_LENGTH);

    sync.spec.database = migration().spec.database;
    let other_database = sync_job(&JobSettings::default(), &sync, RUN).unwrap();
    assert_ne!(label(&migration_job), label(&other_database));
    sync.metadata.namespace = Some("elsewhere".to_owned());
    let other_namespace = sync_job(&JobSettings::default(), &sync, RUN).unwrap();
    assert_ne!(label(&other_database), label(&other_namespace));
}
