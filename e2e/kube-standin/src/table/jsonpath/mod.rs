//! The JSONPath dialect of `k8s.io/client-go/util/jsonpath`, as CRD printer columns use it:
//! fields (`.a.b`, `\.` escapes, `['a']`), `*`, indexes and slices (`[0]`, `[-1]`, `[1:3:2]`,
//! `[*]`), unions (`[0,2]`), filters (`[?(@.type=="Ready")]` with `== != < > <= >=` or bare
//! existence), recursive descent (`..`) and literals. Missing keys give no result (the
//! apiextensions server sets `AllowMissingKeys(true)`); out-of-range indexes, filters over
//! non-arrays and comparisons of unlike types are errors, as in Go.

mod eval;

use std::borrow::Cow;

use serde_json::Value;

use super::TableError;
use eval::eval_list;

/// A parsed JSONPath expression.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonPath {
    nodes: Vec<Node>,
}

/// The evaluator failed where the Go one returns an error (the cell becomes `null`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvalError;

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Field(String),
    Wildcard,
    Slice([Param; 3]),
    Filter {
        left: Vec<Node>,
        op: String,
        right: Vec<Node>,
    },
    Union(Vec<Vec<Node>>),
    Recursive,
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Identifier,
}

/// One of `[start:end:step]`, as Go's `ParamsEntry`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Param {
    value: i64,
    known: bool,
    derived: bool,
}

/// Values a step selects, borrowed from the document when they can be.
type Vals<'a> = Vec<Cow<'a, Value>>;

impl JsonPath {
    /// Parses `expr`; one enclosing `{...}` is tolerated.
    pub fn parse(expr: &str) -> Result<Self, TableError> {
        let trimmed = expr.trim();
        let inner = match trimmed.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(inner) => inner,
            None => trimmed,
        };
        parse_action(inner).map(|nodes| JsonPath { nodes })
    }

    /// Every value the path selects in `data`, in order.
    pub fn find<'a>(&self, data: &'a Value) -> Result<Vals<'a>, EvalError> {
        eval_list(vec![Cow::Borrowed(data)], &self.nodes)
    }
}

fn bad(expr: &str, why: &str) -> TableError {
    TableError::JsonPath {
        path: expr.to_owned(),
        reason: why.to_owned(),
    }
}

fn parse_action(text: &str) -> Result<Vec<Node>, TableError> {
    let mut parser = Parser {
        src: text,
        chars: text.chars().collect(),
        pos: 0,
    };
    let mut nodes = Vec::new();
    parser.inside(&mut nodes)?;
    Ok(nodes)
}

struct Parser<'s> {
    src: &'s str,
    chars: Vec<char>,
    pos: usize,
}

fn is_terminator(c: Option<char>) -> bool {
    matches!(
        c,
        None | Some(' ' | '\t' | '\r' | '\n' | '.' | ',' | '[' | ']' | '$' | '@' | '{' | '}')
    )
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn rest_starts_with(&self, prefix: &str) -> bool {
        prefix
            .chars()
            .enumerate()
            .all(|(i, c)| self.chars.get(self.pos + i) == Some(&c))
    }

    fn err(&self, why: &str) -> TableError {
        bad(self.src, why)
    }

    fn inside(&mut self, out: &mut Vec<Node>) -> Result<(), TableError> {
        loop {
            if self.rest_starts_with("[?(") {
                self.pos += 3;
                out.push(self.filter()?);
                continue;
            }
            if self.rest_starts_with("..") {
                if out.last() == Some(&Node::Recursive) {
                    return Err(self.err("invalid multiple recursive descent"));
                }
                self.pos += 2;
                out.push(Node::Recursive);
                if self.peek().is_some_and(|c| c == '_' || c.is_alphanumeric()) {
                    out.push(self.field());
                }
                continue;
            }
            match self.next() {
                None => return Ok(()),
                Some(' ' | '@' | '$') => {}
                Some('[') => out.push(self.array()?),
                Some(q @ ('"' | '\'')) => out.push(Node::Text(self.quote(q)?)),
                Some('.') => out.push(self.field()),
                Some(c) if c == '+' || c == '-' || c.is_ascii_digit() => {
                    self.pos -= 1;
                    out.push(self.number()?);
                }
                Some(c) if c == '_' || c.is_alphanumeric() => {
                    self.pos -= 1;
                    let word = self.word();
                    out.push(match word.as_str() {
                        "true" => Node::Bool(true),
                        "false" => Node::Bool(false),
                        _ => Node::Identifier,
                    });
                }
                Some(c) => {
                    return Err(self.err(&format!("unrecognized character in action: {c:?}")));
                }
            }
        }
    }

    /// Characters up to the next unescaped terminator, backslashes removed.
    fn word(&mut self) -> String {
        let mut raw = String::new();
        loop {
            match self.peek() {
                Some('\\') => {
                    self.pos += 1;
                    if let Some(c) = self.next() {
                        raw.push(c);
                    }
                }
                c if is_terminator(c) => return raw,
                Some(c) => {
                    self.pos += 1;
                    raw.push(c);
                }
                None => return raw,
            }
        }
    }

    fn field(&mut self) -> Node {
        let name = self.word();
        if name == "*" {
            Node::Wildcard
        } else {
            Node::Field(name)
        }
    }

    fn number(&mut self) -> Result<Node, TableError> {
        let start = self.pos;
        if matches!(self.peek(), Some('+' | '-')) {
            self.pos += 1;
        }
        while self.peek().is_some_and(|c| c == '.' || c.is_ascii_digit()) {
            self.pos += 1;
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        if let Ok(i) = text.parse::<i64>() {
            return Ok(Node::Int(i));
        }
        text.parse::<f64>()
            .map(Node::Float)
            .map_err(|_| self.err(&format!("cannot parse number {text}")))
    }

    fn quote(&mut self, end: char) -> Result<String, TableError> {
        let mut out = String::new();
        loop {
            match self.next() {
                None | Some('\n') => return Err(self.err("unterminated quoted string")),
                Some(c) if c == end => return Ok(out),
                Some('\\') => {
                    let escaped = match self.next() {
                        Some('n') => '\n',
                        Some('t') => '\t',
                        Some('r') => '\r',
                        Some(c @ ('\\' | '"' | '\'')) => c,
                        _ => return Err(self.err("unsupported escape in quoted string")),
                    };
                    out.push(escaped);
                }
                Some(c) => out.push(c),
            }
        }
    }

    fn array(&mut self) -> Result<Node, TableError> {
        let start = self.pos;
        loop {
            match self.next() {
                None | Some('\n') => return Err(self.err("unterminated array")),
                Some(']') => break,
                Some(_) => {}
            }
        }
        let mut text: String = self.chars[start..self.pos - 1].iter().collect();
        if text == "*" {
            text = ":".to_owned();
        }
        let parts: Vec<&str> = text.split(',').collect();
        if parts.len() > 1 {
            let lists = parts
                .iter()
                .map(|part| parse_action(&format!("[{}]", part.trim_matches(' '))))
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(Node::Union(lists));
        }
        if let Some(key) = text
            .strip_prefix('\'')
            .and_then(|t| t.strip_suffix('\''))
            .filter(|k| !k.contains('\''))
        {
            // Go re-parses `['a.b']` as `.a.b` (two fields); kept for fidelity.
            let mut nodes = parse_action(&format!(".{key}"))?;
            return match nodes.len() {
                1 => Ok(nodes.remove(0)),
                _ => Ok(Node::Union(vec![nodes])),
            };
        }
        if let Some(key) = text
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .filter(|k| !k.contains('"'))
        {
            // Not in Go (an invalid index there); taken as one literal key.
            return Ok(Node::Field(key.to_owned()));
        }
        self.slice(&text)
    }

    fn slice(&self, text: &str) -> Result<Node, TableError> {
        let groups: Vec<&str> = text.split(':').collect();
        let is_int = |s: &str| {
            s.strip_prefix('-')
                .unwrap_or(s)
                .chars()
                .all(|c| c.is_ascii_digit())
        };
        if groups.len() > 3 || !groups.iter().all(|g| is_int(g)) {
            return Err(self.err(&format!("invalid array index {text}")));
        }
        let mut params = [Param::default(); 3];
        for i in 0..3 {
            match groups.get(i) {
                Some(&"") => {}
                Some(g) => {
                    let value = g
                        .parse::<i64>()
                        .map_err(|_| self.err(&format!("array index {g} is not a number")))?;
                    params[i] = Param {
                        value,
                        known: true,
                        derived: false,
                    };
                }
                None if i == 1 => {
                    params[1] = Param {
                        value: params[0].value + 1,
                        known: true,
                        derived: true,
                    }
                }
                None => {}
            }
        }
        Ok(Node::Slice(params))
    }

    fn filter(&mut self) -> Result<Node, TableError> {
        let start = self.pos;
        let (mut begin, mut end, mut pair) = (false, false, '"');
        loop {
            match self.next() {
                None | Some('\n') => return Err(self.err("unterminated filter")),
                Some(q @ ('"' | '\'')) => {
                    if !begin {
                        begin = true;
                        pair = q;
                    } else if q == pair && self.chars.get(self.pos.wrapping_sub(2)) != Some(&'\\') {
                        end = true;
                    }
                }
                Some(')') if begin == end => break,
                Some(_) => {}
            }
        }
        if self.next() != Some(']') {
            return Err(self.err("unclosed array expect ]"));
        }
        let text: String = self.chars[start..self.pos - 2].iter().collect();
        let is_op = |c: char| matches!(c, '!' | '<' | '>' | '=');
        let left_end = text.find(is_op).unwrap_or(text.len());
        let op_end = text[left_end..]
            .find(|c| !is_op(c))
            .map_or(text.len(), |i| left_end + i);
        if left_end == 0 || left_end == text.len() || op_end == text.len() {
            return Ok(Node::Filter {
                left: parse_action(&text)?,
                op: "exists".to_owned(),
                right: Vec::new(),
            });
        }
        Ok(Node::Filter {
            left: parse_action(&text[..left_end])?,
            op: text[left_end..op_end].to_owned(),
            right: parse_action(&text[op_end..])?,
        })
    }
}
