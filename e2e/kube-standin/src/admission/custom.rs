//! Custom resources, as kube-apiserver decodes and validates them: unknown fields are pruned (and
//! reported), nulls the schema does not allow are dropped (or defaulted), then the CRD schema's
//! checks (OpenAPI types, required, enums, patterns, bounds, formats, list types, CEL) run.

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

/// `PruneNonNullableNullsWithoutDefaults` and the defaulting of nulls: a `null` where the schema
/// is not `nullable` becomes the field's `default`, or is removed when there is none.
pub fn drop_nulls(schema: &Value, object: &mut Value) {
    match object {
        Value::Object(fields) => {
            let names: Vec<String> = fields.keys().cloned().collect();
            for name in names {
                let child_schema = schema["properties"]
                    .get(&name)
                    .or_else(|| schema.get("additionalProperties").filter(|a| a.is_object()));
                let Some(child_schema) = child_schema else {
                    continue;
                };
                let nullable = child_schema["nullable"] == Value::Bool(true);
                match fields.get_mut(&name) {
                    Some(Value::Null) if !nullable => match child_schema.get("default") {
                        Some(default) if !default.is_null() => {
                            fields.insert(name, default.clone());
                        }
                        _ => {
                            fields.remove(&name);
                        }
                    },
                    Some(child) => drop_nulls(child_schema, child),
                    None => {}
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                items
                    .iter_mut()
                    .for_each(|item| drop_nulls(item_schema, item));
            }
        }
        _ => {}
    }
}

/// The schema's rejections of `object` (`old`: the stored object, on updates), as causes.
pub fn check(custom: &CustomSchema, object: &Value, old: Option<&Value>) -> Vec<Cause> {
    let Some(validator) = &custom.validator else {
        return Vec::new();
    };
    validator
        .validate(object, old)
        .into_iter()
        .map(|error| Cause {
            reason: error.kind.reason(),
            field: error.field.to_string(),
            message: error.body(),
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

    #[test]
    fn nulls_the_schema_does_not_allow_are_dropped_or_defaulted() {
        let schema = json!({"type": "object", "properties": {
            "plain": {"type": "string"},
            "nullable": {"type": "string", "nullable": true},
            "defaulted": {"type": "string", "default": "auto"},
            "list": {"type": "array", "items": {"type": "object", "properties": {"x": {"type": "integer"}}}}
        }});
        let mut object = json!({"plain": null, "nullable": null, "defaulted": null,
            "list": [{"x": null}], "unknown": null});
        drop_nulls(&schema, &mut object);
        assert_eq!(
            object,
            json!({"nullable": null, "defaulted": "auto", "list": [{}], "unknown": null})
        );
    }
}
