//! Sorts documents into resources by kind and indexes them by namespace and name.

use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use serde::de::DeserializeOwned;
use tracing::debug;

use super::error::ManifestError;
use super::read::Document;
use crate::api::{self, ConfigSync, DatabaseMigration, DependencyKind, SchemaChecker};

/// Which of our resources an id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceKind {
    /// A `DatabaseMigration`.
    DatabaseMigration,
    /// A `ConfigSync`.
    ConfigSync,
}

impl From<DependencyKind> for ResourceKind {
    fn from(kind: DependencyKind) -> Self {
        match kind {
            DependencyKind::DatabaseMigration => Self::DatabaseMigration,
            DependencyKind::ConfigSync => Self::ConfigSync,
        }
    }
}

impl ResourceKind {
    /// The kind as written in manifests.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DatabaseMigration => "DatabaseMigration",
            Self::ConfigSync => "ConfigSync",
        }
    }
}

/// Kind, namespace and name of a resource.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceId {
    /// Kind.
    pub kind: ResourceKind,
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
}

impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}/{}", self.kind.as_str(), self.namespace, self.name)
    }
}

/// An object with its resolved namespace and where it was read from.
#[derive(Debug, Clone)]
pub struct Named<T> {
    /// Namespace (the default one when the manifest has none).
    pub namespace: String,
    /// Name.
    pub name: String,
    /// File and document index.
    pub origin: String,
    /// The folder relative paths are resolved against.
    pub base_dir: PathBuf,
    /// The object.
    pub object: T,
}

impl<T> Named<T> {
    /// The id of this object as a resource of `kind`.
    pub fn id(&self, kind: ResourceKind) -> ResourceId {
        ResourceId {
            kind,
            namespace: self.namespace.clone(),
            name: self.name.clone(),
        }
    }
}

/// Everything the manifests declare that a local run uses.
#[derive(Debug, Default)]
pub struct Bundle {
    /// DatabaseMigrations in input order.
    pub migrations: Vec<Named<DatabaseMigration>>,
    /// ConfigSyncs in input order.
    pub syncs: Vec<Named<ConfigSync>>,
    secrets: BTreeMap<(String, String), Named<Secret>>,
    config_maps: BTreeMap<(String, String), Named<ConfigMap>>,
}

impl Bundle {
    /// Decodes and indexes the documents; objects without a namespace get `default_namespace`.
    pub fn from_documents(
        documents: Vec<Document>,
        default_namespace: &str,
    ) -> Result<Self, ManifestError> {
        let mut bundle = Self::default();
        let checkers = SchemaCheckers::default();
        let mut seen: BTreeMap<(String, String, String), String> = BTreeMap::new();
        for document in documents {
            let api_version = text_at(&document.value, &["apiVersion"]);
            let kind = text_at(&document.value, &["kind"]);
            let name = text_at(&document.value, &["metadata", "name"]);
            let namespace = Some(text_at(&document.value, &["metadata", "namespace"]))
                .filter(|ns| !ns.is_empty())
                .unwrap_or_else(|| default_namespace.to_owned());
            let ours = api_version.starts_with(&format!("{}/", api::GROUP));
            let known = match kind.as_str() {
                "DatabaseMigration" | "ConfigSync" => ours && api_version == api::API_VERSION,
                "Secret" | "ConfigMap" => api_version == "v1",
                _ => false,
            };
            if ours && !known {
                return Err(ManifestError::UnknownKind {
                    origin: document.origin,
                    api_version,
                    kind,
                });
            }
            if !known {
                debug!(origin = %document.origin, %kind, "ignoring a kind local runs do not use");
                continue;
            }
            if name.is_empty() {
                return Err(malformed(
                    &document,
                    &kind,
                    "metadata.name",
                    "every object needs a name",
                ));
            }
            let key = (kind.clone(), namespace.clone(), name.clone());
            if let Some(first) = seen.insert(key, document.origin.clone()) {
                return Err(ManifestError::Duplicate {
                    kind,
                    namespace,
                    name,
                    first,
                    second: document.origin,
                });
            }
            checkers.check(&document, &kind, &name)?;
            match kind.as_str() {
                "DatabaseMigration" => bundle
                    .migrations
                    .push(decode(document, namespace, name, &kind)?),
                "ConfigSync" => bundle.syncs.push(decode(document, namespace, name, &kind)?),
                "Secret" => {
                    let secret = decode(document, namespace.clone(), name.clone(), &kind)?;
                    bundle.secrets.insert((namespace, name), secret);
                }
                _ => {
                    let config_map = decode(document, namespace.clone(), name.clone(), &kind)?;
                    bundle.config_maps.insert((namespace, name), config_map);
                }
            }
        }
        if bundle.migrations.is_empty() && bundle.syncs.is_empty() {
            return Err(ManifestError::Empty);
        }
        Ok(bundle)
    }

    /// The Secret `namespace/name`, if the manifests hold it.
    pub fn secret(&self, namespace: &str, name: &str) -> Option<&Named<Secret>> {
        self.secrets.get(&(namespace.to_owned(), name.to_owned()))
    }

    /// The text of `key` in the `data` of ConfigMap `namespace/name`; the error says which of
    /// the two is missing.
    pub fn config_map_text(&self, namespace: &str, name: &str, key: &str) -> Result<&str, String> {
        let config_map = self.config_map(namespace, name).ok_or_else(|| {
            format!("ConfigMap {namespace}/{name} not found in the manifests; add it to the input")
        })?;
        config_map
            .object
            .data
            .as_ref()
            .and_then(|data| data.get(key))
            .map(String::as_str)
            .ok_or_else(|| format!("ConfigMap {namespace}/{name} has no key `{key}`"))
    }

    /// The ConfigMap `namespace/name`, if the manifests hold it.
    pub fn config_map(&self, namespace: &str, name: &str) -> Option<&Named<ConfigMap>> {
        self.config_maps
            .get(&(namespace.to_owned(), name.to_owned()))
    }
}

/// The API server's schema checks of our two kinds, compiled on first use.
#[derive(Default)]
struct SchemaCheckers {
    migration: OnceCell<Option<SchemaChecker>>,
    sync: OnceCell<Option<SchemaChecker>>,
}

impl SchemaCheckers {
    /// Refuses what `kubectl apply` would (patterns, bounds, oneOf, list types, CEL rules);
    /// kinds other than ours pass.
    fn check(&self, document: &Document, kind: &str, name: &str) -> Result<(), ManifestError> {
        let cell = match kind {
            "DatabaseMigration" => &self.migration,
            "ConfigSync" => &self.sync,
            _ => return Ok(()),
        };
        let Some(checker) = cell.get_or_init(|| SchemaChecker::for_kind(kind)) else {
            return Ok(());
        };
        let rejections = checker.check(&document.value);
        if rejections.is_empty() {
            return Ok(());
        }
        Err(ManifestError::SchemaRejected {
            origin: document.origin.clone(),
            kind: kind.to_owned(),
            name: name.to_owned(),
            rejections: rejections.iter().map(ToString::to_string).collect(),
        })
    }
}

fn text_at(value: &serde_json::Value, path: &[&str]) -> String {
    path.iter()
        .try_fold(value, |v, key| v.get(key))
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned()
}

fn malformed(document: &Document, kind: &str, field: &str, message: &str) -> ManifestError {
    ManifestError::Malformed {
        origin: document.origin.clone(),
        kind: kind.to_owned(),
        name: text_at(&document.value, &["metadata", "name"]),
        field: field.to_owned(),
        message: message.to_owned(),
    }
}

fn decode<T: DeserializeOwned>(
    document: Document,
    namespace: String,
    name: String,
    kind: &str,
) -> Result<Named<T>, ManifestError> {
    let object = serde_path_to_error::deserialize(&document.value).map_err(|e| {
        let field = e.path().to_string();
        let message = match kind {
            // The decoder's message may quote the value: never a Secret's.
            "Secret" => "not a valid value: `data` values are base64 text, `stringData` values are strings (the value is not shown)".to_owned(),
            "ConfigMap" => e.into_inner().to_string(),
            _ => format!("{} (see `dbmigrate crds` for the schema)", e.into_inner()),
        };
        malformed(&document, kind, &field, &message)
    })?;
    Ok(Named {
        namespace,
        name,
        origin: document.origin,
        base_dir: document.base_dir,
        object,
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::manifest::read::parse_stream;

    fn bundle(text: &str) -> Result<Bundle, ManifestError> {
        Bundle::from_documents(
            parse_stream(text, "m.yaml", Path::new(".")).expect("yaml"),
            "default",
        )
    }

    const SYNC: &str = "apiVersion: dbmigrate.dev/v1alpha1\nkind: ConfigSync\nmetadata: {name: s}\nspec:\n  database: {urlSecretRef: {name: db, key: url}}\n  tables: [{table: t, keyColumns: [id], rows: [{id: 1}]}]\n";

    #[test]
    fn indexes_secrets_and_defaults_the_namespace() {
        let text = format!(
            "{SYNC}---\napiVersion: v1\nkind: Secret\nmetadata: {{name: db}}\nstringData: {{url: 'sqlite://x.db'}}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: app}}\n"
        );
        let bundle = bundle(&text).expect("valid");
        assert_eq!(bundle.syncs[0].namespace, "default");
        assert!(bundle.secret("default", "db").is_some());
        assert!(bundle.secret("other", "db").is_none());
    }

    #[test]
    fn names_the_field_of_a_malformed_resource() {
        let text = SYNC.replace("keyColumns: [id]", "keyColumns: id");
        let error = bundle(&text).expect_err("malformed");
        let message = error.to_string();
        assert!(
            message.contains("m.yaml#1") && message.contains("spec.tables[0].keyColumns"),
            "{message}"
        );
    }

    #[test]
    fn never_quotes_a_secret_value_it_cannot_decode() {
        let text = format!(
            "{SYNC}---\napiVersion: v1\nkind: Secret\nmetadata: {{name: db}}\nstringData: {{url: 912873465}}\n"
        );
        let message = bundle(&text).expect_err("not a string").to_string();
        assert!(
            message.contains("m.yaml#2: Secret db: field `stringData.url`"),
            "{message}"
        );
        assert!(!message.contains("912873465"), "{message}");
    }

    #[test]
    fn rejects_duplicates_unknown_kinds_and_empty_input() {
        let twice = format!("{SYNC}---\n{SYNC}");
        assert!(matches!(
            bundle(&twice),
            Err(ManifestError::Duplicate { .. })
        ));
        let unknown = "apiVersion: dbmigrate.dev/v1alpha1\nkind: Migration\nmetadata: {name: x}\n";
        assert!(matches!(
            bundle(unknown),
            Err(ManifestError::UnknownKind { .. })
        ));
        let none = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n";
        assert!(matches!(bundle(none), Err(ManifestError::Empty)));
    }
}
