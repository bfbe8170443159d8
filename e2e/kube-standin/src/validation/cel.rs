//! `x-kubernetes-validations`: CEL rules evaluated with the `kube-cel` library, node by node as
//! apiextensions-apiserver's `cel.Validator` walks the object (properties, `additionalProperties`,
//! `items`, and the rules of `allOf` branches at the node itself), with `oldSelf` correlated on
//! updates and transition rules skipped on create, and errors built as it builds them.

use serde::Deserialize;
use serde_json::Value;

use super::field::{FieldError, FieldPath};
use super::openapi::go_equal;
use super::schema::{Additional, ListType, Schema};

/// One rule as the schema declares it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    rule: String,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    message_expression: Option<String>,
    #[serde(default)]
    field_path: Option<String>,
    #[serde(default)]
    reason: Option<String>,
}

impl Rule {
    /// `ruleErrorString`: the message, else the rule.
    fn error_string(&self) -> &str {
        match self.message.as_deref().map(str::trim) {
            Some(message) if !message.is_empty() => message,
            _ => self.rule.trim(),
        }
    }

    /// The detail of a failure: the evaluated `messageExpression` when it gave one line, else
    /// `ruleMessageOrDefault`.
    fn detail(&self, evaluated: &str) -> String {
        let evaluated = evaluated.trim();
        if self.message_expression.is_some() && !evaluated.is_empty() && !evaluated.contains('\n') {
            return evaluated.to_owned();
        }
        match self.message.as_deref().map(str::trim) {
            Some(message) if !message.is_empty() => message.to_owned(),
            _ => format!("failed rule: {}", self.rule.trim()),
        }
    }
}

/// The rules of one list of `x-kubernetes-validations`, compiled against their node's schema.
pub struct Rules {
    compiled: kube_cel::CompiledSchema,
    rules: Vec<Rule>,
    /// The node's `type`: the bad value of the errors (kube-apiserver 1.33 prints the type).
    type_name: String,
}

impl Rules {
    /// Compiles `rules` for values of the schema node `node` (its own rules and those below it
    /// are left out: each node's rules are evaluated where the walk reaches it).
    pub fn compile(node: &Value, rules: &[Value], type_name: &str) -> Self {
        let mut schema = node.clone();
        strip_rules(&mut schema);
        schema["x-kubernetes-validations"] = Value::Array(rules.to_vec());
        Self {
            compiled: kube_cel::compile_schema(&schema),
            rules: rules
                .iter()
                .filter_map(|r| serde_json::from_value(r.clone()).ok())
                .collect(),
            type_name: type_name.to_owned(),
        }
    }

    fn evaluate(&self, value: &Value, old: Option<&Value>, at: &Node, out: &mut Vec<FieldError>) {
        let Err(errors) = kube_cel::validate_compiled(&self.compiled, value, old) else {
            return;
        };
        for error in errors {
            let rule = self.rules.iter().find(|r| r.rule == error.rule);
            out.push(self.field_error(&error, rule, at));
        }
    }

    fn field_error(
        &self,
        error: &kube_cel::ValidationError,
        rule: Option<&Rule>,
        at: &Node,
    ) -> FieldError {
        let type_value = Value::from(self.type_name.clone());
        let error_string = rule.map_or(error.rule.as_str(), Rule::error_string);
        match error.kind {
            kube_cel::ErrorKind::ValidationFailure => {
                let detail =
                    rule.map_or_else(|| error.message.clone(), |r| r.detail(&error.message));
                let path = match rule.and_then(|r| r.field_path.as_deref()) {
                    Some(field_path) => resolve(&at.path, at.schema, field_path),
                    None => at.path.clone(),
                };
                match rule.and_then(|r| r.reason.as_deref()) {
                    Some("FieldValueForbidden") => FieldError::forbidden(path, detail),
                    Some("FieldValueRequired") => FieldError::required(path, detail),
                    Some("FieldValueDuplicate") => FieldError::duplicate(path, type_value),
                    _ => FieldError::invalid(path, type_value, detail),
                }
            }
            kube_cel::ErrorKind::EvaluationError | kube_cel::ErrorKind::UnsupportedReference => {
                let cause = std::error::Error::source(error)
                    .map_or_else(|| error.message.clone(), ToString::to_string);
                let detail = format!("{} evaluating rule: {error_string}", go_style(&cause));
                FieldError::invalid(at.path.clone(), type_value, detail)
            }
            _ => FieldError::invalid(
                at.path.clone(),
                type_value,
                format!("rule compile error: {}", error.message),
            ),
        }
    }
}

/// cel-go's errors start lower case (`no such key: x`); cel-rust's start upper case.
fn go_style(message: &str) -> String {
    let mut chars = message.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_lowercase().chain(chars).collect()
    })
}

/// Removes `x-kubernetes-validations` from a schema node and every node below it.
fn strip_rules(schema: &mut Value) {
    let Some(fields) = schema.as_object_mut() else {
        return;
    };
    fields.remove("x-kubernetes-validations");
    for (keyword, child) in fields.iter_mut() {
        match keyword.as_str() {
            "properties" => child
                .as_object_mut()
                .into_iter()
                .flat_map(|p| p.values_mut())
                .for_each(strip_rules),
            "items" | "additionalProperties" | "not" => strip_rules(child),
            "allOf" | "oneOf" | "anyOf" => child
                .as_array_mut()
                .into_iter()
                .flatten()
                .for_each(strip_rules),
            _ => {}
        }
    }
}

/// `ValidFieldPath`: a rule's `fieldPath` (`.a.b`, `['a.b']`) below `path`, keys of
/// `additionalProperties` printed as `[key]`.
fn resolve(path: &FieldPath, schema: &Schema, field_path: &str) -> FieldPath {
    let mut resolved = path.clone();
    let mut node = Some(schema);
    let mut rest = field_path;
    while !rest.is_empty() {
        let (name, after) = if let Some(quoted) = rest.strip_prefix("['") {
            match quoted.split_once("']") {
                Some((name, after)) => (name, after),
                None => break,
            }
        } else if let Some(dotted) = rest.strip_prefix('.') {
            let end = dotted.find(['.', '[']).unwrap_or(dotted.len());
            (&dotted[..end], &dotted[end..])
        } else {
            break;
        };
        resolved = match node {
            Some(s) if s.properties.is_empty() && s.additional.is_some() => resolved.key(name),
            _ => resolved.child(name),
        };
        node = node.and_then(|s| s.field(name));
        rest = after;
    }
    resolved
}

/// Where the walk is: the node's schema and path.
struct Node<'a> {
    schema: &'a Schema,
    path: FieldPath,
}

/// Every CEL rule's errors for `object` (`old`: the stored object, on updates).
pub(super) fn validate(schema: &Schema, object: &Value, old: Option<&Value>) -> Vec<FieldError> {
    let mut out = Vec::new();
    let root = Node {
        schema,
        path: FieldPath::nil(),
    };
    walk(&root, object, old, &mut out);
    out
}

fn walk(at: &Node, value: &Value, old: Option<&Value>, out: &mut Vec<FieldError>) {
    if value.is_null() {
        return;
    }
    let schema = at.schema;
    for rules in &schema.rules {
        rules.evaluate(value, old, at, out);
    }
    match value {
        Value::Object(fields) => {
            let old = old.filter(|_| !schema.atomic_map);
            if let Some(Additional::Schema(additional)) = &schema.additional {
                for (key, child) in fields {
                    let next = Node {
                        schema: additional,
                        path: at.path.key(key),
                    };
                    walk(&next, child, old.and_then(|o| o.get(key)), out);
                }
            }
            for (name, child) in fields {
                if let Some(property) = schema.properties.get(name) {
                    let next = Node {
                        schema: property,
                        path: at.path.child(name),
                    };
                    walk(&next, child, old.and_then(|o| o.get(name)), out);
                }
            }
        }
        Value::Array(items) => {
            let Some(item_schema) = &schema.items else {
                return;
            };
            for (index, item) in items.iter().enumerate() {
                let next = Node {
                    schema: item_schema,
                    path: at.path.index(index),
                };
                walk(&next, item, correlated_item(schema, item, old), out);
            }
        }
        _ => {}
    }
}

/// The old item with the same map keys as `item` (only list-type map items correlate).
fn correlated_item<'a>(schema: &Schema, item: &Value, old: Option<&'a Value>) -> Option<&'a Value> {
    let ListType::Map(keys) = &schema.list else {
        return None;
    };
    let key_of = |value: &Value| -> Vec<Value> {
        keys.iter()
            .map(|k| value.get(k).cloned().unwrap_or(Value::Null))
            .collect()
    };
    let wanted = key_of(item);
    old?.as_array()?.iter().find(|candidate| {
        key_of(candidate)
            .iter()
            .zip(&wanted)
            .all(|(a, b)| go_equal(a, b))
    })
}
