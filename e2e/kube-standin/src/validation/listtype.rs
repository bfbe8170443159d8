//! `x-kubernetes-list-type` `set` and `map` (apiextensions-apiserver's
//! `ValidateListSetsAndMaps`): no item, or no item's map keys, twice; each duplicate is reported
//! once, at the index where it appears the second time. A missing map key counts as its
//! `default`, as the API server defaults objects before validating them.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::field::{FieldError, FieldPath};
use super::gofmt;
use super::schema::{Additional, ListType, Schema};

/// The list-type errors of `object`.
pub(super) fn validate(schema: &Schema, object: &Value) -> Vec<FieldError> {
    let mut out = Vec::new();
    if let Value::Object(fields) = object {
        fields_of(&FieldPath::nil(), schema, fields, &mut out);
    }
    out
}

fn fields_of(
    path: &FieldPath,
    schema: &Schema,
    fields: &Map<String, Value>,
    out: &mut Vec<FieldError>,
) {
    if let Some(Additional::Schema(additional)) = &schema.additional {
        for (key, value) in fields {
            value_of(&path.key(key), additional, value, out);
        }
    }
    for (name, value) in fields {
        if let Some(property) = schema.properties.get(name) {
            value_of(&path.child(name), property, value, out);
        }
    }
}

fn value_of(path: &FieldPath, schema: &Schema, value: &Value, out: &mut Vec<FieldError>) {
    match value {
        Value::Array(items) => array(path, schema, items, out),
        Value::Object(fields) => fields_of(path, schema, fields, out),
        _ => {}
    }
}

fn array(path: &FieldPath, schema: &Schema, items: &[Value], out: &mut Vec<FieldError>) {
    match &schema.list {
        ListType::Set => {
            for index in second_appearances(items) {
                out.push(FieldError::duplicate(
                    path.index(index),
                    items[index].clone(),
                ));
            }
        }
        ListType::Map(keys) => map_list(path, schema, keys, items, out),
        ListType::Atomic => {}
    }
    if let Some(item_schema) = &schema.items {
        for (index, item) in items.iter().enumerate() {
            value_of(&path.index(index), item_schema, item, out);
        }
    }
}

fn map_list(
    path: &FieldPath,
    schema: &Schema,
    keys: &[String],
    items: &[Value],
    out: &mut Vec<FieldError>,
) {
    if let Some(index) = items.iter().position(|x| !x.is_null() && !x.is_object()) {
        let detail = "must be an object for an array of list-type map";
        out.push(FieldError::invalid(
            path.index(index),
            items[index].clone(),
            detail,
        ));
        return;
    }
    let default = |key: &str| {
        schema
            .items
            .as_ref()
            .and_then(|s| s.properties.get(key))
            .and_then(|s| s.default.clone())
    };
    // the present (or defaulted) keys of each item; a missing one is left out
    let identities: Vec<Map<String, Value>> = items
        .iter()
        .map(|item| {
            keys.iter()
                .filter_map(|key| {
                    let value = item.get(key).cloned().or_else(|| default(key))?;
                    Some((key.clone(), value))
                })
                .collect()
        })
        .collect();
    let compared: Vec<Value> = match keys {
        // one key: the key's value itself, an unspecified key being a value of its own
        [key] => identities
            .iter()
            .map(|id| id.get(key).cloned().unwrap_or_else(unspecified))
            .collect(),
        _ => identities.iter().cloned().map(Value::Object).collect(),
    };
    for index in second_appearances(&compared) {
        out.push(FieldError::duplicate(
            path.index(index),
            Value::Object(identities[index].clone()),
        ));
    }
}

/// A marker no JSON document contains, for a missing single map key.
fn unspecified() -> Value {
    Value::String("\u{0}unspecified key\u{0}".to_owned())
}

/// The indices where a value appears for the second time (Go map-key identity: an `int64` is
/// not a `float64`; objects and arrays compare by their JSON).
fn second_appearances(items: &[Value]) -> Vec<usize> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut second = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let identity = match item {
            Value::Object(_) | Value::Array(_) => format!("c{}", gofmt::json(item)),
            Value::Number(n) if n.is_i64() => format!("i{n}"),
            Value::Number(n) => format!("f{}", n.as_f64().unwrap_or(f64::NAN)),
            other => format!("s{other}"),
        };
        let times = seen.entry(identity).or_insert(0);
        *times += 1;
        if *times == 2 {
            second.push(index);
        }
    }
    second
}
