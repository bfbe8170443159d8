//! The OpenAPI part of custom resource validation: kube-openapi's `validate.SchemaValidator` as
//! kube-apiserver runs it on a custom resource (the checks per node, their order, their messages,
//! the match counting that picks which failing `oneOf`/`anyOf` branch is reported), and
//! apiextensions-apiserver's conversion of its result into field errors.

mod combinators;
mod issue;
mod keywords;

pub(crate) use keywords::go_equal;

use serde_json::Value;

use super::field::FieldError;
use super::schema::Schema;
use issue::Issue;

/// kube-openapi's `Result`: the errors found and how many checks passed.
#[derive(Debug, Default)]
struct Outcome {
    issues: Vec<Issue>,
    matches: usize,
}

impl Outcome {
    /// One passed check.
    fn passed() -> Self {
        Self {
            issues: Vec::new(),
            matches: 1,
        }
    }

    /// One error, no passed check.
    fn failed(issue: Issue) -> Self {
        Self {
            issues: vec![issue],
            matches: 0,
        }
    }

    fn push(&mut self, issue: Issue) {
        self.issues.push(issue);
    }

    fn merge(&mut self, other: Outcome) {
        self.issues.extend(other.issues);
        self.matches += other.matches;
    }

    fn inc(&mut self) {
        self.matches += 1;
    }

    fn is_valid(&self) -> bool {
        self.issues.is_empty()
    }
}

/// The field errors kube-openapi finds in `object`, in the order kube-apiserver reports them.
pub(super) fn validate(schema: &Schema, object: &Value) -> Vec<FieldError> {
    node(schema, object, "")
        .issues
        .into_iter()
        .map(Issue::into_field_error)
        .collect()
}

/// `SchemaValidator.Validate` of one node: type, `allOf`/`anyOf`/`oneOf`/`not`, string, format,
/// number, array, `enum` and object checks, each where it applies to the value.
fn node(schema: &Schema, value: &Value, path: &str) -> Outcome {
    let mut out = Outcome::default();
    if value.is_null() {
        out.merge(keywords::types(schema, value, path));
        out.merge(keywords::enumeration(schema, value, path));
        return out;
    }
    let mut apply = |result: Outcome| {
        out.merge(result);
        out.inc();
    };
    if keywords::type_applies(schema) {
        apply(keywords::types(schema, value, path));
    }
    apply(combinators::validate(schema, value, path));
    if let Value::String(text) = value {
        apply(keywords::string(schema, text, path));
        if schema.format.is_some() {
            apply(keywords::format(schema, text, path));
        }
    }
    if let Value::Number(number) = value {
        apply(keywords::number(schema, number, path));
    }
    if let Value::Array(items) = value {
        apply(keywords::slice(schema, items, path));
    }
    apply(keywords::enumeration(schema, value, path));
    if let Value::Object(fields) = value {
        apply(keywords::object(schema, fields, path));
    }
    out.inc();
    out
}
