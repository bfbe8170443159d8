//! `x-kubernetes-list-type`: sets and maps report each duplicate once, at its second index.

use serde_json::json;

use super::{errors, errors_on_update, found, spec_schema, with_spec};

const DUPLICATE: &str = "FieldValueDuplicate";

fn schema() -> serde_json::Value {
    spec_schema(json!({
        "set": {"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "set"},
        "map": {
            "type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
            "items": {"type": "object", "properties": {"name": {"type": "string"}}}
        },
        "pairs": {
            "type": "array", "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["kind", "name"],
            "items": {"type": "object", "properties": {
                "kind": {"type": "string", "default": "Migration"}, "name": {"type": "string"}
            }}
        },
        "loose": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"]}
    }))
}

#[test]
fn sets_and_maps_report_duplicates_at_their_second_appearance() {
    let object = with_spec(json!({
        "set": ["a", "b", "a", "a"],
        "map": [{"name": "x"}, {"name": "y"}, {"name": "x"}],
        "pairs": [{"name": "p"}, {"kind": "Migration", "name": "p"}, {"kind": "Sync", "name": "p"}],
        "loose": ["text"]
    }));
    assert_eq!(
        errors(&schema(), &object),
        vec![
            found(
                "spec.loose[0]",
                "FieldValueInvalid",
                r#"Invalid value: "text": must be an object for an array of list-type map"#,
            ),
            found(
                "spec.map[2]",
                DUPLICATE,
                r#"Duplicate value: map[string]interface {}{"name":"x"}"#
            ),
            found(
                "spec.pairs[1]",
                DUPLICATE,
                r#"Duplicate value: map[string]interface {}{"kind":"Migration", "name":"p"}"#,
            ),
            found("spec.set[2]", DUPLICATE, r#"Duplicate value: "a""#),
        ]
    );
}

#[test]
fn an_update_keeps_duplicates_the_stored_object_had() {
    let stored = with_spec(json!({"set": ["a", "a"]}));
    let updated = with_spec(json!({"set": ["a", "a", "b", "b"]}));
    assert_eq!(errors_on_update(&schema(), &updated, Some(&stored)), vec![]);
    let clean = with_spec(json!({"set": ["a"]}));
    assert_eq!(
        errors_on_update(&schema(), &updated, Some(&clean)),
        vec![
            found("spec.set[1]", DUPLICATE, r#"Duplicate value: "a""#),
            found("spec.set[3]", DUPLICATE, r#"Duplicate value: "b""#),
        ]
    );
}
