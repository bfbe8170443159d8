//! What kube-openapi's checks report (`errors/schema.go`, `validate/schema_messages.go`), worded
//! as kube-openapi words it (`<path> in body ...`), and how apiextensions-apiserver turns each into
//! a field error (`kubeOpenAPIResultToFieldErrors`).

use serde_json::Value;

use crate::validation::field::{FieldError, FieldPath};
use crate::validation::gofmt;

/// The `errors.Validation` codes the conversion to field errors tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Code {
    /// `InvalidTypeCode`: a wrong type or a string not in its format.
    InvalidType,
    /// `RequiredFailCode`.
    Required,
    /// `TooLongFailCode`.
    TooLong,
    /// `EnumFailCode`.
    Enum,
    /// `MaxItemsFailCode`.
    MaxItems,
    /// `TooManyPropertiesCode`.
    TooManyProperties,
    /// Every other code: reported as `Invalid` with kube-openapi's message.
    Other,
}

/// One error of kube-openapi's `Result`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Issue {
    /// An `errors.Validation` about the value at `name`.
    Validation {
        /// What failed.
        code: Code,
        /// kube-openapi's path of the value (`spec.tables[0].table`, `.spec` for a required root field).
        name: String,
        /// `Value` (`None` is Go's nil).
        value: Option<Value>,
        /// `Valid`: the limit a `TooLong` or `TooMany` broke.
        valid: Option<i64>,
        /// `Values`: the allowed values of an enum.
        values: Vec<Value>,
        /// The message.
        message: String,
    },
    /// A composite error (`oneOf`, `anyOf`, `allOf`, `not`), reported at the nil path.
    Composite(String),
}

fn validation(code: Code, name: &str, value: Option<Value>, message: String) -> Issue {
    limited(code, name, value, None, message)
}

fn limited(
    code: Code,
    name: &str,
    value: Option<Value>,
    valid: Option<i64>,
    message: String,
) -> Issue {
    Issue::Validation {
        code,
        name: name.to_owned(),
        value,
        valid,
        values: Vec::new(),
        message,
    }
}

impl Issue {
    /// `errors.InvalidType(name, "body", type, value)` with a string value (a type or format name,
    /// or the string that is not in its format).
    pub fn invalid_type(name: &str, type_name: &str, value: &str) -> Self {
        let message = format!(
            "{name} in body must be of type {type_name}: {}",
            gofmt::quote(value)
        );
        validation(Code::InvalidType, name, Some(Value::from(value)), message)
    }

    /// `errors.Required`.
    pub fn required(name: &str) -> Self {
        validation(
            Code::Required,
            name,
            None,
            format!("{name} in body is required"),
        )
    }

    /// `errors.TooLong`.
    pub fn too_long(name: &str, max: i64, data: &str) -> Self {
        let message = format!("{name} in body should be at most {max} chars long");
        limited(
            Code::TooLong,
            name,
            Some(Value::from(data)),
            Some(max),
            message,
        )
    }

    /// `errors.TooShort`.
    pub fn too_short(name: &str, min: i64, data: &str) -> Self {
        let message = format!("{name} in body should be at least {min} chars long");
        validation(Code::Other, name, Some(Value::from(data)), message)
    }

    /// `errors.FailedPattern`.
    pub fn pattern(name: &str, pattern: &str, data: &str) -> Self {
        let message = format!("{name} in body should match '{pattern}'");
        validation(Code::Other, name, Some(Value::from(data)), message)
    }

    /// `errors.EnumFail`.
    pub fn enumeration(name: &str, data: &Value, allowed: &[Value]) -> Self {
        let listed: Vec<String> = allowed.iter().map(gofmt::json).collect();
        let message = format!("{name} in body should be one of [{}]", listed.join(" "));
        let value = (!data.is_null()).then(|| data.clone());
        Self::Validation {
            code: Code::Enum,
            name: name.to_owned(),
            value,
            valid: None,
            values: allowed.to_vec(),
            message,
        }
    }

    /// `errors.NotMultipleOf` (`factor` already printed with `%v`).
    pub fn not_multiple_of(name: &str, factor: &str, data: &Value) -> Self {
        let message = format!("{name} in body should be a multiple of {factor}");
        validation(Code::Other, name, Some(data.clone()), message)
    }

    /// `errors.MultipleOfMustBePositive`.
    pub fn multiple_of_must_be_positive(name: &str, factor: &str) -> Self {
        let message = format!("factor MultipleOf declared for {name} must be positive: {factor}");
        validation(Code::Other, name, Some(Value::from(factor)), message)
    }

    /// `errors.ExceedsMaximum*` (`max` already printed with `%v`).
    pub fn above_maximum(name: &str, max: &str, exclusive: bool, data: &Value) -> Self {
        let relation = if exclusive {
            "less than"
        } else {
            "less than or equal to"
        };
        let message = format!("{name} in body should be {relation} {max}");
        validation(Code::Other, name, Some(data.clone()), message)
    }

    /// `errors.ExceedsMinimum*` (`min` already printed with `%v`).
    pub fn below_minimum(name: &str, min: &str, exclusive: bool, data: &Value) -> Self {
        let relation = if exclusive {
            "greater than"
        } else {
            "greater than or equal to"
        };
        let message = format!("{name} in body should be {relation} {min}");
        validation(Code::Other, name, Some(data.clone()), message)
    }

    /// `errors.DuplicateItems`.
    pub fn duplicate_items(name: &str) -> Self {
        let message = format!("{name} in body shouldn't contain duplicates");
        validation(Code::Other, name, None, message)
    }

    /// `errors.TooManyItems`.
    pub fn too_many_items(name: &str, max: i64, size: i64) -> Self {
        let message = format!("{name} in body should have at most {max} items");
        limited(
            Code::MaxItems,
            name,
            Some(Value::from(size)),
            Some(max),
            message,
        )
    }

    /// `errors.TooFewItems`.
    pub fn too_few_items(name: &str, min: i64, size: i64) -> Self {
        let message = format!("{name} in body should have at least {min} items");
        validation(Code::Other, name, Some(Value::from(size)), message)
    }

    /// `errors.TooManyProperties`.
    pub fn too_many_properties(name: &str, max: i64, count: i64) -> Self {
        let message = format!("{name} in body should have at most {max} properties");
        let value = Some(Value::from(count));
        limited(Code::TooManyProperties, name, value, Some(max), message)
    }

    /// `errors.TooFewProperties`.
    pub fn too_few_properties(name: &str, min: i64, count: i64) -> Self {
        let message = format!("{name} in body should have at least {min} properties");
        validation(Code::Other, name, Some(Value::from(count)), message)
    }

    /// `errors.PropertyNotAllowed` (`additionalProperties: false`).
    pub fn property_not_allowed(name: &str, key: &str) -> Self {
        let message = format!("{name}.{key} in body is a forbidden property");
        validation(Code::Other, name, Some(Value::from(key)), message)
    }

    /// `mustValidateOnlyOneSchemaMsg`.
    pub fn one_of(path: &str, valid: usize) -> Self {
        let found = match valid {
            0 => "Found none valid".to_owned(),
            n => format!("Found {n} valid alternatives"),
        };
        Self::Composite(format!(
            "{} must validate one and only one schema (oneOf). {found}",
            gofmt::quote(path)
        ))
    }

    /// `mustValidateAtLeastOneSchemaMsg`.
    pub fn any_of(path: &str) -> Self {
        Self::Composite(format!(
            "{} must validate at least one schema (anyOf)",
            gofmt::quote(path)
        ))
    }

    /// `mustValidateAllSchemasMsg`.
    pub fn all_of(path: &str, none_valid: bool) -> Self {
        let none = if none_valid { ". None validated" } else { "" };
        Self::Composite(format!(
            "{} must validate all the schemas (allOf){none}",
            gofmt::quote(path)
        ))
    }

    /// `mustNotValidateSchemaMsg`.
    pub fn not(path: &str) -> Self {
        Self::Composite(format!(
            "{} must not validate the schema (not)",
            gofmt::quote(path)
        ))
    }

    /// `kubeOpenAPIResultToFieldErrors` for one error.
    pub fn into_field_error(self) -> FieldError {
        let (code, name, value, valid, values, message) = match self {
            Self::Composite(message) => {
                return FieldError::invalid(FieldPath::nil(), Value::from(""), message);
            }
            Self::Validation {
                code,
                name,
                value,
                valid,
                values,
                message,
            } => (code, name, value, valid, values, message),
        };
        let path = FieldPath::parse(&name);
        let or_empty = |value: Option<Value>| value.unwrap_or_else(|| Value::from(""));
        match code {
            Code::Required => FieldError::required(path, ""),
            Code::Enum => {
                let supported: Vec<String> = values
                    .iter()
                    .map(|v| match v {
                        Value::String(s) => s.clone(),
                        other => gofmt::json(other),
                    })
                    .collect();
                FieldError::not_supported(path, value.unwrap_or(Value::Null), &supported)
            }
            Code::TooLong => FieldError::too_long(path, valid.unwrap_or(-1)),
            Code::MaxItems | Code::TooManyProperties => {
                let actual = value.as_ref().and_then(Value::as_i64).unwrap_or(-1);
                FieldError::too_many(path, actual, valid.unwrap_or(-1))
            }
            Code::InvalidType => FieldError::type_invalid(path, or_empty(value), message),
            Code::Other => FieldError::invalid(path, or_empty(value), message),
        }
    }
}
