//! Lays a DatabaseMigration's files out in a folder, as its Job's volume mounts would, and loads them.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use super::bundle::{Bundle, Named, ResourceId};
use super::error::ManifestError;
use super::scripts::{ScriptContext, add_script_steps};
use crate::api::{ConfigMapSource, DatabaseMigration, MigrationFormat, MigrationSource};
use crate::engine::DatabaseUrl;
use crate::source::{Format, MigrationSet, load_dir};

/// A loaded migration set and the temporary folder holding its files (if any).
pub struct LoadedSource {
    /// The migrations.
    pub set: MigrationSet,
    _files: Option<tempfile::TempDir>,
}

/// Loads the migrations a resource declares: inline files and ConfigMap keys are written to
/// a temporary folder first (ConfigMaps at their `path`, keys as file names or at their
/// `items` paths); a `directory` is read in place (relative to the manifest's folder).
pub fn load_source(
    resource: &Named<DatabaseMigration>,
    id: &ResourceId,
    bundle: &Bundle,
    url: &DatabaseUrl,
) -> Result<LoadedSource, ManifestError> {
    let (dir, files) = match &resource.object.spec.source {
        MigrationSource::Directory(path) => (resource.base_dir.join(path), None),
        MigrationSource::Inline(migrations) => {
            let files = migrations.iter().map(|m| File {
                path: m.name.clone(),
                bytes: m.sql.clone().into_bytes(),
                origin: "spec.source.inline".to_owned(),
            });
            materialize(id, files.collect())?
        }
        MigrationSource::ConfigMaps(sources) => {
            let mut files = Vec::new();
            for source in sources {
                files.extend(config_map_files(source, id, bundle)?);
            }
            materialize(id, files)?
        }
    };
    let mut set = load_dir(&dir).map_err(|e| ManifestError::InvalidSpec {
        resource: id.to_string(),
        message: format!("spec.source: {e}"),
    })?;
    check_format(&resource.object.spec.format, set.format, id)?;
    let context = ScriptContext {
        id,
        bundle,
        base_dir: &resource.base_dir,
        url,
    };
    add_script_steps(&mut set, &resource.object.spec.scripts, &context)?;
    Ok(LoadedSource { set, _files: files })
}

/// A file to lay out: its path in the folder, its content, and where it came from.
struct File {
    path: String,
    bytes: Vec<u8>,
    origin: String,
}

fn config_map_files(
    source: &ConfigMapSource,
    id: &ResourceId,
    bundle: &Bundle,
) -> Result<Vec<File>, ManifestError> {
    let config_map = bundle.config_map(&id.namespace, &source.name).ok_or_else(|| {
        ManifestError::MissingReference {
            resource: id.to_string(),
            missing: format!("ConfigMap {}/{}", id.namespace, source.name),
            hint: "add it to the input (e.g. `kubectl kustomize <dir> | dbmigrate apply -f -` for a configMapGenerator)".into(),
        }
    })?;
    let mut keys: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let object = &config_map.object;
    for (key, text) in object.data.iter().flatten() {
        keys.insert(key.clone(), text.clone().into_bytes());
    }
    for (key, bytes) in object.binary_data.iter().flatten() {
        keys.insert(key.clone(), bytes.0.clone());
    }
    let origin = format!("ConfigMap {}/{}", id.namespace, source.name);
    let prefix = source
        .path
        .as_deref()
        .map(|p| format!("{}/", p.trim_end_matches('/')))
        .unwrap_or_default();
    if source.items.is_empty() {
        return Ok(keys
            .into_iter()
            .map(|(key, bytes)| File {
                path: format!("{prefix}{key}"),
                bytes,
                origin: format!("{origin} key {key}"),
            })
            .collect());
    }
    source
        .items
        .iter()
        .map(|item| {
            let bytes =
                keys.get(&item.key)
                    .cloned()
                    .ok_or_else(|| ManifestError::MissingReference {
                        resource: id.to_string(),
                        missing: format!("key `{}` in {origin}", item.key),
                        hint: format!(
                            "its keys are: {}",
                            keys.keys().cloned().collect::<Vec<_>>().join(", ")
                        ),
                    })?;
            Ok(File {
                path: format!("{prefix}{}", item.path),
                bytes,
                origin: format!("{origin} key {}", item.key),
            })
        })
        .collect()
}

fn materialize(
    id: &ResourceId,
    files: Vec<File>,
) -> Result<(PathBuf, Option<tempfile::TempDir>), ManifestError> {
    let root = tempfile::Builder::new()
        .prefix("dbmigrate-source-")
        .tempdir()
        .map_err(|source| ManifestError::Materialize {
            resource: id.to_string(),
            path: std::env::temp_dir(),
            source,
        })?;
    let mut written: BTreeMap<String, String> = BTreeMap::new();
    for File {
        path: relative,
        bytes,
        origin,
    } in files
    {
        if !is_safe_relative(&relative) {
            return Err(ManifestError::InvalidSpec {
                resource: id.to_string(),
                message: format!(
                    "{origin}: path `{relative}` must be relative and must not contain `..`"
                ),
            });
        }
        if let Some(first) = written.insert(relative.clone(), origin.clone()) {
            return Err(ManifestError::InvalidSpec {
                resource: id.to_string(),
                message: format!(
                    "file `{relative}` comes from both {first} and {origin}; each file may come from one place only"
                ),
            });
        }
        let path = root.path().join(&relative);
        let write = |path: &Path| -> std::io::Result<()> {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(path, &bytes)
        };
        write(&path).map_err(|source| ManifestError::Materialize {
            resource: id.to_string(),
            path: path.clone(),
            source,
        })?;
    }
    Ok((root.path().to_path_buf(), Some(root)))
}

fn is_safe_relative(path: &str) -> bool {
    !path.is_empty()
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

fn check_format(
    wanted: &MigrationFormat,
    found: Format,
    id: &ResourceId,
) -> Result<(), ManifestError> {
    let expected = match wanted {
        MigrationFormat::Auto => return Ok(()),
        MigrationFormat::Native => Format::Native,
        MigrationFormat::Flyway => Format::Flyway,
        MigrationFormat::Updown => Format::UpDown,
        MigrationFormat::Drizzle => Format::Drizzle,
        MigrationFormat::Prisma => Format::Prisma,
        MigrationFormat::Diesel => Format::Diesel,
    };
    if expected == found {
        Ok(())
    } else {
        Err(ManifestError::InvalidSpec {
            resource: id.to_string(),
            message: format!(
                "spec.format asks for the {expected} layout but the files are in the {found} layout; fix spec.format (or set it to auto)"
            ),
        })
    }
}
