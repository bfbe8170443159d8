//! `x-kubernetes-validations`: messages, `messageExpression`, `fieldPath`, `reason`, transition
//! rules, evaluation errors, and rules skipped after a blocking error.

use serde_json::json;

use super::{errors, errors_on_update, found, spec_schema, with_spec};

const INVALID: &str = "FieldValueInvalid";

fn schema() -> serde_json::Value {
    json!({"type": "object", "properties": {"spec": {
        "type": "object",
        "properties": {
            "a": {"type": "integer"},
            "b": {"type": "integer"},
            "name": {"type": "string", "x-kubernetes-validations": [
                {"rule": "self == oldSelf", "message": "name is immutable"}
            ]},
            "limits": {"type": "object", "additionalProperties": {
                "type": "integer",
                "x-kubernetes-validations": [{"rule": "self <= 10"}]
            }}
        },
        "x-kubernetes-validations": [
            {"rule": "!has(self.a) || !has(self.b) || self.a < self.b", "message": "a must be below b"},
            {"rule": "!has(self.a) || self.a != 7"},
            {"rule": "!has(self.a) || self.a != 8", "messageExpression": "'a may not be ' + string(self.a)"},
            {"rule": "!has(self.b) || self.b != 9", "fieldPath": ".b", "reason": "FieldValueForbidden",
             "message": "b may not be 9"}
        ]
    }}})
}

#[test]
fn failed_rules_report_message_path_and_reason() {
    let cases = [
        (
            json!({"a": 2, "b": 1}),
            found(
                "spec",
                INVALID,
                r#"Invalid value: "object": a must be below b"#,
            ),
        ),
        (
            json!({"a": 7, "b": 100}),
            found(
                "spec",
                INVALID,
                r#"Invalid value: "object": failed rule: !has(self.a) || self.a != 7"#,
            ),
        ),
        (
            json!({"a": 8, "b": 100}),
            found(
                "spec",
                INVALID,
                r#"Invalid value: "object": a may not be 8"#,
            ),
        ),
        (
            json!({"b": 9}),
            found("spec.b", "FieldValueForbidden", "Forbidden: b may not be 9"),
        ),
        (
            json!({"limits": {"cpu": 11}}),
            found(
                "spec.limits[cpu]",
                INVALID,
                r#"Invalid value: "integer": failed rule: self <= 10"#,
            ),
        ),
    ];
    for (spec, expected) in cases {
        assert_eq!(
            errors(&schema(), &with_spec(spec.clone())),
            vec![expected],
            "{spec}"
        );
    }
    assert_eq!(
        errors(&schema(), &with_spec(json!({"a": 1, "b": 2}))),
        vec![]
    );
}

#[test]
fn transition_rules_run_on_updates_only() {
    let created = with_spec(json!({"name": "first"}));
    assert_eq!(errors(&schema(), &created), vec![], "no oldSelf on create");
    let renamed = with_spec(json!({"name": "second"}));
    assert_eq!(
        errors_on_update(&schema(), &renamed, Some(&created)),
        vec![found(
            "spec.name",
            INVALID,
            r#"Invalid value: "string": name is immutable"#
        )]
    );
    assert_eq!(
        errors_on_update(&schema(), &created, Some(&created)),
        vec![]
    );
}

#[test]
fn evaluation_errors_name_the_rule() {
    let schema = spec_schema(json!({"opt": {
        "type": "object",
        "properties": {"x": {"type": "string"}},
        "x-kubernetes-validations": [{"rule": "self.x == 'y'", "message": "x must be y"}]
    }}));
    assert_eq!(
        errors(&schema, &with_spec(json!({"opt": {}}))),
        vec![found(
            "spec.opt",
            INVALID,
            r#"Invalid value: "object": no such key: x evaluating rule: x must be y"#,
        )]
    );
}

#[test]
fn a_blocking_error_skips_the_rules() {
    let object = with_spec(json!({"a": "two", "b": 1}));
    assert_eq!(
        errors(&schema(), &object),
        vec![
            found(
                "spec.a",
                "FieldValueTypeInvalid",
                r#"Invalid value: "string": spec.a in body must be of type integer: "string""#,
            ),
            found(
                "<nil>",
                INVALID,
                r#"Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation"#,
            ),
        ]
    );
}
