//! The value checks of kube-openapi's `SchemaValidator` (`type.go`, `validator.go`,
//! `slice_validator.go`, `object_validator.go`, `formats.go`, `values.go`), each returning what
//! it found and how many checks passed.

use serde_json::{Map, Number, Value};

use super::{Outcome, node};
use crate::validation::gofmt;
use crate::validation::openapi::issue::Issue;
use crate::validation::schema::{Additional, Schema};

/// `typeValidator.Applies`: the node declares a type or a (kept) format.
pub(super) fn type_applies(schema: &Schema) -> bool {
    !schema.types.is_empty() || schema.format.is_some()
}

/// `typeValidator.Validate`: JSON type against `type`, `nullable` and `format`.
pub(super) fn types(schema: &Schema, value: &Value, path: &str) -> Outcome {
    let format = schema.format.as_ref().map_or("", |f| f.name.as_str());
    let declares = |t: &str| schema.types.iter().any(|d| d == t);
    if value.is_null() {
        if !schema.types.is_empty() && !declares("null") && !schema.nullable {
            return Outcome::failed(Issue::invalid_type(path, &schema.types.join(","), "null"));
        }
        return Outcome::passed();
    }
    let (actual, actual_format) = go_type(value);
    let float_int =
        actual == "number" && value.as_f64().is_some_and(is_json_integer) && declares("integer");
    let int_float = actual == "integer" && declares("number");
    let textual = value.is_string() || value.is_array();
    let accepted = declares(actual) || float_int || int_float;
    if !format.is_empty() && !textual && !accepted && actual_format != format {
        return Outcome::failed(Issue::invalid_type(path, format, actual_format));
    }
    // a string or array under a format skips the type check unless the type is numeric
    let numeric = declares("number") || declares("integer");
    if !format.is_empty() && textual && !numeric {
        return Outcome::passed();
    }
    if !accepted {
        return Outcome::failed(Issue::invalid_type(path, &schema.types.join(","), actual));
    }
    Outcome::passed()
}

/// The JSON type and format of a value as Go decodes it (`schemaInfoForType`).
fn go_type(value: &Value) -> (&'static str, &'static str) {
    match value {
        Value::Bool(_) => ("boolean", ""),
        Value::String(_) => ("string", ""),
        Value::Number(n) if n.is_i64() => ("integer", "int64"),
        Value::Number(_) => ("number", "float64"),
        Value::Array(_) => ("array", ""),
        Value::Object(_) => ("object", ""),
        Value::Null => ("null", ""),
    }
}

/// `swag.IsFloat64AJSONInteger`: a whole number within ±2^53.
fn is_json_integer(value: f64) -> bool {
    const LIMIT: f64 = 9_007_199_254_740_992.0;
    value.is_finite() && value.abs() <= LIMIT && value.fract() == 0.0
}

/// `stringValidator`: `maxLength`, `minLength` (in characters) and `pattern`, first failure only.
pub(super) fn string(schema: &Schema, text: &str, path: &str) -> Outcome {
    let length = text.chars().count() as i64;
    if let Some(max) = schema.max_length.filter(|max| length > *max) {
        return Outcome::failed(Issue::too_long(path, max, text));
    }
    if let Some(min) = schema.min_length.filter(|min| length < *min) {
        return Outcome::failed(Issue::too_short(path, min, text));
    }
    if let Some(pattern) = &schema.pattern {
        match pattern.matches(text) {
            Ok(true) => {}
            Ok(false) => return Outcome::failed(Issue::pattern(path, &pattern.source, text)),
            Err(error) => {
                let shown = format!("{}, but pattern is invalid: {error}", pattern.source);
                return Outcome::failed(Issue::pattern(path, &shown, text));
            }
        }
    }
    Outcome::default()
}

/// `formatValidator`: a string in a checked format.
pub(super) fn format(schema: &Schema, text: &str, path: &str) -> Outcome {
    match &schema.format {
        Some(format) if !format.accepts(text) => {
            Outcome::failed(Issue::invalid_type(path, &format.name, text))
        }
        _ => Outcome::default(),
    }
}

/// `numberValidator`: `multipleOf`, `minimum`, `maximum`, in Go's native integer or float
/// arithmetic (an integer value compares with the bound truncated to an integer).
pub(super) fn number(schema: &Schema, number: &Number, path: &str) -> Outcome {
    let data = Value::Number(number.clone());
    let int = number.as_i64();
    let float = number.as_f64().unwrap_or(f64::NAN);
    let mut out = Outcome::passed();
    if let Some(factor) = schema.multiple_of {
        let int_factor = factor as i64;
        match int.filter(|_| int_factor != 0) {
            Some(_) if int_factor < 0 => {
                out.push(Issue::multiple_of_must_be_positive(
                    path,
                    &int_factor.to_string(),
                ));
            }
            Some(value) if value % int_factor != 0 => {
                out.push(Issue::not_multiple_of(path, &int_factor.to_string(), &data));
            }
            Some(_) => {}
            None if factor < 0.0 => {
                out.push(Issue::multiple_of_must_be_positive(
                    path,
                    &gofmt::float(factor),
                ));
            }
            None => {
                let ratio = if factor < 1.0 {
                    1.0 / factor * float
                } else {
                    float / factor
                };
                if !is_json_integer(ratio) {
                    out.push(Issue::not_multiple_of(path, &gofmt::float(factor), &data));
                }
            }
        }
    }
    if let Some(min) = schema.minimum {
        let exclusive = schema.exclusive_minimum;
        let (below, shown) = match int {
            Some(value) => (
                value < min as i64 || (exclusive && value == min as i64),
                (min as i64).to_string(),
            ),
            None => (
                float < min || (exclusive && float == min),
                gofmt::float(min),
            ),
        };
        if below {
            out.push(Issue::below_minimum(path, &shown, exclusive, &data));
        }
    }
    if let Some(max) = schema.maximum {
        let exclusive = schema.exclusive_maximum;
        let (above, shown) = match int {
            Some(value) => (
                value > max as i64 || (exclusive && value == max as i64),
                (max as i64).to_string(),
            ),
            None => (
                float > max || (exclusive && float == max),
                gofmt::float(max),
            ),
        };
        if above {
            out.push(Issue::above_maximum(path, &shown, exclusive, &data));
        }
    }
    out
}

/// `schemaSliceValidator`: every item against `items`, then `minItems`, `maxItems`, `uniqueItems`.
pub(super) fn slice(schema: &Schema, items: &[Value], path: &str) -> Outcome {
    let mut out = Outcome::default();
    if let Some(item_schema) = &schema.items {
        for (index, item) in items.iter().enumerate() {
            out.merge(node(item_schema, item, &format!("{path}[{index}]")));
        }
    }
    let size = items.len() as i64;
    if let Some(min) = schema.min_items.filter(|min| size < *min) {
        out.push(Issue::too_few_items(path, min, size));
    }
    if let Some(max) = schema.max_items.filter(|max| size > *max) {
        out.push(Issue::too_many_items(path, max, size));
    }
    let duplicated = items
        .iter()
        .enumerate()
        .any(|(i, a)| items[..i].iter().any(|b| go_equal(a, b)));
    if schema.unique_items && duplicated {
        out.push(Issue::duplicate_items(path));
    }
    out.inc();
    out
}

/// `basicCommonValidator`: `enum`, comparing as Go does after converting the value to the type of
/// each allowed value (`nil` matches nothing).
pub(super) fn enumeration(schema: &Schema, value: &Value, path: &str) -> Outcome {
    let allowed = &schema.enumeration;
    if allowed.is_empty() || (!value.is_null() && allowed.iter().any(|a| enum_matches(value, a))) {
        return Outcome::default();
    }
    Outcome::failed(Issue::enumeration(path, value, allowed))
}

fn enum_matches(value: &Value, allowed: &Value) -> bool {
    match (value, allowed) {
        (Value::Number(v), Value::Number(a)) => match a.as_i64() {
            Some(a) => v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)) == Some(a),
            None => v.as_f64() == a.as_f64(),
        },
        _ => go_equal(value, allowed),
    }
}

/// `reflect.DeepEqual` of decoded JSON: an `int64` never equals a `float64`.
pub(crate) fn go_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            (None, None) => x.as_f64() == y.as_f64(),
            _ => false,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| go_equal(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| go_equal(v, w)))
        }
        _ => a == b,
    }
}

/// `objectValidator`: `minProperties`/`maxProperties` (which stop here), `additionalProperties`,
/// each property, then `required`.
pub(super) fn object(schema: &Schema, fields: &Map<String, Value>, path: &str) -> Outcome {
    let count = fields.len() as i64;
    if let Some(min) = schema.min_properties.filter(|min| count < *min) {
        return Outcome::failed(Issue::too_few_properties(path, min, count));
    }
    if let Some(max) = schema.max_properties.filter(|max| count > *max) {
        return Outcome::failed(Issue::too_many_properties(path, max, count));
    }
    let mut out = Outcome::default();
    let extra = fields
        .iter()
        .filter(|(name, _)| !schema.properties.contains_key(*name));
    match &schema.additional {
        Some(Additional::Allows(false)) => {
            for (name, _) in extra {
                out.push(Issue::property_not_allowed(path, name));
            }
        }
        Some(Additional::Schema(additional)) => {
            for (name, value) in extra {
                out.merge(node(additional, value, &format!("{path}.{name}")));
            }
        }
        _ => {}
    }
    for (name, property) in &schema.properties {
        if let Some(value) = fields.get(name) {
            let child = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}.{name}")
            };
            out.merge(node(property, value, &child));
        }
    }
    for name in &schema.required {
        if !fields.contains_key(name) {
            out.push(Issue::required(&format!("{path}.{name}")));
        }
    }
    out
}
