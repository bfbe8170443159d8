//! Evaluation of parsed JSONPath nodes, after `JSONPath.walk` and friends in client-go.

use std::borrow::Cow;

use serde_json::Value;

use super::{EvalError, Node, Param, Vals};

pub(super) fn eval_list<'a>(mut values: Vals<'a>, nodes: &[Node]) -> Result<Vals<'a>, EvalError> {
    for node in nodes {
        values = walk(values, node)?;
    }
    Ok(values)
}

/// A child of `parent`, borrowed when the parent is.
fn child<'a>(
    parent: &Cow<'a, Value>,
    pick: impl Fn(&Value) -> Option<&Value>,
) -> Option<Cow<'a, Value>> {
    match parent {
        Cow::Borrowed(v) => pick(v).map(Cow::Borrowed),
        Cow::Owned(v) => pick(v).cloned().map(Cow::Owned),
    }
}

/// Map values, array elements or string bytes, as Go's reflection walks them.
fn children<'a>(value: &Cow<'a, Value>) -> Vals<'a> {
    match value.as_ref() {
        Value::Object(map) => map
            .keys()
            .filter_map(|k| child(value, |v| v.get(k)))
            .collect(),
        Value::Array(items) => (0..items.len())
            .filter_map(|i| child(value, |v| v.get(i)))
            .collect(),
        Value::String(s) => s.bytes().map(|b| Cow::Owned(Value::from(b))).collect(),
        _ => Vec::new(),
    }
}

fn walk<'a>(input: Vals<'a>, node: &Node) -> Result<Vals<'a>, EvalError> {
    let per_input = |make: Value, n: usize| vec![Cow::Owned(make); n];
    let n = input.len();
    Ok(match node {
        Node::Field(name) => input
            .iter()
            .filter_map(|v| child(v, |v| v.as_object().and_then(|m| m.get(name))))
            .collect(),
        Node::Wildcard => input.iter().flat_map(children).collect(),
        Node::Slice(params) => return slice(input, *params),
        Node::Filter { left, op, right } => return filter(input, left, op, right),
        Node::Union(lists) => {
            let mut out = Vec::new();
            for list in lists {
                out.extend(eval_list(input.clone(), list)?);
            }
            out
        }
        Node::Recursive => recursive(input),
        Node::Text(text) => vec![Cow::Owned(Value::String(text.clone()))],
        Node::Int(i) => per_input(Value::from(*i), n),
        Node::Float(f) => per_input(
            serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            n,
        ),
        Node::Bool(b) => per_input(Value::Bool(*b), n),
        Node::Identifier => return Err(EvalError),
    })
}

fn recursive(input: Vals<'_>) -> Vals<'_> {
    let mut out = Vec::new();
    for value in input {
        let kids = children(&value);
        if !kids.is_empty() {
            out.push(value);
            out.extend(recursive(kids));
        }
    }
    out
}

fn slice(input: Vals<'_>, node_params: [Param; 3]) -> Result<Vals<'_>, EvalError> {
    let mut out = Vec::new();
    for value in input {
        let len = match value.as_ref() {
            Value::Null => continue,
            Value::Array(items) => items.len() as i64,
            _ => return Err(EvalError),
        };
        let mut p = node_params;
        if !p[0].known {
            p[0].value = 0;
        }
        if p[0].value < 0 {
            p[0].value += len;
        }
        if !p[1].known {
            p[1].value = len;
        }
        if p[1].value < 0 || (p[1].value == 0 && p[1].derived) {
            p[1].value += len;
        }
        if p[1].value == p[0].value {
            return Ok(out);
        }
        if p[0].value >= len
            || p[0].value < 0
            || p[1].value > len
            || p[1].value < 0
            || p[0].value > p[1].value
        {
            return Err(EvalError);
        }
        let step = match p[2] {
            Param {
                known: true, value, ..
            } if value <= 0 => return Err(EvalError),
            Param {
                known: true, value, ..
            } => value as usize,
            _ => 1,
        };
        for i in (p[0].value as usize..p[1].value as usize).step_by(step) {
            out.extend(child(&value, |v| v.get(i)));
        }
    }
    Ok(out)
}

fn filter<'a>(
    input: Vals<'a>,
    left: &[Node],
    op: &str,
    right: &[Node],
) -> Result<Vals<'a>, EvalError> {
    let mut out = Vec::new();
    for value in input {
        let Value::Array(items) = value.as_ref() else {
            return Err(EvalError);
        };
        for i in 0..items.len() {
            let Some(item) = child(&value, |v| v.get(i)) else {
                continue;
            };
            let lefts = eval_list(vec![item.clone()], left);
            if op == "exists" {
                if lefts.is_ok_and(|l| !l.is_empty()) {
                    out.push(item);
                }
                continue;
            }
            let lefts = lefts?;
            let l = match lefts.as_slice() {
                [] => continue,
                [one] => one.clone(),
                _ => return Err(EvalError),
            };
            let rights = eval_list(vec![item.clone()], right)?;
            let r = match rights.as_slice() {
                [] => continue,
                [one] => one.clone(),
                _ => return Err(EvalError),
            };
            if compare(&l, &r, op)? {
                out.push(item);
            }
        }
    }
    Ok(out)
}

/// Go's `basicKind` classes of a decoded JSON value.
#[derive(PartialEq, PartialOrd)]
enum Scalar<'v> {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'v str),
}

fn scalar(value: &Value) -> Result<Scalar<'_>, EvalError> {
    match value {
        Value::Bool(b) => Ok(Scalar::Bool(*b)),
        Value::String(s) => Ok(Scalar::Str(s)),
        Value::Number(n) => Ok(n.as_i64().map_or_else(
            || Scalar::Float(n.as_f64().unwrap_or(f64::NAN)),
            Scalar::Int,
        )),
        _ => Err(EvalError),
    }
}

/// The comparison functions of Go's forked `text/template`.
fn compare(left: &Value, right: &Value, op: &str) -> Result<bool, EvalError> {
    let (l, r) = (scalar(left)?, scalar(right)?);
    let same_kind = std::mem::discriminant(&l) == std::mem::discriminant(&r);
    let eq = || {
        if same_kind {
            Ok(l == r)
        } else {
            Err(EvalError)
        }
    };
    let lt = || match (&l, &r) {
        (Scalar::Bool(_), _) | (_, Scalar::Bool(_)) => Err(EvalError),
        _ if same_kind => Ok(l < r),
        _ => Err(EvalError),
    };
    match op {
        "==" => eq(),
        "!=" => eq().map(|b| !b),
        "<" => lt(),
        "<=" => Ok(lt()? || eq()?),
        ">" => Ok(!(lt()? || eq()?)),
        ">=" => lt().map(|b| !b),
        _ => Err(EvalError),
    }
}
