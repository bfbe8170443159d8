//! How list fields merge: the built-in Kubernetes types' patch strategies by field name, and a
//! CRD's `x-kubernetes-list-type` / `x-kubernetes-list-map-keys` read from its schema.

use serde_json::Value;

/// How a list field merges (x-kubernetes-list-type / patch strategy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListType {
    /// The list is one value: a patch or apply replaces it whole.
    Atomic,
    /// A set of scalars: merges are unions, items are owned one by one.
    Set,
    /// Objects identified by these key fields: merges go item by item.
    Map(Vec<String>),
}

/// Tells the list type of the field at `path` (field names from the object root, list indexes omitted, e.g. ["spec","template","spec","containers","env"]).
pub trait ListTypes: Send + Sync {
    /// The list type of the field at `path`.
    fn list_type(&self, path: &[&str]) -> ListType;
}

/// Built-in Kubernetes types, by field name (containers, env, volumes, ports, conditions, ...).
#[derive(Debug, Clone, Copy, Default)]
pub struct BuiltinListTypes;

fn keys(names: &[&str]) -> ListType {
    ListType::Map(names.iter().map(|n| (*n).to_owned()).collect())
}

impl ListTypes for BuiltinListTypes {
    fn list_type(&self, path: &[&str]) -> ListType {
        let Some((last, parents)) = path.split_last() else {
            return ListType::Atomic;
        };
        match *last {
            "containers"
            | "initContainers"
            | "ephemeralContainers"
            | "volumes"
            | "env"
            | "imagePullSecrets" => keys(&["name"]),
            "volumeMounts" => keys(&["mountPath"]),
            // Container ports; a Service's ports (directly under `spec`) are keyed by `port`.
            "ports" if parents.last() == Some(&"spec") => keys(&["port", "protocol"]),
            "ports" => keys(&["containerPort", "protocol"]),
            "conditions" => keys(&["type"]),
            "ownerReferences" if parents == ["metadata"] => keys(&["uid"]),
            "finalizers" => ListType::Set,
            _ => ListType::Atomic,
        }
    }
}

/// A CRD's openAPIV3Schema: reads x-kubernetes-list-type / x-kubernetes-list-map-keys along the path; `metadata.*` and unknown paths fall back to BuiltinListTypes.
#[derive(Debug, Clone)]
pub struct SchemaListTypes {
    schema: Value,
}

impl SchemaListTypes {
    /// Wraps a CRD version's `schema.openAPIV3Schema`.
    pub fn new(open_api_v3_schema: Value) -> Self {
        Self {
            schema: open_api_v3_schema,
        }
    }

    /// The schema node of the field at `path`, if the schema describes it.
    fn node(&self, path: &[&str]) -> Option<&Value> {
        let mut node = &self.schema;
        for name in path {
            node = items(node);
            node = match node["properties"].get(*name) {
                Some(child) => child,
                None => node.get("additionalProperties").filter(|a| a.is_object())?,
            };
        }
        Some(node)
    }
}

/// The item schema of an array schema, else the schema itself (list indexes are omitted from paths).
fn items(node: &Value) -> &Value {
    match node.get("items") {
        Some(items) if node["type"] == "array" || node.get("properties").is_none() => items,
        _ => node,
    }
}

impl ListTypes for SchemaListTypes {
    fn list_type(&self, path: &[&str]) -> ListType {
        if path.first() == Some(&"metadata") {
            return BuiltinListTypes.list_type(path);
        }
        let Some(node) = self.node(path) else {
            return BuiltinListTypes.list_type(path);
        };
        match node["x-kubernetes-list-type"].as_str() {
            Some("set") => ListType::Set,
            Some("map") => {
                let keys = node["x-kubernetes-list-map-keys"]
                    .as_array()
                    .map(|keys| {
                        keys.iter()
                            .filter_map(|k| k.as_str().map(str::to_owned))
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default();
                if keys.is_empty() {
                    ListType::Atomic
                } else {
                    ListType::Map(keys)
                }
            }
            Some(_) => ListType::Atomic,
            None if node["type"] == "array" => ListType::Atomic,
            None => BuiltinListTypes.list_type(path),
        }
    }
}
