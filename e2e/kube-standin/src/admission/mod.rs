//! What every write goes through before it is stored: type and object metadata, the status
//! subresource rule, defaults, decoding/pruning, validation, generation and managed fields.

mod builtin;
mod custom;
mod rbac;

pub use builtin::default as builtin_defaults;

use rand::RngExt;
use serde_json::{Value, json};

use crate::error::{ApiError, Cause};
use crate::patch::{self, FieldManager, ListTypes, Operation, Scope};
use crate::registry::{Flavour, ResourceType};

/// How the request wants unknown fields treated (`fieldValidation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldValidation {
    /// Reject the request.
    Strict,
    /// Drop them with a `Warning` header.
    Warn,
    /// Drop them silently.
    Ignore,
}

impl FieldValidation {
    /// From the query parameter (`Strict`, `Warn`, `Ignore`); the default is `Warn`.
    pub fn from_query(value: Option<&str>) -> Result<Self, ApiError> {
        match value {
            None | Some("Warn") => Ok(Self::Warn),
            Some("Strict") => Ok(Self::Strict),
            Some("Ignore") => Ok(Self::Ignore),
            Some(other) => Err(ApiError::bad_request(format!(
                "fieldValidation must be one of Ignore, Warn or Strict; got {other:?}"
            ))),
        }
    }
}

/// The request a write comes from.
pub struct Write<'a> {
    /// The resource written.
    pub rt: &'a ResourceType,
    /// Namespace from the URL ("" for cluster-scoped).
    pub namespace: &'a str,
    /// Name from the URL, for updates and patches.
    pub name: Option<&'a str>,
    /// Whether the `/status` subresource is written.
    pub status: bool,
    /// Unknown-field handling.
    pub field_validation: FieldValidation,
    /// The field manager.
    pub manager: &'a str,
    /// Apply or Update, for managedFields.
    pub operation: Operation,
    /// The current time, RFC 3339 with seconds.
    pub now: &'a str,
}

impl Write<'_> {
    /// The managedFields scope of this write.
    pub fn scope(&self) -> Scope {
        if self.status {
            Scope::Status
        } else {
            Scope::Main {
                status_subresource: self.rt.status_subresource,
            }
        }
    }

    /// Who is writing, for managedFields.
    pub fn field_manager(&self) -> FieldManager<'_> {
        FieldManager {
            manager: self.manager,
            operation: match self.operation {
                Operation::Apply => Operation::Apply,
                Operation::Update => Operation::Update,
            },
            subresource: self.scope(),
            api_version: "",
            time: self.now,
        }
    }
}

/// The list semantics of a resource's fields (for merges and managedFields).
pub fn list_types(rt: &ResourceType) -> Box<dyn ListTypes> {
    match rt.custom().and_then(|c| c.schema.clone()) {
        Some(schema) => Box::new(patch::SchemaListTypes::new(schema)),
        None => Box::new(patch::BuiltinListTypes),
    }
}

/// An admitted object and the warnings to send with the response.
pub struct Admitted {
    /// What to store.
    pub object: Value,
    /// `Warning` header texts.
    pub warnings: Vec<String>,
}

/// Admits `new` (the body, patched or applied object) over `old` (None on create).
pub fn admit(write: &Write, old: Option<&Value>, mut new: Value) -> Result<Admitted, ApiError> {
    let rt = write.rt;
    if !new.is_object() {
        return Err(ApiError::bad_request(
            "the body of the request is not a JSON object",
        ));
    }
    type_meta(rt, &new)?;
    new = match (write.status, old) {
        (true, Some(old)) => {
            // a status write changes the status and its field ownership (server-side apply
            // computed it into the new object), nothing else
            let mut merged = old.clone();
            merged["status"] = new["status"].take();
            let managed = new["metadata"]["managedFields"].take();
            if !managed.is_null() {
                merged["metadata"]["managedFields"] = managed;
            }
            merged
        }
        _ => new,
    };
    object_meta(write, old, &mut new)?;
    if rt.status_subresource && !write.status {
        match old {
            Some(old) if !old["status"].is_null() => new["status"] = old["status"].clone(),
            _ => {
                if let Some(fields) = new.as_object_mut() {
                    fields.remove("status");
                }
            }
        }
    }
    let mut warnings = Vec::new();
    let name = new["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let (unknown, causes) = match &rt.flavour {
        Flavour::Builtin => {
            builtin::default(&rt.group, &rt.kind, &mut new);
            let (decoded, unknown) = builtin::decode(&rt.group, &rt.kind, &new)?;
            new = decoded;
            (unknown, builtin::validate(&rt.group, &rt.kind, &new, old))
        }
        Flavour::Custom(custom) => {
            let unknown = match &custom.schema {
                Some(schema) => {
                    let unknown = custom::prune(schema, &mut new);
                    custom::drop_nulls(schema, &mut new);
                    unknown
                }
                None => Vec::new(),
            };
            (unknown, custom::check(custom, &new, old))
        }
    };
    if !unknown.is_empty() {
        match write.field_validation {
            FieldValidation::Strict => {
                let listed: Vec<String> = unknown
                    .iter()
                    .map(|f| format!("unknown field {:?}", trim_dot(f)))
                    .collect();
                return Err(ApiError::bad_request(format!(
                    "strict decoding error: {}",
                    listed.join(", ")
                )));
            }
            FieldValidation::Warn => warnings.extend(
                unknown
                    .iter()
                    .map(|f| format!("unknown field {:?}", trim_dot(f))),
            ),
            FieldValidation::Ignore => {}
        }
    }
    // object metadata is validated first, as kube-apiserver's strategies do
    let causes = [metadata_causes(rt, &new), causes].concat();
    if !causes.is_empty() {
        return Err(ApiError::invalid(&rt.kind, &rt.group, &name, causes));
    }
    if let Some(old) = old {
        let deleting = !old["metadata"]["deletionTimestamp"].is_null();
        if rt.tracks_generation && !deleting && spec_of(old) != spec_of(&new) {
            let generation = old["metadata"]["generation"].as_i64().unwrap_or(1) + 1;
            new["metadata"]["generation"] = json!(generation);
        }
    }
    if matches!(write.operation, Operation::Update) {
        patch::record_update(
            old,
            &mut new,
            &write.field_manager(),
            list_types(rt).as_ref(),
        );
    }
    Ok(Admitted {
        object: new,
        warnings,
    })
}

fn trim_dot(field: &str) -> &str {
    field.strip_prefix('.').unwrap_or(field)
}

/// Everything but metadata and status: what `generation` counts.
fn spec_of(object: &Value) -> Value {
    let mut spec = object.clone();
    if let Some(fields) = spec.as_object_mut() {
        fields.remove("metadata");
        fields.remove("status");
    }
    spec
}

fn type_meta(rt: &ResourceType, object: &Value) -> Result<(), ApiError> {
    if let Some(kind) = object["kind"].as_str().filter(|k| !k.is_empty())
        && kind != rt.kind
    {
        return Err(ApiError::bad_request(format!(
            "the kind in the data ({kind}) does not match the expected kind ({})",
            rt.kind
        )));
    }
    if let Some(api_version) = object["apiVersion"].as_str().filter(|v| !v.is_empty())
        && api_version != rt.api_version()
    {
        return Err(ApiError::bad_request(format!(
            "the API version in the data ({api_version}) does not match the expected API version ({})",
            rt.api_version()
        )));
    }
    Ok(())
}

/// Server-owned metadata: uid, creationTimestamp, generation, names; kept from `old` on updates.
fn object_meta(write: &Write, old: Option<&Value>, new: &mut Value) -> Result<(), ApiError> {
    if !new["metadata"].is_object() {
        new["metadata"] = json!({});
    }
    let meta = &mut new["metadata"];
    let namespace = if write.rt.namespaced {
        write.namespace
    } else {
        ""
    };
    if let Some(body_ns) = meta["namespace"].as_str().filter(|n| !n.is_empty())
        && write.rt.namespaced
        && body_ns != namespace
    {
        return Err(ApiError::bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        ));
    }
    if let (Some(url_name), Some(body_name)) =
        (write.name, meta["name"].as_str().filter(|n| !n.is_empty()))
        && url_name != body_name
    {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({body_name}) does not match the name on the URL ({url_name})"
        )));
    }
    if let Some(fields) = meta.as_object_mut() {
        fields.remove("selfLink");
        if !write.rt.namespaced {
            fields.remove("namespace");
        }
    }
    if write.rt.namespaced {
        meta["namespace"] = json!(namespace);
    }
    match old {
        Some(old) => {
            for field in [
                "name",
                "uid",
                "creationTimestamp",
                "generation",
                "deletionTimestamp",
                "deletionGracePeriodSeconds",
            ] {
                match old["metadata"].get(field) {
                    Some(value) => meta[field] = value.clone(),
                    None => {
                        if let Some(fields) = meta.as_object_mut() {
                            fields.remove(field);
                        }
                    }
                }
            }
        }
        None => {
            if let Some(name) = write.name {
                meta["name"] = json!(name);
            }
            if meta["name"].as_str().is_none_or(str::is_empty) {
                let prefix = meta["generateName"].as_str().unwrap_or_default().to_owned();
                if prefix.is_empty() {
                    return Err(ApiError::invalid(
                        &write.rt.kind,
                        &write.rt.group,
                        "",
                        vec![Cause {
                            reason: "FieldValueRequired",
                            field: "metadata.name".to_owned(),
                            message: "Required value: name or generateName is required".to_owned(),
                        }],
                    ));
                }
                meta["name"] = json!(format!("{prefix}{}", random_suffix()));
            }
            meta["uid"] = json!(new_uid());
            meta["creationTimestamp"] = json!(write.now);
            if write.rt.tracks_generation {
                meta["generation"] = json!(1);
            }
            if let Some(fields) = meta.as_object_mut() {
                fields.remove("deletionTimestamp");
                fields.remove("deletionGracePeriodSeconds");
                fields.remove("resourceVersion");
            }
        }
    }
    Ok(())
}

/// Name and label checks of every object.
fn metadata_causes(rt: &ResourceType, object: &Value) -> Vec<Cause> {
    let mut causes = Vec::new();
    let name = object["metadata"]["name"].as_str().unwrap_or_default();
    let label_only = rt.kind == "Namespace";
    if rt.group == rbac::GROUP {
        // RBAC names are path segments (`system:discovery`), not DNS names
        causes.extend(rbac::name_problems(name).into_iter().map(|problem| Cause {
            reason: "FieldValueInvalid",
            field: "metadata.name".to_owned(),
            message: format!("Invalid value: {name:?}: {problem}"),
        }));
    } else if !valid_dns_name(name, label_only) {
        let what = if label_only {
            "RFC 1123 label"
        } else {
            "RFC 1123 subdomain"
        };
        causes.push(Cause {
            reason: "FieldValueInvalid",
            field: "metadata.name".to_owned(),
            message: format!(
                "Invalid value: {name:?}: a lowercase {what} must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
            ),
        });
    }
    for (key, value) in object["metadata"]["labels"]
        .as_object()
        .into_iter()
        .flatten()
    {
        let text = value.as_str().unwrap_or_default();
        let ok = text.len() <= 63
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            && (text.is_empty()
                || (text.starts_with(|c: char| c.is_ascii_alphanumeric())
                    && text.ends_with(|c: char| c.is_ascii_alphanumeric())));
        if !ok {
            causes.push(Cause {
                reason: "FieldValueInvalid",
                field: "metadata.labels".to_owned(),
                message: format!("Invalid value: {text:?}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (key {key:?})"),
            });
        }
    }
    causes
}

/// Whether `name` is an RFC 1123 label (`label_only`) or subdomain.
pub fn valid_dns_name(name: &str, label_only: bool) -> bool {
    let max = if label_only { 63 } else { 253 };
    !name.is_empty()
        && name.len() <= max
        && name.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || (!label_only && c == '.')
        })
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// A random version-4 UUID.
pub fn new_uid() -> String {
    let bytes: [u8; 16] = rand::random();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-4{}-{}{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        ["8", "9", "a", "b"][(bytes[8] & 3) as usize],
        &hex[17..20],
        &hex[20..32]
    )
}

/// Five characters as `generateName` appends them (no vowels, no look-alikes).
fn random_suffix() -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut rng = rand::rng();
    (0..5)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}
