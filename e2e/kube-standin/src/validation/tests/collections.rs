//! Arrays (`items`, `minItems`, `maxItems`, `uniqueItems`), objects (`required`, `properties`,
//! `additionalProperties`, `minProperties`, `maxProperties`) and embedded resources.

use serde_json::json;

use super::{errors, found, spec_schema, with_spec};

const INVALID: &str = "FieldValueInvalid";

#[test]
fn arrays_check_items_and_sizes() {
    let schema = spec_schema(json!({
        "tables": {"type": "array", "items": {"type": "object", "properties": {
            "keyColumns": {"type": "array", "items": {"type": "string", "minLength": 1}}
        }}},
        "some": {"type": "array", "minItems": 1},
        "few": {"type": "array", "maxItems": 2},
        "unique": {"type": "array", "uniqueItems": true}
    }));
    let object = with_spec(json!({
        "tables": [{"keyColumns": ["id", ""]}], "some": [], "few": [1, 2, 3], "unique": [1, 1.0, 1]
    }));
    assert_eq!(
        errors(&schema, &object),
        vec![
            found(
                "spec.few",
                "FieldValueTooMany",
                "Too many: 3: must have at most 2 items"
            ),
            found(
                "spec.some",
                INVALID,
                "Invalid value: 0: spec.some in body should have at least 1 items"
            ),
            found(
                "spec.tables[0].keyColumns[1]",
                INVALID,
                r#"Invalid value: "": spec.tables[0].keyColumns[1] in body should be at least 1 chars long"#,
            ),
            found(
                "spec.unique",
                INVALID,
                r#"Invalid value: "": spec.unique in body shouldn't contain duplicates"#
            ),
        ]
    );
    let fine = with_spec(json!({"some": [1], "few": [1, 2], "unique": [1, 1.0]}));
    assert_eq!(
        errors(&schema, &fine),
        vec![],
        "an int64 1 is not a float64 1"
    );
}

#[test]
fn objects_check_required_sizes_and_additional_properties() {
    let schema = json!({"type": "object", "required": ["spec"], "properties": {"spec": {
        "type": "object", "required": ["name"], "properties": {
            "name": {"type": "string"},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "closed": {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": false},
            "params": {"type": "object", "maxProperties": 1},
            "tags": {"type": "object", "minProperties": 2, "additionalProperties": {"type": "string"}}
        }
    }}});
    let object = with_spec(json!({
        "labels": {"k": 1}, "closed": {"a": "x", "b": "y"}, "params": {"a": 1, "b": 2}, "tags": {"t": 1}
    }));
    assert_eq!(
        errors(&schema, &object),
        vec![
            found(
                "spec.closed",
                INVALID,
                r#"Invalid value: "b": spec.closed.b in body is a forbidden property"#
            ),
            found(
                "spec.labels.k",
                "FieldValueTypeInvalid",
                r#"Invalid value: "integer": spec.labels.k in body must be of type string: "integer""#,
            ),
            found(
                "spec.params",
                "FieldValueTooMany",
                "Too many: 2: must have at most 1 items"
            ),
            found(
                "spec.tags",
                INVALID,
                "Invalid value: 1: spec.tags in body should have at least 2 properties"
            ),
            found("spec.name", "FieldValueRequired", "Required value"),
        ]
    );
    let no_spec = json!({"apiVersion": "x.dev/v1", "kind": "X", "metadata": {"name": "x"}});
    assert_eq!(
        errors(&schema, &no_spec),
        vec![found("spec", "FieldValueRequired", "Required value")]
    );
}

#[test]
fn embedded_resources_need_their_own_type_meta() {
    let schema = spec_schema(json!({"template": {
        "type": "object", "x-kubernetes-embedded-resource": true,
        "x-kubernetes-preserve-unknown-fields": true
    }}));
    assert_eq!(
        errors(&schema, &with_spec(json!({"template": {"metadata": {}}}))),
        vec![
            found(
                "spec.template.apiVersion",
                "FieldValueRequired",
                "Required value: must not be empty"
            ),
            found(
                "spec.template.kind",
                "FieldValueRequired",
                "Required value: must not be empty"
            ),
        ]
    );
    assert_eq!(
        errors(
            &schema,
            &with_spec(json!({"template": {"apiVersion": "a/b/c", "kind": "Bad_Kind"}}))
        ),
        vec![
            found(
                "spec.template.apiVersion",
                INVALID,
                r#"Invalid value: "a/b/c": unexpected GroupVersion string: a/b/c"#,
            ),
            found(
                "spec.template.kind",
                INVALID,
                r#"Invalid value: "Bad_Kind": may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"#,
            ),
        ]
    );
    let fine = with_spec(json!({"template": {"apiVersion": "v1", "kind": "ConfigMap"}}));
    assert_eq!(errors(&schema, &fine), vec![]);
}
