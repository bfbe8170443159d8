//! `x-kubernetes-embedded-resource`: an object embedded in a custom resource must carry its own
//! `apiVersion` and `kind` (apiextensions-apiserver's `objectmeta.Validate`, below the root).

use serde_json::{Map, Value};

use super::field::{FieldError, FieldPath};
use super::schema::{Additional, Schema};

/// The embedded-resource errors of `object` (the root itself is not embedded).
pub(super) fn validate(schema: &Schema, object: &Value) -> Vec<FieldError> {
    let mut out = Vec::new();
    if let Value::Object(fields) = object {
        fields_of(&FieldPath::nil(), schema, fields, &mut out);
    }
    out
}

fn walk(path: &FieldPath, schema: &Schema, value: &Value, out: &mut Vec<FieldError>) {
    match value {
        Value::Object(fields) => {
            if schema.embedded {
                resource(path, fields, out);
            }
            fields_of(path, schema, fields, out);
        }
        Value::Array(items) => {
            if let Some(item_schema) = &schema.items {
                for (index, item) in items.iter().enumerate() {
                    walk(&path.index(index), item_schema, item, out);
                }
            }
        }
        _ => {}
    }
}

fn fields_of(
    path: &FieldPath,
    schema: &Schema,
    fields: &Map<String, Value>,
    out: &mut Vec<FieldError>,
) {
    for (name, child) in fields {
        if let Some(property) = schema.properties.get(name) {
            walk(&path.child(name), property, child, out);
        } else if let Some(Additional::Schema(additional)) = &schema.additional {
            walk(&path.key(name), additional, child, out);
        }
    }
}

/// `validateEmbeddedResource`: `apiVersion` and `kind` required and well-formed; `metadata`, when
/// given, an object.
fn resource(path: &FieldPath, fields: &Map<String, Value>, out: &mut Vec<FieldError>) {
    for required in ["apiVersion", "kind"] {
        if !fields.contains_key(required) {
            out.push(FieldError::required(
                path.child(required),
                "must not be empty",
            ));
        }
    }
    for (name, value) in fields {
        let at = path.child(name);
        let problem = match (name.as_str(), value) {
            ("apiVersion" | "kind", Value::String(text)) if text.is_empty() => {
                Some("must not be empty".to_owned())
            }
            ("apiVersion" | "kind", v) if !v.is_string() => Some("must be a string".to_owned()),
            ("apiVersion", Value::String(text)) if text.matches('/').count() > 1 => {
                Some(format!("unexpected GroupVersion string: {text}"))
            }
            ("kind", Value::String(text)) => kind_problem(text),
            ("metadata", v) if !v.is_object() => Some("must be an object".to_owned()),
            _ => None,
        };
        if let Some(detail) = problem {
            out.push(FieldError::invalid(at, value.clone(), detail));
        }
    }
}

/// `IsDNS1035Label` of the lower-cased kind.
fn kind_problem(kind: &str) -> Option<String> {
    let lower = kind.to_lowercase();
    let mut errors = Vec::new();
    if lower.len() > 63 {
        errors.push("must be no more than 63 characters".to_owned());
    }
    let valid = lower.starts_with(|c: char| c.is_ascii_lowercase())
        && lower.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && lower
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid {
        errors.push("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')".to_owned());
    }
    (!errors.is_empty()).then(|| {
        format!(
            "may have mixed case, but should otherwise match: {}",
            errors.join(",")
        )
    })
}
