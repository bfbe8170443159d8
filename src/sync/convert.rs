//! Column types as the database reports them, and the conversion of config values to them.

use serde_json::Value;

/// What a column holds, as far as conversion from YAML/JSON/CSV cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnType {
    /// text, varchar, char, and SQLite TEXT affinity.
    Text,
    /// An integer type with its range.
    Integer {
        /// Name for messages (`bigint`).
        name: &'static str,
        /// Smallest value.
        min: i64,
        /// Largest value.
        max: i64,
    },
    /// boolean (stored as 0/1 on SQLite).
    Boolean,
    /// numeric, decimal, real, double precision.
    Numeric,
    /// timestamp, timestamptz, date, time.
    Temporal,
    /// json, jsonb.
    Json,
    /// A PostgreSQL array of an element type.
    Array(Box<ColumnType>),
    /// Anything else (uuid, inet, enums, …): given as a string, checked by the database.
    Other(String),
}

impl ColumnType {
    /// From PostgreSQL's `format_type()` (e.g. `character varying(20)`, `integer[]`).
    pub fn from_postgres(name: &str) -> Self {
        if let Some(element) = name.strip_suffix("[]") {
            return Self::Array(Box::new(Self::from_postgres(element)));
        }
        let base = name.split('(').next().unwrap_or(name).trim();
        match base {
            "text" | "character varying" | "character" | "name" | "citext" => Self::Text,
            "smallint" => Self::integer("smallint", i16::MIN.into(), i16::MAX.into()),
            "integer" => Self::integer("integer", i32::MIN.into(), i32::MAX.into()),
            "bigint" => Self::integer("bigint", i64::MIN, i64::MAX),
            "boolean" => Self::Boolean,
            "numeric" | "real" | "double precision" | "money" => Self::Numeric,
            "json" | "jsonb" => Self::Json,
            other
                if other.starts_with("timestamp")
                    || other.starts_with("time")
                    || other == "date" =>
            {
                Self::Temporal
            }
            other => Self::Other(other.to_owned()),
        }
    }

    /// From an SQLite declared type, by SQLite's affinity rules (plus BOOL, DATE/TIME, JSON).
    pub fn from_sqlite(declared: &str) -> Self {
        let upper = declared.to_ascii_uppercase();
        if upper.contains("INT") {
            Self::integer("bigint", i64::MIN, i64::MAX)
        } else if upper.contains("BOOL") {
            Self::Boolean
        } else if upper.contains("JSON") {
            Self::Json
        } else if upper.contains("CHAR") || upper.contains("CLOB") || upper.contains("TEXT") {
            Self::Text
        } else if upper.contains("DATE") || upper.contains("TIME") {
            Self::Temporal
        } else if ["REAL", "FLOA", "DOUB", "NUM", "DEC"]
            .iter()
            .any(|t| upper.contains(t))
        {
            Self::Numeric
        } else if upper.is_empty() {
            Self::Other("any".into())
        } else {
            Self::Other(declared.to_owned())
        }
    }

    fn integer(name: &'static str, min: i64, max: i64) -> Self {
        Self::Integer { name, min, max }
    }

    /// The type's name for messages.
    pub fn describe(&self) -> String {
        match self {
            Self::Text => "text".into(),
            Self::Integer { name, .. } => (*name).into(),
            Self::Boolean => "boolean (true or false)".into(),
            Self::Numeric => "a number".into(),
            Self::Temporal => {
                "a date/time string such as 2024-05-01 or 2024-05-01T12:00:00Z".into()
            }
            Self::Json => "JSON".into(),
            Self::Array(element) => format!("a list of {}", element.describe()),
            Self::Other(name) => format!("{name} (as a string)"),
        }
    }
}

/// Converts a config value to what the column takes, or says what was found instead.
/// `text_source` (CSV): every value is a string, parsed per the column's type.
pub fn convert(value: &Value, column: &ColumnType, text_source: bool) -> Result<Value, String> {
    let found = || found(value);
    match (column, value) {
        (_, Value::Null) => Ok(Value::Null),
        // CSV cannot spell null: an empty cell is NULL for every column but text.
        (column, Value::String(s))
            if text_source && s.is_empty() && *column != ColumnType::Text =>
        {
            Ok(Value::Null)
        }
        (ColumnType::Text, Value::String(_)) => Ok(value.clone()),
        (ColumnType::Text, Value::Object(_) | Value::Array(_)) => {
            Ok(Value::String(value.to_string()))
        }
        (ColumnType::Text, Value::Number(_) | Value::Bool(_)) => Err(format!(
            "{}; quote it in the config to store it as text",
            found()
        )),
        (ColumnType::Integer { min, max, .. }, _) => {
            let number = match value {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.trim().parse::<i64>().ok(),
                _ => None,
            };
            match number {
                Some(n) if (*min..=*max).contains(&n) => Ok(Value::from(n)),
                Some(n) => Err(format!("{n}, which is out of range")),
                None => Err(found()),
            }
        }
        (ColumnType::Boolean, Value::Bool(_)) => Ok(value.clone()),
        (ColumnType::Boolean, Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "t" | "1" => Ok(Value::Bool(true)),
            "false" | "f" | "0" => Ok(Value::Bool(false)),
            _ => Err(found()),
        },
        (ColumnType::Numeric, Value::Number(_)) => Ok(value.clone()),
        (ColumnType::Numeric, Value::String(s)) if is_decimal(s.trim()) => {
            Ok(Value::String(s.trim().to_owned()))
        }
        (ColumnType::Temporal, Value::String(s)) if looks_temporal(s.trim()) => {
            Ok(Value::String(s.trim().to_owned()))
        }
        (ColumnType::Json, Value::String(s)) if text_source => {
            serde_json::from_str(s).map_err(|e| format!("text that is not JSON ({e})"))
        }
        (ColumnType::Json, _) => Ok(value.clone()),
        (ColumnType::Array(element), Value::Array(items)) => items
            .iter()
            .map(|item| convert(item, element, text_source))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array)
            .map_err(|e| format!("a list with an element that is {e}")),
        (ColumnType::Array(_), Value::String(s))
            if text_source && s.trim_start().starts_with('[') =>
        {
            let parsed: Value = serde_json::from_str(s)
                .map_err(|e| format!("text that is not a JSON list ({e})"))?;
            convert(&parsed, column, false)
        }
        (ColumnType::Other(_), Value::String(_)) => Ok(value.clone()),
        _ => Err(found()),
    }
}

fn found(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) => format!("number {n}"),
        Value::String(s) => format!("string {s:?}"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

fn is_decimal(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match digits.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e.strip_prefix(['-', '+']).unwrap_or(e))),
        None => (digits, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    !(whole.is_empty() && fraction.is_empty())
        && all_digits(whole)
        && all_digits(fraction)
        && exponent.is_none_or(|e| !e.is_empty() && all_digits(e))
}

fn looks_temporal(text: &str) -> bool {
    let bytes = text.as_bytes();
    let date = bytes.len() >= 10
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && bytes[5..7].iter().all(u8::is_ascii_digit)
        && bytes[7] == b'-'
        && bytes[8..10].iter().all(u8::is_ascii_digit);
    let time = bytes.len() >= 5 && bytes[..2].iter().all(u8::is_ascii_digit) && bytes[2] == b':';
    date || time
}

/// Renders a row's key for messages: `slug=general` or `id=3,locale=en`.
pub fn render_key(row: &serde_json::Map<String, Value>, key_columns: &[String]) -> String {
    key_columns
        .iter()
        .map(|column| {
            let value = match row.get(column) {
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => "<missing>".into(),
            };
            format!("{column}={value}")
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn maps_postgres_and_sqlite_type_names() {
        assert_eq!(
            ColumnType::from_postgres("character varying(20)"),
            ColumnType::Text
        );
        assert_eq!(
            ColumnType::from_postgres("integer[]"),
            ColumnType::Array(Box::new(ColumnType::from_postgres("integer")))
        );
        assert_eq!(
            ColumnType::from_postgres("timestamp with time zone"),
            ColumnType::Temporal
        );
        assert_eq!(
            ColumnType::from_postgres("uuid"),
            ColumnType::Other("uuid".into())
        );
        assert_eq!(
            ColumnType::from_sqlite("BIGINT"),
            ColumnType::from_postgres("bigint")
        );
        assert_eq!(ColumnType::from_sqlite("BOOLEAN"), ColumnType::Boolean);
        assert_eq!(ColumnType::from_sqlite("TIMESTAMPTZ"), ColumnType::Temporal);
        assert_eq!(
            ColumnType::from_sqlite("DECIMAL(10,2)"),
            ColumnType::Numeric
        );
    }

    #[test]
    fn converts_typed_and_csv_values() {
        let int = ColumnType::from_postgres("integer");
        assert_eq!(convert(&json!(5), &int, false), Ok(json!(5)));
        assert_eq!(convert(&json!(" 42 "), &int, true), Ok(json!(42)));
        assert!(
            convert(&json!(3_000_000_000_i64), &int, false)
                .expect_err("range")
                .contains("out of range")
        );
        assert_eq!(
            convert(&json!("TRUE"), &ColumnType::Boolean, true),
            Ok(json!(true))
        );
        assert_eq!(
            convert(&json!({"a": 1}), &ColumnType::Text, false),
            Ok(json!("{\"a\":1}"))
        );
        assert!(
            convert(&json!(1.0), &ColumnType::Text, false)
                .expect_err("quote")
                .contains("quote it")
        );
        assert_eq!(
            convert(&json!("1.50"), &ColumnType::Numeric, true),
            Ok(json!("1.50"))
        );
        assert!(convert(&json!("1.5.0"), &ColumnType::Numeric, true).is_err());
        assert_eq!(
            convert(&json!("{\"x\": [1]}"), &ColumnType::Json, true),
            Ok(json!({"x": [1]}))
        );
        assert_eq!(
            convert(&json!("{\"x\": [1]}"), &ColumnType::Json, false),
            Ok(json!("{\"x\": [1]}"))
        );
        let tags = ColumnType::from_postgres("text[]");
        assert_eq!(
            convert(&json!(["a", "b"]), &tags, false),
            Ok(json!(["a", "b"]))
        );
        assert_eq!(convert(&json!("[\"a\"]"), &tags, true), Ok(json!(["a"])));
        assert!(
            convert(&json!([1]), &tags, false)
                .expect_err("element")
                .contains("number 1")
        );
        assert!(convert(&json!("yesterday"), &ColumnType::Temporal, false).is_err());
        assert_eq!(convert(&json!(null), &int, false), Ok(json!(null)));
        assert_eq!(
            convert(&json!(""), &int, true),
            Ok(json!(null)),
            "an empty CSV cell is NULL"
        );
        assert_eq!(convert(&json!(""), &ColumnType::Text, true), Ok(json!("")));
    }

    #[test]
    fn renders_keys() {
        let row = json!({"id": 3, "locale": "en"});
        let row = row.as_object().expect("object");
        assert_eq!(
            render_key(row, &["id".into(), "locale".into()]),
            "id=3,locale=en"
        );
    }
}
