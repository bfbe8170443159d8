//! Kubernetes strategic merge patch: maps merge recursively, lists merge by their list type
//! (map lists by key, sets by union, others replaced), with the `$patch`, `$retainKeys`,
//! `$setElementOrder/<field>` and `$deleteFromPrimitiveList/<field>` directives.

use serde_json::{Map, Value};

use super::PatchError;
use super::fields::{keyed, same_item};
use super::lists::{ListType, ListTypes};

const SET_ELEMENT_ORDER: &str = "$setElementOrder/";
const DELETE_FROM_PRIMITIVE_LIST: &str = "$deleteFromPrimitiveList/";

/// Applies a strategic merge patch to `doc`, merging lists as `lists` says.
pub fn strategic_merge_patch(
    doc: &Value,
    patch: &Value,
    lists: &dyn ListTypes,
) -> Result<Value, PatchError> {
    let Value::Object(patch) = patch else {
        return Err(invalid(
            &[],
            "a strategic merge patch must be a JSON object",
        ));
    };
    let mut names = Vec::new();
    let merged = merge_object(doc.as_object(), patch, &mut names, lists)?;
    Ok(Value::Object(merged.unwrap_or_default()))
}

fn invalid(names: &[String], reason: impl Into<String>) -> PatchError {
    let path = if names.is_empty() {
        ".".to_owned()
    } else {
        format!(".{}", names.join("."))
    };
    PatchError::InvalidStrategic {
        path,
        reason: reason.into(),
    }
}

/// Merges `patch` into `original`; `None` when the patch deletes the map (`$patch: delete`).
fn merge_object(
    original: Option<&Map<String, Value>>,
    patch: &Map<String, Value>,
    names: &mut Vec<String>,
    lists: &dyn ListTypes,
) -> Result<Option<Map<String, Value>>, PatchError> {
    match patch.get("$patch") {
        None => {}
        Some(Value::String(s)) if s == "merge" => {}
        Some(Value::String(s)) if s == "delete" => return Ok(None),
        Some(Value::String(s)) if s == "replace" => {
            let mut rest = patch.clone();
            rest.remove("$patch");
            return merge_object(None, &rest, names, lists);
        }
        Some(other) => return Err(invalid(names, format!("unknown $patch directive {other}"))),
    }
    let mut result = original.cloned().unwrap_or_default();
    if let Some(retain) = patch.get("$retainKeys") {
        let Value::Array(retain) = retain else {
            return Err(invalid(names, "$retainKeys must be a list of field names"));
        };
        result.retain(|k, _| retain.iter().any(|r| r.as_str() == Some(k)));
    }
    for (key, value) in patch {
        if key.starts_with('$') {
            continue;
        }
        names.push(key.clone());
        match value {
            Value::Null => {
                result.remove(key);
            }
            Value::Object(child) => match merge_object(
                result.get(key).and_then(Value::as_object),
                child,
                names,
                lists,
            )? {
                Some(merged) => {
                    result.insert(key.clone(), Value::Object(merged));
                }
                None => {
                    result.remove(key);
                }
            },
            Value::Array(items) => {
                let merged = merge_list(
                    result.get(key).and_then(Value::as_array),
                    items,
                    names,
                    lists,
                )?;
                result.insert(key.clone(), Value::Array(merged));
            }
            scalar => {
                result.insert(key.clone(), scalar.clone());
            }
        }
        names.pop();
    }
    for (key, value) in patch {
        if let Some(field) = key.strip_prefix(DELETE_FROM_PRIMITIVE_LIST) {
            let Value::Array(remove) = value else {
                return Err(invalid(names, format!("{key} must be a list")));
            };
            if let Some(Value::Array(items)) = result.get_mut(field) {
                items.retain(|item| !remove.contains(item));
            }
        }
    }
    for (key, value) in patch {
        if let Some(field) = key.strip_prefix(SET_ELEMENT_ORDER) {
            let Value::Array(order) = value else {
                return Err(invalid(names, format!("{key} must be a list")));
            };
            names.push(field.to_owned());
            let list_type = lists.list_type(&names.iter().map(String::as_str).collect::<Vec<_>>());
            names.pop();
            if let Some(Value::Array(items)) = result.get_mut(field) {
                reorder(items, order, &list_type);
            }
        }
    }
    Ok(Some(result))
}

/// Whether a list item is only a list-level directive (`{"$patch": "replace"}`), not an item.
fn directive_only(item: &Value, list_type: &ListType) -> bool {
    let Value::Object(map) = item else {
        return false;
    };
    match list_type {
        ListType::Map(keys) => {
            map.contains_key("$patch") && keys.iter().all(|k| !map.contains_key(k))
        }
        _ => map.contains_key("$patch") && map.len() == 1,
    }
}

/// Merges the patch's list into the original's list.
fn merge_list(
    original: Option<&Vec<Value>>,
    patch: &[Value],
    names: &mut Vec<String>,
    lists: &dyn ListTypes,
) -> Result<Vec<Value>, PatchError> {
    let list_type = lists.list_type(&names.iter().map(String::as_str).collect::<Vec<_>>());
    let replace = patch
        .iter()
        .any(|item| directive_only(item, &list_type) && item["$patch"] == "replace");
    let items: Vec<&Value> = patch
        .iter()
        .filter(|item| !directive_only(item, &list_type))
        .collect();
    let original = if replace {
        &[][..]
    } else {
        original.map(Vec::as_slice).unwrap_or_default()
    };
    match &list_type {
        ListType::Atomic => Ok(items.into_iter().cloned().collect()),
        ListType::Set => {
            let mut result = original.to_vec();
            for item in items {
                if !result.contains(item) {
                    result.push(item.clone());
                }
            }
            Ok(result)
        }
        ListType::Map(keys) => {
            let patch_keyed = items
                .iter()
                .all(|item| item.is_object() && keyed(std::slice::from_ref(*item), keys));
            if !patch_keyed || !keyed(original, keys) {
                // Not a keyed list after all: the patch's list replaces it, as for atomic lists.
                return items
                    .into_iter()
                    .map(|item| strip(item, names, lists))
                    .collect();
            }
            let mut result = original.to_vec();
            for item in items {
                let Value::Object(item_patch) = item else {
                    continue;
                };
                let position = result.iter().position(|o| same_item(item, o, keys));
                let base = position.and_then(|i| result[i].as_object());
                match (merge_object(base, item_patch, names, lists)?, position) {
                    (Some(merged), Some(i)) => result[i] = Value::Object(merged),
                    (Some(merged), None) => result.push(Value::Object(merged)),
                    (None, Some(i)) => {
                        result.remove(i);
                    }
                    (None, None) => {}
                }
            }
            Ok(result)
        }
    }
}

/// A patch value with its directives applied to nothing (so none is stored).
fn strip(
    value: &Value,
    names: &mut Vec<String>,
    lists: &dyn ListTypes,
) -> Result<Value, PatchError> {
    match value {
        Value::Object(map) => Ok(Value::Object(
            merge_object(None, map, names, lists)?.unwrap_or_default(),
        )),
        other => Ok(other.clone()),
    }
}

/// Orders `items` as `order` lists them; items it does not list follow, in their relative order.
fn reorder(items: &mut Vec<Value>, order: &[Value], list_type: &ListType) {
    let mut rest = std::mem::take(items);
    for wanted in order {
        let position = match list_type {
            ListType::Map(keys) => rest.iter().position(|item| same_item(wanted, item, keys)),
            _ => rest.iter().position(|item| item == wanted),
        };
        if let Some(i) = position {
            items.push(rest.remove(i));
        }
    }
    items.append(&mut rest);
}
