//! Rebuilds a step Job's manifests from its inputs: the resource and its Secret keys from
//! environment variables, its ConfigMaps from the mounted folders.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

use super::{ENV_RESOURCE, ENV_SECRETS, SecretEnv};
use crate::api::Reason;
use crate::manifest::{Bundle, Document, ManifestError, ResourceKind};

/// Where the resource's document says it came from.
const RESOURCE_ORIGIN: &str = "env DBMIGRATE_RESOURCE";

/// Why a step Job's inputs cannot be used (nothing has run when one of these is returned).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// A variable the Job must set is missing.
    #[error("environment variable {variable} is not set; the step Job sets it to {what}")]
    MissingVariable {
        /// The variable.
        variable: &'static str,
        /// What it holds.
        what: &'static str,
    },
    /// A variable does not hold the JSON it should.
    #[error("environment variable {variable} does not hold {what}: {message}")]
    InvalidJson {
        /// The variable.
        variable: &'static str,
        /// What it should hold.
        what: &'static str,
        /// The parser's message.
        message: String,
    },
    /// The resource is of the other kind.
    #[error(
        "{variable} holds a {found}, not a {expected}: `dbmigrate step` runs DatabaseMigrations, `dbmigrate sync` runs ConfigSyncs"
    )]
    WrongKind {
        /// The variable.
        variable: &'static str,
        /// The kind this command runs.
        expected: &'static str,
        /// The kind found.
        found: String,
    },
    /// The variable that should hold a Secret key is not set.
    #[error(
        "key `{key}` of Secret {secret}: environment variable {variable} is not set (or not UTF-8); check that the Secret exists in the resource's namespace and has this key"
    )]
    SecretNotFound {
        /// The Secret's name.
        secret: String,
        /// The key.
        key: String,
        /// The variable that should hold it.
        variable: String,
    },
    /// A mounted ConfigMap folder or file cannot be read.
    #[error(
        "cannot read {path}: {source}; the step Job mounts each referenced ConfigMap at <config-maps-dir>/<name>"
    )]
    ConfigMapUnreadable {
        /// The folder or file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The rebuilt manifests are invalid.
    #[error(transparent)]
    Manifest(Box<ManifestError>),
}

impl From<ManifestError> for InputError {
    fn from(error: ManifestError) -> Self {
        Self::Manifest(Box::new(error))
    }
}

impl InputError {
    /// A stable reason string (the report's failure reason).
    pub fn reason(&self) -> Reason {
        match self {
            Self::MissingVariable { .. } | Self::InvalidJson { .. } | Self::WrongKind { .. } => {
                Reason::InvalidInput
            }
            Self::SecretNotFound { .. } => Reason::SecretNotFound,
            Self::ConfigMapUnreadable { .. } => Reason::ConfigMapUnreadable,
            Self::Manifest(error) => error.reason(),
        }
    }
}

/// Reads the inputs of a step Job running a resource of `kind`: the resource, Secrets from
/// the variables `DBMIGRATE_SECRETS` names (looked up with `env`), ConfigMaps from the
/// folders in `config_maps_dir` (none when it does not exist). The resource's `dependsOn`
/// is dropped: the operator starts a step only once its dependencies are Ready.
pub fn read_bundle(
    kind: ResourceKind,
    config_maps_dir: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Bundle, InputError> {
    let mut resource = resource_json(env)?;
    let found = resource["kind"].as_str().unwrap_or_default();
    if found != kind.as_str() {
        return Err(InputError::WrongKind {
            variable: ENV_RESOURCE,
            expected: kind.as_str(),
            found: if found.is_empty() {
                "document without kind"
            } else {
                found
            }
            .to_owned(),
        });
    }
    if let Some(spec) = resource.get_mut("spec").and_then(|s| s.as_object_mut()) {
        spec.remove("dependsOn");
    }
    let namespace = resource["metadata"]["namespace"]
        .as_str()
        .filter(|ns| !ns.is_empty())
        .unwrap_or("default")
        .to_owned();
    let base_dir = std::env::current_dir().unwrap_or_default();
    let document = |origin: String, value| Document {
        origin,
        base_dir: base_dir.clone(),
        value,
    };
    let mut documents = vec![document(RESOURCE_ORIGIN.to_owned(), resource)];
    for secret in secrets(&namespace, env)? {
        let origin = format!(
            "env {ENV_SECRETS} ({})",
            secret.metadata.name.clone().unwrap_or_default()
        );
        documents.push(document(origin, to_json(&secret)));
    }
    for (dir, config_map) in config_maps(&namespace, config_maps_dir)? {
        documents.push(document(dir.display().to_string(), to_json(&config_map)));
    }
    Ok(Bundle::from_documents(documents, &namespace)?)
}

/// The `metadata.generation` of the resource in the environment, if it can be read at all
/// (for the report of a step that could not run).
pub fn resource_generation(env: &dyn Fn(&str) -> Option<String>) -> Option<i64> {
    resource_json(env).ok()?["metadata"]["generation"].as_i64()
}

fn resource_json(env: &dyn Fn(&str) -> Option<String>) -> Result<serde_json::Value, InputError> {
    let what = "the resource as JSON";
    let text = env(ENV_RESOURCE).ok_or(InputError::MissingVariable {
        variable: ENV_RESOURCE,
        what,
    })?;
    serde_json::from_str(&text).map_err(|e| InputError::InvalidJson {
        variable: ENV_RESOURCE,
        what,
        message: e.to_string(),
    })
}

/// One Secret per name in `DBMIGRATE_SECRETS`, holding the keys it lists.
fn secrets(
    namespace: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Secret>, InputError> {
    let what = "a JSON list of {name, key, env}";
    let text = env(ENV_SECRETS).ok_or(InputError::MissingVariable {
        variable: ENV_SECRETS,
        what,
    })?;
    let entries: Vec<SecretEnv> =
        serde_json::from_str(&text).map_err(|e| InputError::InvalidJson {
            variable: ENV_SECRETS,
            what,
            message: e.to_string(),
        })?;
    let mut by_name: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for entry in entries {
        let value = env(&entry.env).ok_or_else(|| InputError::SecretNotFound {
            secret: format!("{namespace}/{}", entry.name),
            key: entry.key.clone(),
            variable: entry.env.clone(),
        })?;
        by_name
            .entry(entry.name)
            .or_default()
            .insert(entry.key, value);
    }
    Ok(by_name
        .into_iter()
        .map(|(name, keys)| Secret {
            metadata: meta(name, namespace),
            string_data: Some(keys),
            ..Secret::default()
        })
        .collect())
}

/// One ConfigMap per folder of `dir` (named like the folder), one key per file; kubelet's
/// `..data` and `..<timestamp>` entries are skipped (the files are symlinks into them).
fn config_maps(namespace: &str, dir: &Path) -> Result<Vec<(PathBuf, ConfigMap)>, InputError> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut config_maps = Vec::new();
    for folder in visible_entries(dir)? {
        let name = file_name(&folder);
        let mut data = BTreeMap::new();
        let mut binary_data = BTreeMap::new();
        for file in visible_entries(&folder)? {
            let bytes = std::fs::read(&file).map_err(|source| unreadable(&file, source))?;
            match String::from_utf8(bytes) {
                Ok(text) => {
                    data.insert(file_name(&file), text);
                }
                Err(e) => {
                    binary_data.insert(file_name(&file), ByteString(e.into_bytes()));
                }
            }
        }
        let config_map = ConfigMap {
            metadata: meta(name, namespace),
            data: Some(data),
            binary_data: (!binary_data.is_empty()).then_some(binary_data),
            ..ConfigMap::default()
        };
        config_maps.push((folder, config_map));
    }
    Ok(config_maps)
}

/// The entries of `dir` whose names do not start with `..`, in name order.
fn visible_entries(dir: &Path) -> Result<Vec<PathBuf>, InputError> {
    let entries = std::fs::read_dir(dir).map_err(|source| unreadable(dir, source))?;
    let mut paths = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| unreadable(dir, source))?;
        if !entry.file_name().to_string_lossy().starts_with("..") {
            paths.push(entry.path());
        }
    }
    paths.sort();
    Ok(paths)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn unreadable(path: &Path, source: std::io::Error) -> InputError {
    InputError::ConfigMapUnreadable {
        path: path.to_path_buf(),
        source,
    }
}

fn meta(name: String, namespace: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name),
        namespace: Some(namespace.to_owned()),
        ..ObjectMeta::default()
    }
}

/// A Kubernetes object as the JSON document `kubectl` would read (with apiVersion and kind).
fn to_json(object: &impl Serialize) -> serde_json::Value {
    serde_json::to_value(object).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SYNC: &str = r#"{"apiVersion":"dbmigrate.dev/v1alpha1","kind":"ConfigSync",
        "metadata":{"name":"themes","namespace":"forum","generation":4},
        "spec":{"database":{"urlSecretRef":{"name":"db","key":"url"}},
        "dependsOn":[{"kind":"DatabaseMigration","name":"schema"}],
        "tables":[{"table":"themes","keyColumns":["id"],
        "rowsFrom":{"configMap":"themes","key":"themes.yaml"}}]}}"#;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    fn kubelet_mount(root: &Path, name: &str, files: &[(&str, &[u8])]) {
        let folder = root.join(name);
        let data = folder.join("..2026_11_25_10_00_00.000000001");
        std::fs::create_dir_all(&data).unwrap();
        for (key, bytes) in files {
            std::fs::write(data.join(key), bytes).unwrap();
            std::os::unix::fs::symlink(format!("..data/{key}"), folder.join(key)).unwrap();
        }
        std::os::unix::fs::symlink("..2026_11_25_10_00_00.000000001", folder.join("..data"))
            .unwrap();
    }

    #[test]
    fn rebuilds_secrets_and_kubelet_mounted_config_maps() {
        let root = tempfile::tempdir().unwrap();
        kubelet_mount(
            root.path(),
            "themes",
            &[("themes.yaml", b"- {id: 1}\n"), ("logo.png", &[0x89, 0xff])],
        );
        let secrets = r#"[{"name":"db","key":"url","env":"DATABASE_URL"}]"#;
        let env = env_of(&[
            (ENV_RESOURCE, SYNC),
            (ENV_SECRETS, secrets),
            ("DATABASE_URL", "sqlite://x.db"),
        ]);
        let bundle = read_bundle(ResourceKind::ConfigSync, root.path(), &env).unwrap();
        assert_eq!(bundle.syncs.len(), 1);
        assert!(bundle.syncs[0].object.spec.depends_on.is_empty());
        let secret = bundle.secret("forum", "db").unwrap();
        assert_eq!(
            secret.object.string_data.as_ref().unwrap()["url"],
            "sqlite://x.db"
        );
        assert_eq!(
            bundle.config_map_text("forum", "themes", "themes.yaml"),
            Ok("- {id: 1}\n")
        );
        let binary = bundle.config_map("forum", "themes").unwrap();
        let binary = binary.object.binary_data.as_ref().unwrap();
        assert_eq!(binary["logo.png"].0, [0x89, 0xff]);
        assert_eq!(resource_generation(&env), Some(4));
    }

    #[test]
    fn names_the_missing_variable_of_a_secret_without_its_value() {
        let secrets = r#"[{"name":"db","key":"url","env":"DB_URL"}]"#;
        let env = env_of(&[(ENV_RESOURCE, SYNC), (ENV_SECRETS, secrets)]);
        let error = read_bundle(ResourceKind::ConfigSync, Path::new("/nonexistent"), &env)
            .expect_err("the variable is missing");
        assert_eq!(error.reason(), Reason::SecretNotFound);
        let message = error.to_string();
        assert!(
            message.contains("DB_URL") && message.contains("forum/db"),
            "{message}"
        );
    }

    #[test]
    fn refuses_missing_or_other_resources() {
        let env = env_of(&[(ENV_SECRETS, "[]")]);
        let error = read_bundle(ResourceKind::ConfigSync, Path::new("/x"), &env).unwrap_err();
        assert!(error.to_string().contains(ENV_RESOURCE), "{error}");
        let env = env_of(&[(ENV_RESOURCE, SYNC), (ENV_SECRETS, "[]")]);
        let error =
            read_bundle(ResourceKind::DatabaseMigration, Path::new("/x"), &env).unwrap_err();
        assert!(matches!(error, InputError::WrongKind { .. }), "{error}");
        let env = env_of(&[(ENV_RESOURCE, "{"), (ENV_SECRETS, "[]")]);
        let error = read_bundle(ResourceKind::ConfigSync, Path::new("/x"), &env).unwrap_err();
        assert_eq!(error.reason(), Reason::InvalidInput);
    }
}
