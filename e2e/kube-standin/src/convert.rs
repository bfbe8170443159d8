//! Representations: objects are stored once per storage; a request sees them in the version it
//! asked for (CRD versions share one schema-less storage; events.k8s.io/v1 Events are core/v1
//! Events with fields renamed, as kube-apiserver converts them).

use serde_json::{Value, json};

use crate::registry::ResourceType;

/// core/v1 Event field ↔ events.k8s.io/v1 Event field.
const EVENT_FIELDS: &[(&str, &str)] = &[
    ("involvedObject", "regarding"),
    ("message", "note"),
    ("reportingComponent", "reportingController"),
    ("source", "deprecatedSource"),
    ("firstTimestamp", "deprecatedFirstTimestamp"),
    ("lastTimestamp", "deprecatedLastTimestamp"),
    ("count", "deprecatedCount"),
];

fn rename(object: &mut Value, pairs: impl Iterator<Item = (&'static str, &'static str)>) {
    if let Some(fields) = object.as_object_mut() {
        for (from, to) in pairs {
            if let Some(value) = fields.remove(from) {
                fields.insert(to.to_owned(), value);
            }
        }
    }
}

fn is_new_event(rt: &ResourceType) -> bool {
    rt.group == "events.k8s.io" && rt.kind == "Event"
}

/// The stored form of an object written through `rt`.
pub fn to_storage(rt: &ResourceType, mut object: Value) -> Value {
    if is_new_event(rt) {
        rename(
            &mut object,
            EVENT_FIELDS.iter().map(|&(core, new)| (new, core)),
        );
        object["apiVersion"] = json!("v1");
    } else if let Some(custom) = rt.custom() {
        object["apiVersion"] = json!(format!("{}/{}", rt.group, custom.storage_version));
    } else {
        object["apiVersion"] = json!(rt.api_version());
    }
    object["kind"] = json!(rt.kind);
    object
}

/// A stored object as `rt` serves it.
pub fn from_storage(rt: &ResourceType, mut object: Value) -> Value {
    if is_new_event(rt) {
        rename(&mut object, EVENT_FIELDS.iter().copied());
        if object["eventTime"].is_null() {
            // events.k8s.io requires eventTime; kube-apiserver fills it from the old timestamps
            let fallback = object["deprecatedFirstTimestamp"].clone();
            object["eventTime"] = fallback;
        }
    }
    object["apiVersion"] = json!(rt.api_version());
    object["kind"] = json!(rt.kind);
    object
}
