//! Types (with `nullable` and int-or-string), strings (`pattern`, lengths, `format`), `enum` and
//! numbers.

use serde_json::json;

use super::{errors, found, spec_schema, with_spec};

const TYPE: &str = "FieldValueTypeInvalid";
const INVALID: &str = "FieldValueInvalid";

#[test]
fn each_type_rejects_the_other_json_types() {
    let schema = spec_schema(json!({
        "b": {"type": "boolean"}, "f": {"type": "number"}, "l": {"type": "array"},
        "n": {"type": "integer"}, "o": {"type": "object"}, "s": {"type": "string"}
    }));
    let object =
        with_spec(json!({"b": "yes", "f": "1.5", "l": {}, "n": "string", "o": [], "s": 1}));
    assert_eq!(
        errors(&schema, &object),
        vec![
            found(
                "spec.b",
                TYPE,
                r#"Invalid value: "string": spec.b in body must be of type boolean: "string""#
            ),
            found(
                "spec.f",
                TYPE,
                r#"Invalid value: "string": spec.f in body must be of type number: "string""#
            ),
            found(
                "spec.l",
                TYPE,
                r#"Invalid value: "object": spec.l in body must be of type array: "object""#
            ),
            found(
                "spec.n",
                TYPE,
                r#"Invalid value: "string": spec.n in body must be of type integer: "string""#
            ),
            found(
                "spec.o",
                TYPE,
                r#"Invalid value: "array": spec.o in body must be of type object: "array""#
            ),
            found(
                "spec.s",
                TYPE,
                r#"Invalid value: "integer": spec.s in body must be of type string: "integer""#
            ),
        ]
    );
    let fine = with_spec(json!({"b": true, "f": 3, "l": [], "n": 2.0, "o": {}, "s": "x"}));
    assert_eq!(
        errors(&schema, &fine),
        vec![],
        "1 is a number, 2.0 an integer"
    );
    let fractional = with_spec(json!({"n": 2.5}));
    assert_eq!(
        errors(&schema, &fractional),
        vec![found(
            "spec.n",
            TYPE,
            r#"Invalid value: "number": spec.n in body must be of type integer: "number""#
        )]
    );
}

#[test]
fn null_needs_nullable_and_int_or_string_takes_both() {
    let schema = spec_schema(json!({
        "items": {"type": "array", "items": {"type": "string"}},
        "maybe": {"type": "array", "nullable": true, "items": {"type": "string", "nullable": true}},
        "port": {"x-kubernetes-int-or-string": true}
    }));
    assert_eq!(
        errors(
            &schema,
            &with_spec(json!({"items": [null], "maybe": [null], "port": 8080}))
        ),
        vec![found(
            "spec.items[0]",
            TYPE,
            r#"Invalid value: "null": spec.items[0] in body must be of type string: "null""#
        )]
    );
    assert_eq!(
        errors(&schema, &with_spec(json!({"maybe": null, "port": "http"}))),
        vec![]
    );
    assert_eq!(
        errors(&schema, &with_spec(json!({"port": true}))),
        vec![found(
            "spec.port",
            TYPE,
            r#"Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean""#
        )]
    );
}

#[test]
fn strings_check_pattern_and_lengths_in_characters() {
    let schema = spec_schema(json!({
        "name": {"type": "string", "pattern": "^[a-z]+$"},
        "short": {"type": "string", "maxLength": 3},
        "long": {"type": "string", "minLength": 2}
    }));
    assert_eq!(
        errors(
            &schema,
            &with_spec(json!({"name": "X1", "short": "éééé", "long": "a"}))
        ),
        vec![
            found(
                "spec.long",
                INVALID,
                r#"Invalid value: "a": spec.long in body should be at least 2 chars long"#
            ),
            found(
                "spec.name",
                INVALID,
                r#"Invalid value: "X1": spec.name in body should match '^[a-z]+$'"#
            ),
            found(
                "spec.short",
                "FieldValueTooLong",
                "Too long: may not be more than 3 bytes"
            ),
        ]
    );
    assert_eq!(
        errors(&schema, &with_spec(json!({"short": "ééé"}))),
        vec![],
        "3 characters, 6 bytes"
    );
}

#[test]
fn enums_list_the_supported_values_and_refuse_null() {
    let schema = spec_schema(json!({
        "mode": {"type": "string", "enum": ["a", "b"]},
        "engine": {"type": "string", "nullable": true, "enum": ["postgres"]},
        "level": {"type": "integer", "enum": [1, 2]}
    }));
    assert_eq!(
        errors(
            &schema,
            &with_spec(json!({"mode": "z", "engine": null, "level": 3}))
        ),
        vec![
            found(
                "spec.engine",
                "FieldValueNotSupported",
                r#"Unsupported value: "null": supported values: "postgres""#
            ),
            found(
                "spec.level",
                "FieldValueNotSupported",
                r#"Unsupported value: 3: supported values: "1", "2""#
            ),
            found(
                "spec.mode",
                "FieldValueNotSupported",
                r#"Unsupported value: "z": supported values: "a", "b""#
            ),
        ]
    );
    assert_eq!(
        errors(&schema, &with_spec(json!({"mode": "b", "level": 2.0}))),
        vec![]
    );
}

#[test]
fn only_the_formats_the_api_server_keeps_are_checked() {
    let schema = spec_schema(json!({
        "at": {"type": "string", "format": "date-time"},
        "id": {"type": "string", "format": "uuid"},
        "small": {"type": "integer", "format": "int32"},
        "anything": {"type": "string", "format": "k8s-short-name"}
    }));
    let object =
        with_spec(json!({"at": "yesterday", "id": "nope", "small": 1_i64 << 40, "anything": "!"}));
    assert_eq!(
        errors(&schema, &object),
        vec![
            found(
                "spec.at",
                TYPE,
                r#"Invalid value: "yesterday": spec.at in body must be of type date-time: "yesterday""#
            ),
            found(
                "spec.id",
                TYPE,
                r#"Invalid value: "nope": spec.id in body must be of type uuid: "nope""#
            ),
        ]
    );
    let fine = with_spec(
        json!({"at": "2026-01-01T00:00:00Z", "id": "123e4567-e89b-12d3-a456-426614174000"}),
    );
    assert_eq!(errors(&schema, &fine), vec![]);
}

#[test]
fn numbers_check_bounds_and_multiples() {
    let schema = spec_schema(json!({
        "port": {"type": "integer", "minimum": 1.0, "maximum": 65535.0},
        "ratio": {"type": "number", "maximum": 1.5, "exclusiveMaximum": true},
        "count": {"type": "integer", "minimum": 0, "exclusiveMinimum": true},
        "step": {"type": "integer", "multipleOf": 5},
        "half": {"type": "number", "multipleOf": 0.5}
    }));
    let object =
        with_spec(json!({"port": 70000, "ratio": 1.5, "count": 0, "step": 7, "half": 1.25}));
    assert_eq!(
        errors(&schema, &object),
        vec![
            found(
                "spec.count",
                INVALID,
                "Invalid value: 0: spec.count in body should be greater than 0"
            ),
            found(
                "spec.half",
                INVALID,
                "Invalid value: 1.25: spec.half in body should be a multiple of 0.5"
            ),
            found(
                "spec.port",
                INVALID,
                "Invalid value: 70000: spec.port in body should be less than or equal to 65535"
            ),
            found(
                "spec.ratio",
                INVALID,
                "Invalid value: 1.5: spec.ratio in body should be less than 1.5"
            ),
            found(
                "spec.step",
                INVALID,
                "Invalid value: 7: spec.step in body should be a multiple of 5"
            ),
        ]
    );
    assert_eq!(
        errors(&schema, &with_spec(json!({"port": 0}))),
        vec![found(
            "spec.port",
            INVALID,
            "Invalid value: 0: spec.port in body should be greater than or equal to 1"
        )]
    );
    let fine = with_spec(json!({"port": 443, "ratio": 1.0, "count": 1, "step": 10, "half": 2.5}));
    assert_eq!(errors(&schema, &fine), vec![]);
}
