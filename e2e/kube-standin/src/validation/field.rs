//! Field errors as `k8s.io/apimachinery/pkg/util/validation/field` (Kubernetes 1.33) builds and
//! prints them: a path (`spec.tables[0].keyColumns[1]`, `<nil>` for none), a type that becomes
//! the status cause's `reason`, a bad value and a detail.

use std::fmt;

use serde_json::Value;

use super::gofmt;

/// `field.ErrorType`: what kind of problem a field has (the cause `reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorType {
    /// `FieldValueRequired`.
    Required,
    /// `FieldValueDuplicate`.
    Duplicate,
    /// `FieldValueInvalid`.
    Invalid,
    /// `FieldValueNotSupported`.
    NotSupported,
    /// `FieldValueForbidden`.
    Forbidden,
    /// `FieldValueTooLong`.
    TooLong,
    /// `FieldValueTooMany`.
    TooMany,
    /// `FieldValueTypeInvalid`.
    TypeInvalid,
}

impl ErrorType {
    /// The `reason` of the status cause.
    pub fn reason(self) -> &'static str {
        match self {
            Self::Required => "FieldValueRequired",
            Self::Duplicate => "FieldValueDuplicate",
            Self::Invalid => "FieldValueInvalid",
            Self::NotSupported => "FieldValueNotSupported",
            Self::Forbidden => "FieldValueForbidden",
            Self::TooLong => "FieldValueTooLong",
            Self::TooMany => "FieldValueTooMany",
            Self::TypeInvalid => "FieldValueTypeInvalid",
        }
    }

    /// `ErrorType.String()`, the start of the message.
    fn text(self) -> &'static str {
        match self {
            Self::Required => "Required value",
            Self::Duplicate => "Duplicate value",
            Self::Invalid | Self::TypeInvalid => "Invalid value",
            Self::NotSupported => "Unsupported value",
            Self::Forbidden => "Forbidden",
            Self::TooLong => "Too long",
            Self::TooMany => "Too many",
        }
    }
}

/// A `field.Path`: `None` is the nil path, printed `<nil>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPath(Option<String>);

impl FieldPath {
    /// The nil path (errors about the whole object).
    pub fn nil() -> Self {
        Self(None)
    }

    /// The path kube-openapi names `text` (`""` and `"."` are nil, one leading `.` is dropped).
    pub fn parse(text: &str) -> Self {
        if text.is_empty() || text == "." {
            return Self(None);
        }
        Self(Some(text.strip_prefix('.').unwrap_or(text).to_owned()))
    }

    /// `Child(name)`: `a.name`, or `name` at the root.
    pub fn child(&self, name: &str) -> Self {
        match &self.0 {
            Some(base) => Self(Some(format!("{base}.{name}"))),
            None => Self(Some(name.to_owned())),
        }
    }

    /// `Index(i)`: `a[i]`.
    pub fn index(&self, index: usize) -> Self {
        self.subscript(&index.to_string())
    }

    /// `Key(k)`: `a[k]` (no quotes, as the API server prints map keys).
    pub fn key(&self, key: &str) -> Self {
        self.subscript(key)
    }

    fn subscript(&self, inner: &str) -> Self {
        Self(Some(format!(
            "{}[{inner}]",
            self.0.as_deref().unwrap_or_default()
        )))
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_deref().unwrap_or("<nil>"))
    }
}

/// The `BadValue` of a field error.
#[derive(Debug, Clone, PartialEq)]
pub enum BadValue {
    /// A value as Go decodes JSON into `interface{}` (`Null` is Go's `nil`).
    Value(Value),
    /// `field.OmitValueType`: the message has no value part.
    Omitted,
}

/// One `field.Error`.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// What kind of problem it is.
    pub kind: ErrorType,
    /// Where it is.
    pub field: FieldPath,
    /// The offending value.
    pub value: BadValue,
    /// What is wrong, after the value.
    pub detail: String,
}

impl FieldError {
    fn new(kind: ErrorType, field: FieldPath, value: Value, detail: impl Into<String>) -> Self {
        Self {
            kind,
            field,
            value: BadValue::Value(value),
            detail: detail.into(),
        }
    }

    /// `field.Required`.
    pub fn required(field: FieldPath, detail: impl Into<String>) -> Self {
        Self::new(ErrorType::Required, field, Value::from(""), detail)
    }

    /// `field.Invalid`.
    pub fn invalid(field: FieldPath, value: Value, detail: impl Into<String>) -> Self {
        Self::new(ErrorType::Invalid, field, value, detail)
    }

    /// `field.TypeInvalid`.
    pub fn type_invalid(field: FieldPath, value: Value, detail: impl Into<String>) -> Self {
        Self::new(ErrorType::TypeInvalid, field, value, detail)
    }

    /// `field.NotSupported`: `supported values: "a", "b"`.
    pub fn not_supported(field: FieldPath, value: Value, supported: &[String]) -> Self {
        let quoted: Vec<String> = supported.iter().map(|v| gofmt::quote(v)).collect();
        let detail = if quoted.is_empty() {
            String::new()
        } else {
            format!("supported values: {}", quoted.join(", "))
        };
        Self::new(ErrorType::NotSupported, field, value, detail)
    }

    /// `field.Duplicate`.
    pub fn duplicate(field: FieldPath, value: Value) -> Self {
        Self::new(ErrorType::Duplicate, field, value, "")
    }

    /// `field.Forbidden`.
    pub fn forbidden(field: FieldPath, detail: impl Into<String>) -> Self {
        Self::new(ErrorType::Forbidden, field, Value::from(""), detail)
    }

    /// `field.TooLong` (negative `max`: unknown).
    pub fn too_long(field: FieldPath, max: i64) -> Self {
        let detail = if max >= 0 {
            format!("may not be more than {max} bytes")
        } else {
            "value is too long".to_owned()
        };
        Self::new(
            ErrorType::TooLong,
            field,
            Value::from("<value omitted>"),
            detail,
        )
    }

    /// `field.TooMany` (negative `actual` or `max`: unknown).
    pub fn too_many(field: FieldPath, actual: i64, max: i64) -> Self {
        let detail = if max >= 0 {
            format!("must have at most {max} items")
        } else {
            "too many items".to_owned()
        };
        Self {
            value: if actual >= 0 {
                BadValue::Value(Value::from(actual))
            } else {
                BadValue::Omitted
            },
            ..Self::new(ErrorType::TooMany, field, Value::Null, detail)
        }
    }

    /// `Error.ErrorBody()`: the message without the field.
    pub fn body(&self) -> String {
        let mut body = match (&self.value, self.kind) {
            (_, ErrorType::Required | ErrorType::Forbidden | ErrorType::TooLong)
            | (BadValue::Omitted, _) => self.kind.text().to_owned(),
            (BadValue::Value(value), kind) => format!("{}: {}", kind.text(), bad_value(value)),
        };
        if !self.detail.is_empty() {
            body.push_str(": ");
            body.push_str(&self.detail);
        }
        body
    }

    /// Whether kube-apiserver skips the CEL rules after this error (`hasBlockingErr`).
    pub fn blocks_rules(&self) -> bool {
        matches!(
            self.kind,
            ErrorType::NotSupported
                | ErrorType::Required
                | ErrorType::TooLong
                | ErrorType::TooMany
                | ErrorType::TypeInvalid
        )
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.body())
    }
}

/// How `ErrorBody` prints a bad value: `%q` for strings (nil prints as `"null"`), `%v` for
/// numbers and booleans, `%#v` for the rest.
fn bad_value(value: &Value) -> String {
    match value {
        Value::Null => gofmt::quote("null"),
        Value::String(s) => gofmt::quote(s),
        Value::Number(n) => gofmt::number(n),
        Value::Bool(b) => b.to_string(),
        compound => gofmt::go_syntax(compound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn errors_print_as_the_api_server_prints_them() {
        let path = FieldPath::nil().child("spec").child("tables").index(0);
        assert_eq!(path.to_string(), "spec.tables[0]");
        assert_eq!(FieldPath::nil().key("k").to_string(), "[k]");
        assert_eq!(FieldPath::parse(".spec").to_string(), "spec");
        assert_eq!(FieldPath::parse("").to_string(), "<nil>");
        let cases = [
            (FieldError::required(path.clone(), ""), "Required value"),
            (
                FieldError::invalid(path.clone(), json!("x"), "bad"),
                r#"Invalid value: "x": bad"#,
            ),
            (
                FieldError::not_supported(path.clone(), json!("z"), &["a".into(), "b".into()]),
                r#"Unsupported value: "z": supported values: "a", "b""#,
            ),
            (
                FieldError::not_supported(path.clone(), Value::Null, &["a".into()]),
                r#"Unsupported value: "null": supported values: "a""#,
            ),
            (
                FieldError::too_long(path.clone(), 63),
                "Too long: may not be more than 63 bytes",
            ),
            (
                FieldError::too_many(path.clone(), 33, 32),
                "Too many: 33: must have at most 32 items",
            ),
            (
                FieldError::duplicate(path.clone(), json!({"name": "a"})),
                r#"Duplicate value: map[string]interface {}{"name":"a"}"#,
            ),
            (FieldError::forbidden(path, "no"), "Forbidden: no"),
        ];
        for (error, body) in cases {
            assert_eq!(error.body(), body);
        }
    }
}
