//! Script steps (`spec.scripts`): data migrations run as commands, merged into the migration
//! set by version. Locally the command runs on this machine, in the manifest's folder, with
//! `DATABASE_URL` and the step's `env` (values, or `valueFrom` Secret/ConfigMap keys).

use std::path::{Path, PathBuf};

use k8s_openapi::api::core::v1::EnvVar;

use super::bundle::{Bundle, ResourceId};
use super::database::secret_value;
use super::error::ManifestError;
use crate::api::{ScriptStep, SecretKeyRef};
use crate::engine::DatabaseUrl;
use crate::source::{Directives, Migration, MigrationSet, Script, ScriptCommand, Version};

/// Where a script step's working directory, bundle and database come from.
pub struct ScriptContext<'a> {
    /// The resource.
    pub id: &'a ResourceId,
    /// The manifests (for `valueFrom`).
    pub bundle: &'a Bundle,
    /// The manifest's folder: the command's working directory.
    pub base_dir: &'a Path,
    /// The database, handed over as `DATABASE_URL`.
    pub url: &'a DatabaseUrl,
}

/// Adds each script step to `set` as a data migration at its version.
pub fn add_script_steps(
    set: &mut MigrationSet,
    scripts: &[ScriptStep],
    context: &ScriptContext<'_>,
) -> Result<(), ManifestError> {
    for (index, step) in scripts.iter().enumerate() {
        let at = format!("spec.scripts[{index}] ({})", step.name);
        let invalid = |message: String| ManifestError::InvalidSpec {
            resource: context.id.to_string(),
            message: format!("{at}: {message}"),
        };
        let version = Version::parse(&step.version).map_err(|e| invalid(e.to_string()))?;
        if let Some(clash) = set.get(&version) {
            return Err(invalid(format!(
                "version {} is also the version of {}; give the script step a version of its own",
                step.version,
                clash.up.path.display()
            )));
        }
        // What the checksum covers: the command, not the image (which changes every release).
        let sql = format!(
            "-- dbmigrate: no-transaction kind=data\n-- script step: {}\n",
            serde_json::to_string(&step.command).unwrap_or_default()
        );
        let directives = Directives::parse(&sql).map_err(|e| invalid(e.to_string()))?;
        let mut env = vec![("DATABASE_URL".to_owned(), context.url.connection_string())];
        for var in &step.env {
            env.push((var.name.clone(), env_value(var, context).map_err(invalid)?));
        }
        let migration = Migration {
            version,
            name: step.name.clone(),
            up: Script {
                path: PathBuf::from(&at),
                sql,
                directives,
                command: Some(ScriptCommand {
                    argv: step.command.clone(),
                    env,
                    dir: context.base_dir.to_path_buf(),
                }),
            },
            down: None,
        };
        let position = set
            .migrations
            .partition_point(|m| m.version < migration.version);
        set.migrations.insert(position, migration);
    }
    Ok(())
}

fn env_value(var: &EnvVar, context: &ScriptContext<'_>) -> Result<String, String> {
    if let Some(value) = &var.value {
        return Ok(value.clone());
    }
    let from = var
        .value_from
        .as_ref()
        .ok_or_else(|| format!("env {} has neither value nor valueFrom", var.name))?;
    if let Some(secret) = &from.secret_key_ref {
        let key = SecretKeyRef {
            name: secret.name.clone(),
            key: secret.key.clone(),
        };
        return secret_value(&key, context.id, context.bundle).map_err(|e| e.to_string());
    }
    if let Some(config_map) = &from.config_map_key_ref {
        return context
            .bundle
            .config_map_text(&context.id.namespace, &config_map.name, &config_map.key)
            .map(str::to_owned)
            .map_err(|e| format!("env {}: {e}", var.name));
    }
    Err(format!(
        "env {}: only value, secretKeyRef and configMapKeyRef can be resolved without a cluster",
        var.name
    ))
}
