//! The API server's checks of a custom resource, re-created from the generated
//! `openAPIV3Schema`: the OpenAPI part with `jsonschema`, list types by hand, CEL rules with
//! `kube-cel`. `dbmigrate apply -f` runs them, so a local run (or a CI pre-check) refuses what
//! `kubectl apply` would.

use serde_json::{Map, Value, json};

/// One reason the API server would refuse a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// Kubernetes field path, e.g. `spec.tables[0].keyColumns[1]` (empty for the root).
    pub path: String,
    /// The schema keyword that failed: `oneOf`, `pattern`, `x-kubernetes-list-type`,
    /// `x-kubernetes-validations`, ...
    pub keyword: String,
    /// What the checker said.
    pub message: String,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} [{}]: {}", self.path, self.keyword, self.message)
    }
}

/// The `openAPIV3Schema` of the CRD whose kind is `kind`, as `api::crds()` generates it.
pub fn openapi_schema(kind: &str) -> Option<Value> {
    let crd = super::crds()
        .into_iter()
        .find(|crd| crd.spec.names.kind == kind)?;
    let schema = crd
        .spec
        .versions
        .first()?
        .schema
        .as_ref()?
        .open_api_v3_schema
        .as_ref()?;
    serde_json::to_value(schema).ok()
}

/// The checks the API server runs on a create of one kind.
pub struct SchemaChecker {
    /// The schema as generated (list types and CEL are read from it).
    schema: Value,
    /// The OpenAPI part, translated to JSON Schema draft 4.
    openapi: jsonschema::Validator,
    /// The CEL rules, compiled once.
    cel: kube_cel::CompiledSchema,
}

impl SchemaChecker {
    /// A checker for `DatabaseMigration` or `ConfigSync`; `None` for another kind.
    pub fn for_kind(kind: &str) -> Option<Self> {
        Self::new(openapi_schema(kind)?).ok()
    }

    /// A checker for any CRD's `openAPIV3Schema`; the error says why it does not compile.
    pub fn new(schema: Value) -> Result<Self, String> {
        let mut translated = schema.clone();
        to_json_schema(&mut translated, true);
        let openapi = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft4)
            .should_validate_formats(false)
            .build(&translated)
            .map_err(|e| format!("the schema does not compile as JSON Schema: {e}"))?;
        let cel = kube_cel::compile_schema(&schema);
        Ok(Self {
            schema,
            openapi,
            cel,
        })
    }

    /// Every rejection of `manifest` (empty when the API server would accept it).
    pub fn check(&self, manifest: &Value) -> Vec<Rejection> {
        let mut rejections: Vec<Rejection> = self
            .openapi
            .iter_errors(manifest)
            .map(|e| Rejection {
                path: pointer_to_field_path(e.instance_path().as_str()),
                keyword: e.kind().keyword().to_owned(),
                message: e.to_string(),
            })
            .collect();
        list_types(&self.schema, manifest, "", &mut rejections);
        if let Err(errors) = kube_cel::Validator::new().validate_compiled(&self.cel, manifest, None)
        {
            rejections.extend(errors.iter().map(|e| Rejection {
                path: e.field_path.clone(),
                keyword: "x-kubernetes-validations".to_owned(),
                message: e.message.clone(),
            }));
        }
        rejections
    }
}

/// `/spec/tables/0/keyColumns` → `spec.tables[0].keyColumns`.
fn pointer_to_field_path(pointer: &str) -> String {
    let mut path = String::new();
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        if segment.parse::<usize>().is_ok() {
            path.push_str(&format!("[{segment}]"));
        } else {
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(&segment);
        }
    }
    path
}

/// Rewrites the OpenAPI v3 (Kubernetes dialect) keywords JSON Schema does not know:
/// `nullable: true` allows `null`; `x-kubernetes-int-or-string` is an integer or a string;
/// an object with `properties` takes no other field (what `kubectl --validate=strict`, the
/// default, asks the API server to enforce). The root also takes `apiVersion`, `kind`, `metadata`.
fn to_json_schema(node: &mut Value, root: bool) {
    let Some(object) = node.as_object_mut() else {
        return;
    };
    if object.get("x-kubernetes-int-or-string") == Some(&json!(true)) {
        object.insert("type".to_owned(), json!(["integer", "string"]));
    }
    if object.remove("nullable") == Some(json!(true)) {
        match object.get_mut("type") {
            Some(Value::String(kind)) => {
                let kind = std::mem::take(kind);
                object.insert("type".to_owned(), json!([kind, "null"]));
            }
            Some(Value::Array(kinds)) => kinds.push(json!("null")),
            _ => {}
        }
        if let Some(Value::Array(values)) = object.get_mut("enum") {
            values.push(Value::Null);
        }
    }
    let preserves = object.get("x-kubernetes-preserve-unknown-fields") == Some(&json!(true));
    if root && let Some(Value::Object(properties)) = object.get_mut("properties") {
        properties
            .entry("apiVersion")
            .or_insert(json!({"type": "string"}));
        properties
            .entry("kind")
            .or_insert(json!({"type": "string"}));
        properties
            .entry("metadata")
            .or_insert(json!({"type": "object"}));
    }
    if object.contains_key("properties")
        && !preserves
        && !object.contains_key("additionalProperties")
    {
        object.insert("additionalProperties".to_owned(), json!(false));
    }
    for (key, child) in object.iter_mut() {
        match key.as_str() {
            "properties" => child
                .as_object_mut()
                .into_iter()
                .flat_map(Map::values_mut)
                .for_each(|c| to_json_schema(c, false)),
            "items" | "additionalProperties" => to_json_schema(child, false),
            "oneOf" | "anyOf" | "allOf" => child
                .as_array_mut()
                .into_iter()
                .flatten()
                .for_each(|c| to_json_schema(c, false)),
            _ => {}
        }
    }
}

/// `x-kubernetes-list-type: set` and `map`: no duplicate item, no two items with the same keys
/// (a missing key counts as its `default`). Reported at the duplicate, as the API server does.
fn list_types(schema: &Value, value: &Value, path: &str, out: &mut Vec<Rejection>) {
    match value {
        Value::Object(fields) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            for (name, child) in fields {
                let child_schema = properties
                    .and_then(|p| p.get(name))
                    .or_else(|| schema.get("additionalProperties"));
                if let Some(child_schema) = child_schema {
                    let child_path = if path.is_empty() {
                        name.clone()
                    } else {
                        format!("{path}.{name}")
                    };
                    list_types(child_schema, child, &child_path, out);
                }
            }
        }
        Value::Array(items) => {
            let item_schema = schema.get("items").unwrap_or(&Value::Null);
            let list_type = schema.get("x-kubernetes-list-type").and_then(Value::as_str);
            let mut seen: Vec<Value> = Vec::new();
            for (index, item) in items.iter().enumerate() {
                let identity = match list_type {
                    Some("set") => Some(item.clone()),
                    Some("map") => Some(Value::Array(
                        schema["x-kubernetes-list-map-keys"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(Value::as_str)
                            .map(|key| {
                                item.get(key)
                                    .or_else(|| item_schema["properties"][key].get("default"))
                                    .cloned()
                                    .unwrap_or(Value::Null)
                            })
                            .collect(),
                    )),
                    _ => None,
                };
                let item_path = format!("{path}[{index}]");
                if let Some(identity) = identity {
                    if seen.contains(&identity) {
                        out.push(Rejection {
                            path: item_path.clone(),
                            keyword: "x-kubernetes-list-type".to_owned(),
                            message: format!("Duplicate value: {identity}"),
                        });
                    }
                    seen.push(identity);
                }
                list_types(item_schema, item, &item_path, out);
            }
        }
        _ => {}
    }
}
