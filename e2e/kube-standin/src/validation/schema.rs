//! A CRD version's `openAPIV3Schema` as a tree of typed nodes, read once when the CRD is
//! registered: regular expressions, formats and CEL rules are compiled here.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::cel::Rules;
use super::formats::Format;
use super::pattern::Pattern;

/// Why a schema cannot be used for validation.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// A node is not a JSON schema object (or a keyword has the wrong JSON type).
    #[error("schema node {path} is malformed: {source}")]
    Malformed {
        /// Where the node is, e.g. `properties.spec.items`.
        path: String,
        /// What serde said.
        source: serde_json::Error,
    },
    /// `items` is a list of schemas, which structural schemas do not allow.
    #[error("schema node {path} has a list of schemas as items, which is not structural")]
    TupleItems {
        /// Where the node is.
        path: String,
    },
}

/// `additionalProperties`: a boolean or a schema.
pub enum Additional {
    /// `true` or `false`.
    Allows(bool),
    /// The schema of every property not in `properties`.
    Schema(Box<Schema>),
}

/// `x-kubernetes-list-type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListType {
    /// `atomic`, or not given.
    Atomic,
    /// `set`: no item twice.
    Set,
    /// `map`: no two items with the same `x-kubernetes-list-map-keys`.
    Map(Vec<String>),
}

/// One schema node.
pub struct Schema {
    /// The types the type check accepts (`integer` and `string` for int-or-string).
    pub types: Vec<String>,
    /// `nullable`.
    pub nullable: bool,
    /// `format`, when it is one kube-apiserver checks (it drops the others).
    pub format: Option<Format>,
    /// `enum` (empty: any value).
    pub enumeration: Vec<Value>,
    /// `pattern`.
    pub pattern: Option<Pattern>,
    /// `maxLength`, in characters.
    pub max_length: Option<i64>,
    /// `minLength`, in characters.
    pub min_length: Option<i64>,
    /// `maximum`.
    pub maximum: Option<f64>,
    /// `exclusiveMaximum`.
    pub exclusive_maximum: bool,
    /// `minimum`.
    pub minimum: Option<f64>,
    /// `exclusiveMinimum`.
    pub exclusive_minimum: bool,
    /// `multipleOf`.
    pub multiple_of: Option<f64>,
    /// `maxItems`.
    pub max_items: Option<i64>,
    /// `minItems`.
    pub min_items: Option<i64>,
    /// `uniqueItems`.
    pub unique_items: bool,
    /// `maxProperties`.
    pub max_properties: Option<i64>,
    /// `minProperties`.
    pub min_properties: Option<i64>,
    /// `required`.
    pub required: Vec<String>,
    /// `properties`.
    pub properties: BTreeMap<String, Schema>,
    /// `additionalProperties`.
    pub additional: Option<Additional>,
    /// `items`.
    pub items: Option<Box<Schema>>,
    /// `allOf`.
    pub all_of: Vec<Schema>,
    /// `oneOf`.
    pub one_of: Vec<Schema>,
    /// `anyOf`.
    pub any_of: Vec<Schema>,
    /// `not`.
    pub not: Option<Box<Schema>>,
    /// `x-kubernetes-list-type` (with its map keys).
    pub list: ListType,
    /// `x-kubernetes-map-type: atomic`.
    pub atomic_map: bool,
    /// `x-kubernetes-embedded-resource`.
    pub embedded: bool,
    /// `default`.
    pub default: Option<Value>,
    /// The `x-kubernetes-validations` of this node and of its `allOf` branches, compiled.
    pub rules: Vec<Rules>,
}

/// The keywords of one node as JSON has them; children stay raw until parsed.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Keywords {
    #[serde(rename = "type")]
    type_name: Option<String>,
    nullable: bool,
    format: Option<String>,
    #[serde(rename = "enum")]
    enumeration: Vec<Value>,
    pattern: Option<String>,
    max_length: Option<i64>,
    min_length: Option<i64>,
    maximum: Option<f64>,
    exclusive_maximum: bool,
    minimum: Option<f64>,
    exclusive_minimum: bool,
    multiple_of: Option<f64>,
    max_items: Option<i64>,
    min_items: Option<i64>,
    unique_items: bool,
    max_properties: Option<i64>,
    min_properties: Option<i64>,
    required: Vec<String>,
    properties: BTreeMap<String, Value>,
    additional_properties: Option<Value>,
    items: Option<Value>,
    all_of: Vec<Value>,
    one_of: Vec<Value>,
    any_of: Vec<Value>,
    not: Option<Value>,
    default: Option<Value>,
    #[serde(rename = "x-kubernetes-int-or-string")]
    int_or_string: bool,
    #[serde(rename = "x-kubernetes-embedded-resource")]
    embedded_resource: bool,
    #[serde(rename = "x-kubernetes-list-type")]
    list_type: Option<String>,
    #[serde(rename = "x-kubernetes-list-map-keys")]
    list_map_keys: Vec<String>,
    #[serde(rename = "x-kubernetes-map-type")]
    map_type: Option<String>,
    #[serde(rename = "x-kubernetes-validations")]
    validations: Vec<Value>,
}

impl Schema {
    /// Reads the node `json` found at `path` (for error messages) and everything below it.
    pub fn parse(json: &Value, path: &str) -> Result<Self, SchemaError> {
        let k: Keywords =
            serde_json::from_value(json.clone()).map_err(|source| SchemaError::Malformed {
                path: path.to_owned(),
                source,
            })?;
        let type_name = k.type_name.clone().unwrap_or_default();
        let types = if k.int_or_string {
            vec!["integer".to_owned(), "string".to_owned()]
        } else {
            k.type_name.into_iter().collect()
        };
        let children = |list: &[Value], keyword: &str| -> Result<Vec<Schema>, SchemaError> {
            list.iter()
                .enumerate()
                .map(|(i, c)| Schema::parse(c, &format!("{path}.{keyword}[{i}]")))
                .collect()
        };
        let child = |node: &Value, keyword: &str| -> Result<Box<Schema>, SchemaError> {
            Ok(Box::new(Schema::parse(node, &format!("{path}.{keyword}"))?))
        };
        let items = match &k.items {
            Some(Value::Array(_)) => {
                return Err(SchemaError::TupleItems {
                    path: path.to_owned(),
                });
            }
            Some(node) => Some(child(node, "items")?),
            None => None,
        };
        let additional = match &k.additional_properties {
            Some(Value::Bool(allows)) => Some(Additional::Allows(*allows)),
            Some(node) => Some(Additional::Schema(child(node, "additionalProperties")?)),
            None => None,
        };
        let properties = k
            .properties
            .iter()
            .map(|(name, node)| {
                Ok((
                    name.clone(),
                    Schema::parse(node, &format!("{path}.properties.{name}"))?,
                ))
            })
            .collect::<Result<_, SchemaError>>()?;
        let mut rules = Vec::new();
        if !k.validations.is_empty() {
            rules.push(Rules::compile(json, &k.validations, &type_name));
        }
        for branch in &k.all_of {
            match branch.get("x-kubernetes-validations") {
                Some(Value::Array(branch_rules)) if !branch_rules.is_empty() => {
                    rules.push(Rules::compile(json, branch_rules, &type_name));
                }
                _ => {}
            }
        }
        Ok(Self {
            types,
            nullable: k.nullable,
            format: k.format.as_deref().and_then(Format::supported),
            enumeration: k.enumeration,
            pattern: k.pattern.as_deref().map(Pattern::new),
            max_length: k.max_length,
            min_length: k.min_length,
            maximum: k.maximum,
            exclusive_maximum: k.exclusive_maximum,
            minimum: k.minimum,
            exclusive_minimum: k.exclusive_minimum,
            multiple_of: k.multiple_of,
            max_items: k.max_items,
            min_items: k.min_items,
            unique_items: k.unique_items,
            max_properties: k.max_properties,
            min_properties: k.min_properties,
            required: k.required,
            properties,
            additional,
            items,
            all_of: children(&k.all_of, "allOf")?,
            one_of: children(&k.one_of, "oneOf")?,
            any_of: children(&k.any_of, "anyOf")?,
            not: k.not.as_ref().map(|n| child(n, "not")).transpose()?,
            list: match k.list_type.as_deref() {
                Some("set") => ListType::Set,
                Some("map") => ListType::Map(k.list_map_keys),
                _ => ListType::Atomic,
            },
            atomic_map: k.map_type.as_deref() == Some("atomic"),
            embedded: k.embedded_resource,
            default: k.default,
            rules,
        })
    }

    /// Whether this node or one below it has CEL rules.
    pub fn has_rules(&self) -> bool {
        !self.rules.is_empty()
            || self.properties.values().any(Schema::has_rules)
            || self.items.as_ref().is_some_and(|s| s.has_rules())
            || matches!(&self.additional, Some(Additional::Schema(s)) if s.has_rules())
    }

    /// The schema of property `name`: from `properties`, else `additionalProperties`.
    pub fn field(&self, name: &str) -> Option<&Schema> {
        self.properties.get(name).or(match &self.additional {
            Some(Additional::Schema(s)) => Some(s),
            _ => None,
        })
    }
}
