//! `oneOf`, `anyOf`, `allOf` and `not`: composite errors at the nil path, with the errors of the
//! best failing branch.

use serde_json::json;

use super::{errors, found, spec_schema, with_spec};

const INVALID: &str = "FieldValueInvalid";

#[test]
fn one_of_wants_exactly_one_branch() {
    let schema = spec_schema(json!({"database": {
        "type": "object",
        "oneOf": [{"required": ["urlSecretRef"]}, {"required": ["connection"]}],
        "properties": {"urlSecretRef": {"type": "object"}, "connection": {"type": "object"}}
    }}));
    assert_eq!(
        errors(
            &schema,
            &with_spec(json!({"database": {"urlSecretRef": {}, "connection": {}}}))
        ),
        vec![found(
            "<nil>",
            INVALID,
            r#"Invalid value: "": "spec.database" must validate one and only one schema (oneOf). Found 2 valid alternatives"#,
        )]
    );
    assert_eq!(
        errors(&schema, &with_spec(json!({"database": {}}))),
        vec![
            found(
                "<nil>",
                INVALID,
                r#"Invalid value: "": "spec.database" must validate one and only one schema (oneOf). Found none valid"#,
            ),
            found(
                "spec.database.urlSecretRef",
                "FieldValueRequired",
                "Required value"
            ),
        ]
    );
    assert_eq!(
        errors(&schema, &with_spec(json!({"database": {"connection": {}}}))),
        vec![]
    );
}

#[test]
fn any_of_all_of_and_not() {
    let schema = spec_schema(json!({
        "any": {"anyOf": [{"type": "string", "maxLength": 1}, {"type": "integer"}]},
        "all": {"type": "string", "allOf": [{"minLength": 2}, {"pattern": "^a"}]},
        "not": {"type": "object", "not": {"required": ["legacy"]}}
    }));
    let object = with_spec(json!({"any": "long", "all": "b", "not": {"legacy": true}}));
    assert_eq!(
        errors(&schema, &object),
        vec![
            found(
                "spec.all",
                INVALID,
                r#"Invalid value: "b": spec.all in body should be at least 2 chars long"#
            ),
            found(
                "spec.all",
                INVALID,
                r#"Invalid value: "b": spec.all in body should match '^a'"#
            ),
            found(
                "<nil>",
                INVALID,
                r#"Invalid value: "": "spec.all" must validate all the schemas (allOf). None validated"#,
            ),
            found(
                "<nil>",
                INVALID,
                r#"Invalid value: "": "spec.any" must validate at least one schema (anyOf)"#
            ),
            found(
                "spec.any",
                "FieldValueTooLong",
                "Too long: may not be more than 1 bytes"
            ),
            found(
                "<nil>",
                INVALID,
                r#"Invalid value: "": "spec.not" must not validate the schema (not)"#
            ),
        ]
    );
    let fine = with_spec(json!({"any": 7, "all": "ab", "not": {}}));
    assert_eq!(errors(&schema, &fine), vec![]);
}
