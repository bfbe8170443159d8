//! Turns a ConfigSync's tables into the sync engine's input: rows read and columns mapped.

use super::bundle::{Bundle, ResourceId};
use super::error::ManifestError;
use crate::api::{ConfigSyncSpec, RowsFormat, RowsFrom, SyncTableSpec};
use crate::sync::TableSync;

type Row = serde_json::Map<String, serde_json::Value>;

/// Every table of the spec with its rows keyed by database column name.
pub fn sync_tables(
    spec: &ConfigSyncSpec,
    id: &ResourceId,
    bundle: &Bundle,
) -> Result<Vec<TableSync>, ManifestError> {
    spec.tables
        .iter()
        .enumerate()
        .map(|(index, table)| {
            let at = format!("spec.tables[{index}] ({})", table.table);
            let invalid = |message: String| ManifestError::InvalidSpec {
                resource: id.to_string(),
                message: format!("{at}: {message}"),
            };
            let (rows, text_source) = match (&table.rows, &table.rows_from) {
                (Some(rows), None) => (rows.clone(), false),
                (None, Some(from)) => rows_from_config_map(from, id, bundle).map_err(invalid)?,
                _ => return Err(invalid("give exactly one of rows or rowsFrom".into())),
            };
            Ok(map_columns(table, rows, text_source))
        })
        .collect()
}

/// Applies the column mapping: `columns` (column → field) when given, else same-named fields.
fn map_columns(table: &SyncTableSpec, rows: Vec<Row>, text_source: bool) -> TableSync {
    let field_of = |column: &str| -> String {
        table
            .columns
            .get(column)
            .cloned()
            .unwrap_or_else(|| column.to_owned())
    };
    let columns: Vec<String> = if table.columns.is_empty() {
        let mut seen = Vec::new();
        for row in &rows {
            for field in row.keys() {
                if !table.key_columns.contains(field) && !seen.contains(field) {
                    seen.push(field.clone());
                }
            }
        }
        seen
    } else {
        table
            .columns
            .keys()
            .filter(|c| !table.key_columns.contains(c))
            .cloned()
            .collect()
    };
    let mapped = rows
        .into_iter()
        .map(|row| {
            table
                .key_columns
                .iter()
                .chain(&columns)
                .filter_map(|column| {
                    row.get(&field_of(column))
                        .map(|value| (column.clone(), value.clone()))
                })
                .collect()
        })
        .collect();
    TableSync {
        table: table.table.clone(),
        key_columns: table.key_columns.clone(),
        columns,
        rows: mapped,
        text_source,
        mode: table.mode,
    }
}

/// Reads rows from a ConfigMap key; returns them and whether every value is text (CSV).
fn rows_from_config_map(
    from: &RowsFrom,
    id: &ResourceId,
    bundle: &Bundle,
) -> Result<(Vec<Row>, bool), String> {
    let text = bundle.config_map_text(&id.namespace, &from.config_map, &from.key)?;
    let format = match from.format {
        Some(format) => format,
        None => format_of_key(&from.key).ok_or_else(|| {
            format!("cannot tell the format of key `{}` from its extension; set rowsFrom.format to yaml, json or csv", from.key)
        })?,
    };
    let source = format!(
        "ConfigMap {}/{} key {}",
        id.namespace, from.config_map, from.key
    );
    if format == RowsFormat::Csv {
        return parse_csv(text)
            .map(|rows| (rows, true))
            .map_err(|e| format!("{source}: {e}"));
    }
    let document: serde_json::Value = match format {
        RowsFormat::Json => {
            serde_json::from_str(text).map_err(|e| format!("{source}: invalid JSON: {e}"))?
        }
        _ => serde_yaml::from_str(text).map_err(|e| format!("{source}: invalid YAML: {e}"))?,
    };
    let list = match &from.path {
        Some(path) => path
            .split('.')
            .try_fold(&document, |value, field| value.get(field))
            .ok_or_else(|| format!("{source}: no `{path}` in the document"))?,
        None => &document,
    };
    let items = list.as_array().ok_or_else(|| {
        format!(
            "{source}: expected a list of rows{}",
            from.path
                .as_ref()
                .map(|p| format!(" at `{p}`"))
                .unwrap_or_default()
        )
    })?;
    items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            item.as_object().cloned().ok_or_else(|| {
                format!(
                    "{source}: row {} is not an object of field: value",
                    index + 1
                )
            })
        })
        .collect::<Result<Vec<Row>, String>>()
        .map(|rows| (rows, false))
}

fn format_of_key(key: &str) -> Option<RowsFormat> {
    // Case-sensitive, as the CRD's CEL rule on rowsFrom is.
    match key.rsplit_once('.')?.1 {
        "yaml" | "yml" => Some(RowsFormat::Yaml),
        "json" => Some(RowsFormat::Json),
        "csv" => Some(RowsFormat::Csv),
        _ => None,
    }
}

fn parse_csv(text: &str) -> Result<Vec<Row>, String> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| format!("invalid CSV header: {e}"))?
        .clone();
    reader
        .records()
        .map(|record| {
            let record = record.map_err(|e| format!("invalid CSV: {e}"))?;
            Ok(headers
                .iter()
                .zip(record.iter())
                .map(|(field, value)| {
                    (
                        field.to_owned(),
                        serde_json::Value::String(value.to_owned()),
                    )
                })
                .collect())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::json;

    use super::*;
    use crate::manifest::bundle::ResourceKind;
    use crate::manifest::read::parse_stream;

    fn tables(yaml: &str) -> Result<Vec<TableSync>, ManifestError> {
        let docs = parse_stream(yaml, "m.yaml", Path::new(".")).expect("yaml");
        let bundle = Bundle::from_documents(docs, "default").expect("bundle");
        let id = ResourceId {
            kind: ResourceKind::ConfigSync,
            namespace: "default".into(),
            name: "s".into(),
        };
        sync_tables(&bundle.syncs[0].object.spec, &id, &bundle)
    }

    const HEAD: &str = "apiVersion: dbmigrate.dev/v1alpha1\nkind: ConfigSync\nmetadata: {name: s}\nspec:\n  database: {urlSecretRef: {name: db, key: url}}\n  tables:\n";

    #[test]
    fn maps_fields_to_columns() {
        let yaml = format!(
            "{HEAD}  - table: forums\n    keyColumns: [id]\n    columns: {{id: key, title: label}}\n    rows: [{{key: 1, label: General, ignored: x}}]\n"
        );
        let table = &tables(&yaml).expect("valid")[0];
        assert_eq!(table.columns, ["title"]);
        assert_eq!(
            serde_json::Value::Object(table.rows[0].clone()),
            json!({"id": 1, "title": "General"})
        );
    }

    #[test]
    fn reads_csv_json_and_yaml_with_a_path() {
        let yaml = format!(
            "{HEAD}  - table: a\n    keyColumns: [id]\n    rowsFrom: {{configMap: cfg, key: a.csv}}\n  - table: b\n    keyColumns: [id]\n    rowsFrom: {{configMap: cfg, key: b.json}}\n  - table: c\n    keyColumns: [id]\n    rowsFrom: {{configMap: cfg, key: c.yaml, path: forum.list}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cfg}}\ndata:\n  a.csv: \"id,name\\n1,x\\n2,y\\n\"\n  b.json: '[{{\"id\": 1, \"on\": true}}]'\n  c.yaml: \"forum:\\n  list:\\n  - id: 7\\n\"\n"
        );
        let tables = tables(&yaml).expect("valid");
        assert!(tables[0].text_source && tables[0].rows.len() == 2);
        assert_eq!(tables[0].rows[1]["name"], json!("y"));
        assert_eq!(tables[1].rows[0]["on"], json!(true));
        assert_eq!(tables[2].rows[0]["id"], json!(7));
    }

    #[test]
    fn explains_bad_row_sources() {
        let yaml = format!(
            "{HEAD}  - table: a\n    keyColumns: [id]\n    rowsFrom: {{configMap: cfg, key: rows.txt, format: yaml}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cfg}}\ndata: {{rows.txt: x}}\n"
        );
        let error = tables(&yaml).expect_err("not a list").to_string();
        assert!(
            error.contains("spec.tables[0] (a)") && error.contains("expected a list of rows"),
            "{error}"
        );
        // Without a format the extension decides (the CRD's CEL rule requires one otherwise).
        assert_eq!(
            format_of_key("forums.YAML"),
            None,
            "extensions are case-sensitive"
        );
        assert_eq!(format_of_key("themes.json"), Some(RowsFormat::Json));
        let yaml = format!(
            "{HEAD}  - table: a\n    keyColumns: [id]\n    rowsFrom: {{configMap: missing, key: r.yaml}}\n"
        );
        assert!(
            tables(&yaml)
                .expect_err("missing")
                .to_string()
                .contains("ConfigMap default/missing not found")
        );
    }
}
