//! Custom resources: unknown fields are pruned (and reported), then the CRD schema's checks
//! (OpenAPI types, required, enums, patterns, bounds, list types, CEL) run.

use serde_json::{Map, Value};

use crate::error::Cause;
use crate::registry::CustomSchema;

/// Removes the fields `schema` does not declare (not under `metadata`, nor where the schema
/// preserves unknown fields); returns their paths (`.spec.foo`).
pub fn prune(schema: &Value, object: &mut Value) -> Vec<String> {
    let mut pruned = Vec::new();
    if let Value::Object(fields) = object {
        for (name, child) in fields.iter_mut() {
            if matches!(name.as_str(), "apiVersion" | "kind" | "metadata") {
                continue;
            }
            if let Some(child_schema) = schema["properties"].get(name) {
                prune_node(child_schema, child, &format!(".{name}"), &mut pruned);
            }
        }
        let declared = |name: &str| {
            matches!(name, "apiVersion" | "kind" | "metadata")
                || schema["properties"].get(name).is_some()
                || preserves(schema)
        };
        remove_undeclared(fields, declared, "", &mut pruned);
    }
    pruned
}

fn preserves(schema: &Value) -> bool {
    schema["x-kubernetes-preserve-unknown-fields"] == Value::Bool(true)
}

fn remove_undeclared(
    fields: &mut Map<String, Value>,
    declared: impl Fn(&str) -> bool,
    path: &str,
    pruned: &mut Vec<String>,
) {
    let unknown: Vec<String> = fields.keys().filter(|k| !declared(k)).cloned().collect();
    for name in unknown {
        fields.remove(&name);
        pruned.push(format!("{path}.{name}"));
    }
}

fn prune_node(schema: &Value, value: &mut Value, path: &str, pruned: &mut Vec<String>) {
    match value {
        Value::Object(fields) => {
            if schema["x-kubernetes-embedded-resource"] == Value::Bool(true) && preserves(schema) {
                return;
            }
            if let Some(properties) = schema["properties"].as_object() {
                for (name, child) in fields.iter_mut() {
                    if let Some(child_schema) = properties.get(name) {
                        prune_node(child_schema, child, &format!("{path}.{name}"), pruned);
                    }
                }
                if !preserves(schema) {
                    remove_undeclared(fields, |k| properties.contains_key(k), path, pruned);
                }
            } else if let Some(additional) =
                schema.get("additionalProperties").filter(|a| a.is_object())
            {
                for (name, child) in fields.iter_mut() {
                    prune_node(additional, child, &format!("{path}.{name}"), pruned);
                }
            } else if !preserves(schema) && schema["type"] == "object" {
                let names: Vec<String> = fields.keys().cloned().collect();
                if schema.get("additionalProperties") != Some(&Value::Bool(true)) {
                    for name in names {
                        fields.remove(&name);
                        pruned.push(format!("{path}.{name}"));
                    }
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (index, item) in items.iter_mut().enumerate() {
                    prune_node(item_schema, item, &format!("{path}[{index}]"), pruned);
                }
            }
        }
        _ => {}
    }
}

/// The schema's rejections of `object`, as `Invalid` causes.
pub fn check(custom: &CustomSchema, object: &Value) -> Vec<Cause> {
    let Some(checker) = &custom.checker else {
        return Vec::new();
    };
    checker
        .check(object)
        .into_iter()
        .map(|r| Cause {
            reason: match r.keyword.as_str() {
                "required" => "FieldValueRequired",
                "enum" => "FieldValueNotSupported",
                "x-kubernetes-list-type" => "FieldValueDuplicate",
                _ => "FieldValueInvalid",
            },
            field: r.path,
            message: r.message,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn undeclared_fields_are_pruned_and_reported() {
        let schema = json!({"type": "object", "properties": {
            "spec": {"type": "object", "properties": {
                "a": {"type": "string"},
                "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                "items": {"type": "array", "items": {"type": "object", "properties": {"n": {"type": "integer"}}}},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}}
            }},
            "status": {"type": "object"}
        }});
        let mut object = json!({"apiVersion": "x/v1", "kind": "X", "metadata": {"name": "n", "whatever": 1},
            "spec": {"a": "1", "b": 2, "free": {"any": true}, "items": [{"n": 1, "m": 2}], "labels": {"k": "v"}},
            "status": {"phase": "x"}, "extra": true});
        let pruned = prune(&schema, &mut object);
        assert_eq!(
            pruned,
            vec![".spec.items[0].m", ".spec.b", ".status.phase", ".extra"]
        );
        assert_eq!(object["spec"]["free"]["any"], true);
        assert_eq!(object["spec"]["labels"]["k"], "v");
        assert_eq!(object["metadata"]["whatever"], 1);
    }
}
