//! Desired rows checked against the table's columns and converted to their types.

use std::collections::HashMap;

use serde_json::Value;

use super::TableSync;
use super::convert::{ColumnType, convert, render_key};
use super::error::SyncError;
use super::ident::{TableName, check_column};

/// A column of the target table, as introspected.
#[derive(Debug, Clone)]
pub struct ColumnInfo {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: ColumnType,
    /// The type as the database spells it (SQLite's declared type).
    pub declared: String,
    /// Whether it is `NOT NULL`.
    pub not_null: bool,
}

/// One table's desired rows, ready to load: values in `columns` order.
#[derive(Debug)]
pub struct DesiredRows {
    /// Key columns first, then the managed columns.
    pub columns: Vec<ColumnInfo>,
    /// How many leading columns are the key.
    pub key_len: usize,
    /// Converted values, one vector per row.
    pub rows: Vec<Vec<Value>>,
    /// Each row's key for messages (`id=3`).
    pub keys: Vec<String>,
}

impl DesiredRows {
    /// The key columns.
    pub fn key_columns(&self) -> &[ColumnInfo] {
        &self.columns[..self.key_len]
    }

    /// The managed non-key columns.
    pub fn value_columns(&self) -> &[ColumnInfo] {
        &self.columns[self.key_len..]
    }
}

/// Checks names against the table, then converts every row; errors name row key and column.
pub fn desired_rows(
    table: &TableSync,
    name: &TableName,
    available: &[ColumnInfo],
) -> Result<DesiredRows, SyncError> {
    let find = |column: &str| -> Result<ColumnInfo, SyncError> {
        check_column(column)?;
        available
            .iter()
            .find(|c| c.name == column)
            .cloned()
            .ok_or_else(|| SyncError::ColumnNotFound {
                table: name.to_string(),
                column: column.to_owned(),
                available: available
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    };
    let mut columns = Vec::new();
    for column in table.key_columns.iter().chain(
        table
            .columns
            .iter()
            .filter(|c| !table.key_columns.contains(c)),
    ) {
        if !columns.iter().any(|c: &ColumnInfo| &c.name == column) {
            columns.push(find(column)?);
        }
    }
    let key_len = table.key_columns.len();
    let mut seen: HashMap<String, usize> = HashMap::with_capacity(table.rows.len());
    let mut rows = Vec::with_capacity(table.rows.len());
    let mut keys = Vec::with_capacity(table.rows.len());
    for (index, row) in table.rows.iter().enumerate() {
        let row_key = render_key(row, &table.key_columns);
        let mut values = Vec::with_capacity(columns.len());
        for (position, column) in columns.iter().enumerate() {
            let raw = row.get(&column.name).unwrap_or(&Value::Null);
            if position < key_len && raw.is_null() {
                return Err(SyncError::MissingKeyValue {
                    table: name.to_string(),
                    row: index + 1,
                    column: column.name.clone(),
                });
            }
            let mismatch = |found: String| SyncError::TypeMismatch {
                table: name.to_string(),
                row_key: row_key.clone(),
                column: column.name.clone(),
                expected: column.ty.describe(),
                found,
            };
            let value = convert(raw, &column.ty, table.text_source).map_err(mismatch)?;
            if value.is_null() && column.not_null {
                return Err(SyncError::TypeMismatch {
                    table: name.to_string(),
                    row_key: row_key.clone(),
                    column: column.name.clone(),
                    expected: format!("{} (the column is NOT NULL)", column.ty.describe()),
                    found: "no value (give the row this field, or stop managing the column)".into(),
                });
            }
            values.push(value);
        }
        let canonical = Value::Array(values[..key_len].to_vec()).to_string();
        if let Some(first) = seen.insert(canonical, index + 1) {
            return Err(SyncError::DuplicateRowKey {
                table: name.to_string(),
                row_key,
                first,
                second: index + 1,
            });
        }
        rows.push(values);
        keys.push(row_key);
    }
    Ok(DesiredRows {
        columns,
        key_len,
        rows,
        keys,
    })
}
