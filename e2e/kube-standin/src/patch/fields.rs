//! Field paths and field sets in the `FieldsV1` encoding of `metadata.managedFields`:
//! `f:<field>`, `k:<key fields as JSON>` for items of map lists, `v:<JSON>` for items of sets,
//! and `.` for a node that is itself a member of the set.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::lists::{ListType, ListTypes};

/// A path of encoded elements (`f:spec`, `k:{"name":"a"}`, `v:"x"`) from the object root.
pub(super) type Path = Vec<String>;
/// A set of owned paths.
pub(super) type FieldSet = BTreeSet<Path>;

/// Metadata fields that no manager ever owns.
const UNOWNED_METADATA: &[&str] = &[
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "managedFields",
    "selfLink",
];

/// Whether the field at `path` (encoded) is one that no manager owns.
pub(super) fn never_owned(path: &[String]) -> bool {
    match path {
        [top] => top == "f:apiVersion" || top == "f:kind",
        [top, field] if top == "f:metadata" => field
            .strip_prefix("f:")
            .is_some_and(|name| UNOWNED_METADATA.contains(&name)),
        _ => false,
    }
}

/// The element `f:<name>`.
pub(super) fn field(name: &str) -> String {
    format!("f:{name}")
}

/// The field names along `path` (list item elements omitted), as [`ListTypes`] wants them.
pub(super) fn names(path: &[String]) -> Vec<&str> {
    path.iter().filter_map(|e| e.strip_prefix("f:")).collect()
}

/// The key fields of a map-list item that it has, or `None` when it is not an object or has none.
pub(super) fn key_of(item: &Value, keys: &[String]) -> Option<Map<String, Value>> {
    let object = item.as_object()?;
    let key: Map<String, Value> = keys
        .iter()
        .filter_map(|k| object.get(k).map(|v| (k.clone(), v.clone())))
        .collect();
    (!key.is_empty()).then_some(key)
}

/// Whether `item` is the one identified by `key`: every key field it has is equal, and at least
/// one is present (a key field missing on either side, like a defaulted `protocol`, matches).
pub(super) fn key_matches(key: &Map<String, Value>, item: &Value) -> bool {
    let Some(object) = item.as_object() else {
        return false;
    };
    let mut any = false;
    for (name, value) in key {
        match object.get(name) {
            Some(v) if v == value => any = true,
            Some(_) => return false,
            None => {}
        }
    }
    any
}

/// Whether two map-list items are the same item.
pub(super) fn same_item(a: &Value, b: &Value, keys: &[String]) -> bool {
    key_of(a, keys).is_some_and(|key| key_matches(&key, b))
}

/// Whether every item of `list` is an object with at least one key field.
pub(super) fn keyed(list: &[Value], keys: &[String]) -> bool {
    list.iter().all(|item| key_of(item, keys).is_some())
}

/// The element `k:{...}` of a map-list item with this key (fields sorted by name).
fn key_element(key: &Map<String, Value>) -> String {
    let mut fields: Vec<(&String, &Value)> = key.iter().collect();
    fields.sort_by(|a, b| a.0.cmp(b.0));
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}:{}", Value::String((*k).clone()), v))
        .collect();
    format!("k:{{{}}}", body.join(","))
}

/// The element `v:<json>` of a set item.
fn value_element(value: &Value) -> String {
    format!("v:{value}")
}

/// Whether the path ends at a list item (`k:` or `v:`).
pub(super) fn is_item(path: &[String]) -> bool {
    path.last()
        .is_some_and(|e| e.starts_with("k:") || e.starts_with("v:"))
}

/// The owned paths of `value`: scalar fields, atomic lists, empty maps, set items, map-list
/// items and their fields; never-owned fields are left out.
pub(super) fn leaves(value: &Value, lists: &dyn ListTypes) -> FieldSet {
    let mut out = FieldSet::new();
    let mut path = Path::new();
    if let Value::Object(map) = value {
        walk_map(map, &mut path, lists, &mut out);
    }
    out
}

fn walk_map(map: &Map<String, Value>, path: &mut Path, lists: &dyn ListTypes, out: &mut FieldSet) {
    for (name, value) in map {
        path.push(field(name));
        if !never_owned(path) {
            walk(value, path, lists, out);
        }
        path.pop();
    }
}

fn walk(value: &Value, path: &mut Path, lists: &dyn ListTypes, out: &mut FieldSet) {
    match value {
        Value::Object(map) if !map.is_empty() => walk_map(map, path, lists, out),
        Value::Array(items) => match lists.list_type(&names(path)) {
            ListType::Set => {
                for item in items {
                    path.push(value_element(item));
                    out.insert(path.clone());
                    path.pop();
                }
            }
            ListType::Map(keys) if keyed(items, &keys) => {
                for item in items {
                    let Some(key) = key_of(item, &keys) else {
                        continue;
                    };
                    path.push(key_element(&key));
                    out.insert(path.clone());
                    if let Value::Object(map) = item {
                        walk_map(map, path, lists, out);
                    }
                    path.pop();
                }
            }
            _ => {
                out.insert(path.clone());
            }
        },
        _ => {
            out.insert(path.clone());
        }
    }
}

/// Finds the list item that `element` (`k:` or `v:`) names.
fn find_item(items: &[Value], element: &str) -> Option<usize> {
    if let Some(key) = element.strip_prefix("k:") {
        let key: Map<String, Value> = serde_json::from_str(key).ok()?;
        items.iter().position(|item| key_matches(&key, item))
    } else {
        let value: Value = serde_json::from_str(element.strip_prefix("v:")?).ok()?;
        items.iter().position(|item| *item == value)
    }
}

/// The value at `path`, if present.
pub(super) fn get<'v>(value: &'v Value, path: &[String]) -> Option<&'v Value> {
    path.iter()
        .try_fold(value, |node, element| match element.strip_prefix("f:") {
            Some(name) => node.as_object()?.get(name),
            None => {
                let items = node.as_array()?;
                items.get(find_item(items, element)?)
            }
        })
}

/// Removes the value at `path`; true if it was there.
pub(super) fn remove(value: &mut Value, path: &[String]) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut node = value;
    for element in parents {
        node = match element.strip_prefix("f:") {
            Some(name) => match node.as_object_mut().and_then(|m| m.get_mut(name)) {
                Some(child) => child,
                None => return false,
            },
            None => {
                let Some(items) = node.as_array_mut() else {
                    return false;
                };
                let Some(index) = find_item(items, element) else {
                    return false;
                };
                &mut items[index]
            }
        };
    }
    match (last.strip_prefix("f:"), node) {
        (Some(name), Value::Object(map)) => map.remove(name).is_some(),
        (None, Value::Array(items)) => match find_item(items, last) {
            Some(index) => {
                items.remove(index);
                true
            }
            None => false,
        },
        _ => false,
    }
}

/// Whether `set` holds `path` or a path below it.
pub(super) fn owns_within(set: &FieldSet, path: &[String]) -> bool {
    set.range(path.to_vec()..)
        .next()
        .is_some_and(|p| p.starts_with(path))
}

/// Encodes a field set as a `fieldsV1` value.
pub(super) fn to_fields_v1(set: &FieldSet) -> Value {
    let mut root = Map::new();
    for path in set {
        let mut node = &mut root;
        for element in path {
            let child = node
                .entry(element.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            let Value::Object(child) = child else { break };
            node = child;
        }
    }
    mark_members(&mut root, set, &mut Path::new());
    Value::Object(root)
}

/// Adds the `.` marker to members that have children (a member without children is `{}`).
fn mark_members(node: &mut Map<String, Value>, set: &FieldSet, path: &mut Path) {
    for (element, child) in node.iter_mut() {
        path.push(element.clone());
        if let Value::Object(child) = child
            && !child.is_empty()
        {
            mark_members(child, set, path);
            if set.contains(path.as_slice()) {
                child.insert(".".to_owned(), Value::Object(Map::new()));
            }
        }
        path.pop();
    }
}

/// Decodes a `fieldsV1` value into a field set.
pub(super) fn from_fields_v1(value: &Value) -> FieldSet {
    let mut set = FieldSet::new();
    if let Value::Object(map) = value {
        collect(map, &mut Path::new(), &mut set);
    }
    set
}

fn collect(map: &Map<String, Value>, path: &mut Path, set: &mut FieldSet) {
    for (element, child) in map {
        if element == "." {
            continue;
        }
        path.push(element.clone());
        match child.as_object() {
            Some(children) if children.keys().any(|k| k != ".") => {
                if children.contains_key(".") {
                    set.insert(path.clone());
                }
                collect(children, path, set);
            }
            _ => {
                set.insert(path.clone());
            }
        }
        path.pop();
    }
}

/// A path as the API server prints it in conflicts: `.spec.containers[name="a"].image`.
pub(super) fn display(path: &[String]) -> String {
    let mut out = String::new();
    for element in path {
        if let Some(name) = element.strip_prefix("f:") {
            out.push('.');
            out.push_str(name);
        } else if let Some(key) = element.strip_prefix("k:") {
            let fields: Map<String, Value> = serde_json::from_str(key).unwrap_or_default();
            let parts: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
            out.push_str(&format!("[{}]", parts.join(",")));
        } else if let Some(value) = element.strip_prefix("v:") {
            out.push_str(&format!("[={value}]"));
        }
    }
    out
}
