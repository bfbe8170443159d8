//! Server-side Tables (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`), what
//! `kubectl get` prints. Built-in kinds follow `pkg/printers/internalversion/printers.go`
//! (Kubernetes 1.33, rendered with `Wide: true` as the API server does); custom resources follow
//! the apiextensions-apiserver `tableconvertor`; CustomResourceDefinitions use the generic
//! `rest.NewDefaultTableConvertor` (Name, Created At). Row objects follow `includeObject` as
//! `handlers.asTable` does.

mod builtin;
#[cfg(test)]
mod builtin_tests;
mod descriptions;
mod format;
mod jsonpath;
mod pod;
#[cfg(test)]
mod tests;

use serde::Deserialize;
use serde_json::{Map, Value, json};

pub use format::{human_duration, short_human_duration};
pub use jsonpath::{EvalError, JsonPath};

/// Why a query value or a JSONPath was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TableError {
    /// `includeObject` was none of `None`, `Metadata`, `Object`.
    #[error("unrecognized includeObject value: {0:?}")]
    IncludeObject(String),
    /// A printer column's JSONPath does not parse.
    #[error("unrecognized column definition {path:?}: {reason}")]
    JsonPath {
        /// The expression as written.
        path: String,
        /// What the parser stopped at.
        reason: String,
    },
}

/// A CRD's additionalPrinterColumns entry (deserialize from the CRD JSON, camelCase: name, type, format, description, priority, jsonPath).
#[derive(Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PrinterColumn {
    /// Column header.
    pub name: String,
    /// `integer`, `number`, `string`, `boolean` or `date`.
    #[serde(rename = "type")]
    pub column_type: String,
    /// OpenAPI format hint, passed through.
    pub format: Option<String>,
    /// Human description, passed through (a default is generated when absent).
    pub description: Option<String>,
    /// 0 for the default view, >0 for `-o wide` only.
    #[serde(default)]
    pub priority: i32,
    /// Kubernetes JSONPath of the cell value.
    pub json_path: String,
}

/// How objects of one resource print.
#[derive(Clone, Debug, PartialEq)]
pub enum Printer {
    /// A custom resource: its CRD's printer columns (empty: the default `Age` column).
    Columns(Vec<PrinterColumn>),
    /// A built-in kind with a dedicated printer.
    Builtin(Builtin),
}

/// The built-in kinds with dedicated printers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builtin {
    /// core/v1 Namespace.
    Namespace,
    /// core/v1 Secret.
    Secret,
    /// core/v1 ConfigMap.
    ConfigMap,
    /// core/v1 ServiceAccount.
    ServiceAccount,
    /// core/v1 Event (and events.k8s.io/v1, served by the same storage).
    Event,
    /// core/v1 Pod.
    Pod,
    /// batch/v1 Job.
    Job,
    /// coordination.k8s.io/v1 Lease.
    Lease,
    /// apiextensions.k8s.io/v1 CustomResourceDefinition.
    CustomResourceDefinition,
    /// core/v1 Node.
    Node,
}

impl Printer {
    /// The printer of `group`/`kind`: a built-in one when there is one, else the CRD's columns.
    pub fn for_kind(group: &str, kind: &str, crd_columns: Option<Vec<PrinterColumn>>) -> Printer {
        let builtin = match (group, kind) {
            ("", "Namespace") => Some(Builtin::Namespace),
            ("", "Secret") => Some(Builtin::Secret),
            ("", "ConfigMap") => Some(Builtin::ConfigMap),
            ("", "ServiceAccount") => Some(Builtin::ServiceAccount),
            ("" | "events.k8s.io", "Event") => Some(Builtin::Event),
            ("", "Pod") => Some(Builtin::Pod),
            ("batch", "Job") => Some(Builtin::Job),
            ("coordination.k8s.io", "Lease") => Some(Builtin::Lease),
            ("apiextensions.k8s.io", "CustomResourceDefinition") => {
                Some(Builtin::CustomResourceDefinition)
            }
            ("", "Node") => Some(Builtin::Node),
            _ => None,
        };
        builtin.map_or_else(
            || Printer::Columns(crd_columns.unwrap_or_default()),
            Printer::Builtin,
        )
    }
}

/// What each row's `object` holds, from the `includeObject` query parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum IncludeObject {
    /// No object.
    None,
    /// A `PartialObjectMetadata` (the default).
    #[default]
    Metadata,
    /// The whole object.
    Object,
}

impl IncludeObject {
    /// The parameter's value; absent, empty or unrecognized gives `Metadata` (see [`Self::parse`]).
    pub fn from_query(value: Option<&str>) -> Self {
        Self::parse(value).unwrap_or_default()
    }

    /// The parameter's value, refusing unknown ones as the real server does (400 Bad Request).
    pub fn parse(value: Option<&str>) -> Result<Self, TableError> {
        match value.unwrap_or_default() {
            "" | "Metadata" => Ok(Self::Metadata),
            "None" => Ok(Self::None),
            "Object" => Ok(Self::Object),
            other => Err(TableError::IncludeObject(other.to_owned())),
        }
    }
}

/// Everything besides the objects that a Table response carries.
#[derive(Clone, Debug)]
pub struct TableOptions<'a> {
    /// `meta.k8s.io/v1` or `meta.k8s.io/v1beta1`.
    pub api_version: &'a str,
    /// What each row's `object` holds.
    pub include_object: IncludeObject,
    /// False for watch events after the first (the real server then sends `columnDefinitions: null`).
    pub column_definitions: bool,
    /// The list's (or the single object's) resourceVersion.
    pub resource_version: &'a str,
    /// The list's continue token.
    pub continue_token: Option<&'a str>,
    /// The clock ages and durations are measured against.
    pub now: time::OffsetDateTime,
}

/// One column definition, as `metav1.TableColumnDefinition` serializes.
pub(crate) fn column(
    name: &str,
    column_type: &str,
    format: &str,
    description: &str,
    priority: i32,
) -> Value {
    json!({"name": name, "type": column_type, "format": format, "description": description, "priority": priority})
}

/// One row before its `object` is attached.
pub(crate) struct Row {
    /// The cells, one per column.
    pub cells: Vec<Value>,
    /// `metav1.TableRowCondition`s (pods that completed).
    pub conditions: Option<Value>,
}

impl From<Vec<Value>> for Row {
    fn from(cells: Vec<Value>) -> Self {
        Row {
            cells,
            conditions: None,
        }
    }
}

/// A meta.k8s.io Table of `objects` (each a full object with apiVersion/kind/metadata).
pub fn render(printer: &Printer, objects: &[Value], options: &TableOptions) -> Value {
    let (columns, rows): (Vec<Value>, Vec<Row>) = match printer {
        Printer::Builtin(kind) => builtin::render(*kind, objects, options.now),
        Printer::Columns(columns) => {
            let convertor = CustomColumns::new(columns);
            (
                convertor.definitions(),
                objects
                    .iter()
                    .map(|o| convertor.row(o, options.now))
                    .collect(),
            )
        }
    };
    let rows: Vec<Value> = objects
        .iter()
        .zip(rows)
        .map(|(object, row)| {
            let mut out = Map::new();
            out.insert("cells".to_owned(), Value::Array(row.cells));
            if let Some(conditions) = row.conditions {
                out.insert("conditions".to_owned(), conditions);
            }
            match options.include_object {
                IncludeObject::None => {
                    // RawExtension{} marshals as null; the field is not omitted.
                    out.insert("object".to_owned(), Value::Null);
                }
                IncludeObject::Object => {
                    out.insert("object".to_owned(), object.clone());
                }
                IncludeObject::Metadata => {
                    let partial = json!({
                        "kind": "PartialObjectMetadata",
                        "apiVersion": options.api_version,
                        "metadata": object.get("metadata").cloned().unwrap_or_else(|| json!({})),
                    });
                    out.insert("object".to_owned(), partial);
                }
            }
            Value::Object(out)
        })
        .collect();
    let mut metadata = Map::new();
    if !options.resource_version.is_empty() {
        metadata.insert(
            "resourceVersion".to_owned(),
            options.resource_version.into(),
        );
    }
    if let Some(token) = options.continue_token.filter(|t| !t.is_empty()) {
        metadata.insert("continue".to_owned(), token.into());
    }
    json!({
        "kind": "Table",
        "apiVersion": options.api_version,
        "metadata": metadata,
        "columnDefinitions": if options.column_definitions { Value::Array(columns) } else { Value::Null },
        "rows": rows,
    })
}

/// The apiextensions-apiserver `tableconvertor` for one CRD version's printer columns.
struct CustomColumns {
    headers: Vec<Value>,
    columns: Vec<(String, JsonPath)>,
}

impl CustomColumns {
    fn new(crd_columns: &[PrinterColumn]) -> Self {
        let default_age;
        let crd_columns = if crd_columns.is_empty() {
            // apiextensions' serveDefaultColumnsIfEmpty.
            default_age = [PrinterColumn {
                name: "Age".to_owned(),
                column_type: "date".to_owned(),
                format: None,
                description: Some(descriptions::CREATED.to_owned()),
                priority: 0,
                json_path: ".metadata.creationTimestamp".to_owned(),
            }];
            &default_age[..]
        } else {
            crd_columns
        };
        let mut headers = vec![column("Name", "string", "name", descriptions::NAME, 0)];
        let mut columns = Vec::new();
        for col in crd_columns {
            // tableconvertor.New stops at the first column that does not parse, keeping the earlier ones.
            let Ok(path) = JsonPath::parse(&col.json_path) else {
                break;
            };
            let description = match col.description.as_deref() {
                Some(d) if !d.is_empty() => d.to_owned(),
                _ => format!(
                    "Custom resource definition column (in JSONPath format): {}",
                    col.json_path
                ),
            };
            let fmt = col.format.as_deref().unwrap_or_default();
            headers.push(column(
                &col.name,
                &col.column_type,
                fmt,
                &description,
                col.priority,
            ));
            columns.push((col.column_type.clone(), path));
        }
        CustomColumns { headers, columns }
    }

    fn definitions(&self) -> Vec<Value> {
        self.headers.clone()
    }

    fn row(&self, object: &Value, now: time::OffsetDateTime) -> Row {
        let mut cells = vec![Value::from(
            object["metadata"]["name"].as_str().unwrap_or_default(),
        )];
        for (column_type, path) in &self.columns {
            let cell = match path.find(object) {
                Ok(found) => match found.first() {
                    Some(value) if column_type == "string" => Value::String(format::go_text(value)),
                    Some(value) => typed_cell(column_type, value, now),
                    None => Value::Null,
                },
                Err(EvalError) => Value::Null,
            };
            cells.push(cell);
        }
        cells.into()
    }
}

/// `cellForJSONValue`: the cell of a non-string column, `null` when the value does not fit.
fn typed_cell(column_type: &str, value: &Value, now: time::OffsetDateTime) -> Value {
    match (column_type, value) {
        ("integer", Value::Number(n)) => match n.as_i64() {
            Some(i) => i.into(),
            None => (n.as_f64().unwrap_or_default() as i64).into(),
        },
        ("number", Value::Number(n)) => match n.as_i64() {
            Some(i) => i.into(),
            None => {
                let f = n.as_f64().unwrap_or_default();
                if f.fract() == 0.0 && f.abs() < 9e15 {
                    (f as i64).into()
                } else {
                    f.into()
                }
            }
        },
        ("boolean", Value::Bool(b)) => (*b).into(),
        ("date", Value::String(s)) => format::date_cell(s, now).into(),
        _ => Value::Null,
    }
}
