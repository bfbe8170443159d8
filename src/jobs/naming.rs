//! Deterministic names and label values of step Jobs: the same resource, inputs, step and
//! attempt give the same Job name after any operator restart, and every name is a valid
//! DNS-1123 label of at most 63 characters (the limit of the `job-name` label Kubernetes puts
//! on the Job's pods).

use k8s_openapi::api::core::v1::ConfigMap;
use sha2::{Digest, Sha256};

use crate::api::DatabaseRef;

/// The longest Job name and label value Kubernetes accepts.
pub const MAX_LABEL_LENGTH: usize = 63;

/// Hex digits of the hash that makes a Job name unique.
const NAME_HASH_LENGTH: usize = 10;

/// Hex digits kept of [`input_hash`].
pub const INPUT_HASH_LENGTH: usize = 16;

/// Which step Job of which resource: everything its name derives from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepId<'a> {
    /// The resource's kind (`DatabaseMigration`, `ConfigSync`).
    pub kind: &'a str,
    /// The resource's name.
    pub name: &'a str,
    /// The resource's uid (a re-created resource gets new Jobs).
    pub uid: &'a str,
    /// [`input_hash`] of the resource's spec and ConfigMaps.
    pub input_hash: &'a str,
    /// The step's ordinal within this input (0 for the first step).
    pub step: u32,
    /// The attempt of this step (1 for the first run, one more per retry).
    pub attempt: u32,
}

impl StepId<'_> {
    /// The Job's name: `<resource name, shortened>-s<step>-a<attempt>-<hash>`, where the hash
    /// covers kind, name, uid, input hash, step and attempt.
    pub fn job_name(&self) -> String {
        let hash = short_hash(
            &[
                self.kind,
                self.name,
                self.uid,
                self.input_hash,
                &self.step.to_string(),
                &self.attempt.to_string(),
            ],
            NAME_HASH_LENGTH,
        );
        let suffix = format!("-s{}-a{}-{hash}", self.step, self.attempt);
        let prefix = label_prefix(self.name, MAX_LABEL_LENGTH - suffix.len());
        format!("{prefix}{suffix}")
    }
}

/// A label value standing for a resource name: the name itself when it fits in 63
/// characters, else its first characters and a hash of the whole name.
pub fn resource_label(name: &str) -> String {
    if name.len() <= MAX_LABEL_LENGTH {
        return name.to_owned();
    }
    let hash = short_hash(&[name], NAME_HASH_LENGTH);
    let prefix = label_prefix(name, MAX_LABEL_LENGTH - NAME_HASH_LENGTH - 1);
    format!("{prefix}-{hash}")
}

/// The label value standing for the database a resource changes: a hash of its namespace and
/// its `spec.database` reference (the operator never reads the Secret, so two references to
/// the same server through different Secrets count as two databases).
pub fn database_label(namespace: &str, database: &DatabaseRef) -> String {
    let reference = serde_json::to_string(database).unwrap_or_default();
    short_hash(&[namespace, &reference], INPUT_HASH_LENGTH)
}

/// SHA-256 over a resource's spec (as JSON) and the data of the ConfigMaps it references,
/// sorted by name, as [`INPUT_HASH_LENGTH`] hex digits: a new value means new inputs, and so
/// new Jobs.
///
/// Every part is length-prefixed, so no two different inputs hash the same bytes.
pub fn input_hash(spec: &serde_json::Value, config_maps: &[ConfigMap]) -> String {
    let mut hasher = Sha256::new();
    let mut part = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_be_bytes());
        hasher.update(bytes);
    };
    // serde_json's maps are sorted by key, so the same spec always gives the same text.
    part(spec.to_string().as_bytes());
    let mut sorted: Vec<&ConfigMap> = config_maps.iter().collect();
    sorted.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
    for config_map in sorted {
        part(
            config_map
                .metadata
                .name
                .as_deref()
                .unwrap_or_default()
                .as_bytes(),
        );
        // `data` and `binaryData` are BTreeMaps: sorted by key.
        for (key, value) in config_map.data.iter().flatten() {
            part(b"data");
            part(key.as_bytes());
            part(value.as_bytes());
        }
        for (key, value) in config_map.binary_data.iter().flatten() {
            part(b"binaryData");
            part(key.as_bytes());
            part(&value.0);
        }
    }
    hex_prefix(&hasher.finalize(), INPUT_HASH_LENGTH)
}

/// The first `digits` hex digits of the SHA-256 of `parts` (each length-prefixed).
fn short_hash(parts: &[&str], digits: usize) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hex_prefix(&hasher.finalize(), digits)
}

fn hex_prefix(bytes: &[u8], digits: usize) -> String {
    bytes
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect::<String>()
        .chars()
        .take(digits)
        .collect()
}

/// At most `max` characters of `name` usable at the start of a DNS-1123 label: lower-case
/// alphanumerics and `-` (a subdomain's `.` becomes `-`), starting with an alphanumeric,
/// without a trailing `-` (the hash suffix follows one).
fn label_prefix(name: &str, max: usize) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .skip_while(|c| *c == '-')
        .take(max)
        .collect();
    let trimmed = cleaned.trim_end_matches('-');
    if trimmed.is_empty() {
        // Only reachable with a name that has no alphanumeric at all; Kubernetes names start
        // with one, but the label must stay valid whatever it is given.
        "x".to_owned()
    } else {
        trimmed.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use k8s_openapi::ByteString;
    use kube::api::ObjectMeta;

    use super::*;

    fn id(name: &str) -> StepId<'_> {
        StepId {
            kind: "DatabaseMigration",
            name,
            uid: "6f1c0e7a-1b2c-4d5e-8f90-0123456789ab",
            input_hash: "0123456789abcdef",
            step: 2,
            attempt: 1,
        }
    }

    fn is_dns_label(value: &str) -> bool {
        !value.is_empty()
            && value.len() <= MAX_LABEL_LENGTH
            && value
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !value.starts_with('-')
            && !value.ends_with('-')
    }

    fn config_map(name: &str, data: &[(&str, &str)]) -> ConfigMap {
        ConfigMap {
            metadata: ObjectMeta {
                name: Some(name.to_owned()),
                ..ObjectMeta::default()
            },
            data: Some(
                data.iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            ),
            ..ConfigMap::default()
        }
    }

    #[test]
    fn a_short_name_stays_readable_and_is_stable() {
        let name = id("forum-schema").job_name();
        assert!(name.starts_with("forum-schema-s2-a1-"), "{name}");
        assert_eq!(name.len(), "forum-schema-s2-a1-".len() + NAME_HASH_LENGTH);
        assert_eq!(name, id("forum-schema").job_name());
        assert!(is_dns_label(&name), "{name}");
    }

    #[test]
    fn long_and_dotted_names_become_valid_labels_of_at_most_63_characters() {
        let long = format!("{}.example.{}", "a".repeat(120), "b-".repeat(60));
        for name in [
            long.as_str(),
            "db.migration.v2",
            "x-----------------------------------------------------------------y",
        ] {
            let job = id(name).job_name();
            assert!(is_dns_label(&job), "{job}");
            assert_eq!(job, id(name).job_name());
        }
        assert!(
            id("db.migration.v2")
                .job_name()
                .starts_with("db-migration-v2-s2-")
        );
    }

    #[test]
    fn every_input_of_the_name_changes_it() {
        let base = id("forum");
        let variants = [
            StepId { attempt: 2, ..base },
            StepId { step: 3, ..base },
            StepId {
                input_hash: "fedcba9876543210",
                ..base
            },
            StepId {
                uid: "other-uid",
                ..base
            },
            StepId {
                kind: "ConfigSync",
                ..base
            },
        ];
        for variant in variants {
            assert_ne!(variant.job_name(), base.job_name(), "{variant:?}");
        }
        // Two long names sharing their first 40 characters still differ.
        let a = format!("{}-first", "n".repeat(60));
        let b = format!("{}-second", "n".repeat(60));
        assert_ne!(id(&a).job_name(), id(&b).job_name());
    }

    #[test]
    fn resource_labels_keep_short_names_and_hash_long_ones() {
        assert_eq!(resource_label("forum.schema"), "forum.schema");
        let long = "a".repeat(64);
        let label = resource_label(&long);
        assert!(is_dns_label(&label), "{label}");
        assert_eq!(label, resource_label(&long));
        assert_ne!(label, resource_label(&"a".repeat(65)));
    }

    #[test]
    fn the_input_hash_follows_spec_and_config_map_data_but_not_their_order() {
        let spec = serde_json::json!({"source": {"configMaps": [{"name": "a"}, {"name": "b"}]}});
        let a = config_map("a", &[("1_init.sql", "create table t (id int);")]);
        let b = config_map("b", &[("2_more.sql", "alter table t add c int;")]);
        let hash = input_hash(&spec, &[a.clone(), b.clone()]);
        assert_eq!(hash.len(), INPUT_HASH_LENGTH);
        assert!(hash.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(hash, input_hash(&spec, &[b.clone(), a.clone()]));

        let edited = config_map("b", &[("2_more.sql", "alter table t add d int;")]);
        assert_ne!(hash, input_hash(&spec, &[a.clone(), edited]));
        let other_spec = serde_json::json!({"source": {"configMaps": [{"name": "a"}]}});
        assert_ne!(hash, input_hash(&other_spec, &[a.clone(), b.clone()]));
        // A key moved from one ConfigMap to the other is a different input.
        let moved_a = config_map("a", &[]);
        let moved_b = config_map(
            "b",
            &[
                ("1_init.sql", "create table t (id int);"),
                ("2_more.sql", "alter table t add c int;"),
            ],
        );
        assert_ne!(hash, input_hash(&spec, &[moved_a, moved_b]));
        let mut binary = b.clone();
        binary.binary_data = Some(BTreeMap::from([(
            "blob".to_owned(),
            ByteString(vec![0, 1]),
        )]));
        assert_ne!(hash, input_hash(&spec, &[a, binary]));
    }
}
