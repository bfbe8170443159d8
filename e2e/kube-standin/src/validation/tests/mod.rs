//! Tests of the validator: one file per keyword family, from small inline schemas, asserting
//! each error's path, reason and message; and the repository's CRDs against what a real API
//! server accepts and refuses.

mod collections;
mod composition;
mod crds;
mod lists;
mod rules;
mod scalars;

use serde_json::{Value, json};

use super::Validator;

/// One error as the status cause carries it: field, reason, message.
type Found = (String, &'static str, String);

/// The errors of `object` (a create) under `schema`.
fn errors(schema: &Value, object: &Value) -> Vec<Found> {
    errors_on_update(schema, object, None)
}

/// The errors of `object` under `schema`, with `old` the stored object of an update.
fn errors_on_update(schema: &Value, object: &Value, old: Option<&Value>) -> Vec<Found> {
    Validator::new(schema)
        .expect("the schema compiles")
        .validate(object, old)
        .into_iter()
        .map(|e| (e.field.to_string(), e.kind.reason(), e.body()))
        .collect()
}

/// An expected error.
fn found(field: &str, reason: &'static str, message: &str) -> Found {
    (field.to_owned(), reason, message.to_owned())
}

/// A custom resource schema whose `spec` has `properties`.
fn spec_schema(properties: Value) -> Value {
    json!({"type": "object", "properties": {
        "spec": {"type": "object", "properties": properties}
    }})
}

/// A custom resource with `spec`.
fn with_spec(spec: Value) -> Value {
    json!({"apiVersion": "x.dev/v1", "kind": "X", "metadata": {"name": "x"}, "spec": spec})
}
