//! Table and column names from user input: validated, then always quoted.

use super::error::SyncError;

/// PostgreSQL truncates identifiers longer than this (NAMEDATALEN - 1).
const MAX_IDENTIFIER_BYTES: usize = 63;

/// A target table, `table` or `schema.table`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableName {
    /// The schema (PostgreSQL) or attached database (SQLite), when given.
    pub schema: Option<String>,
    /// The table.
    pub table: String,
}

impl TableName {
    /// Parses and validates `table` or `schema.table`.
    pub fn parse(text: &str) -> Result<Self, SyncError> {
        let mut parts = text.split('.');
        let (first, second) = (parts.next().unwrap_or_default(), parts.next());
        if parts.next().is_some() {
            return Err(invalid(
                "table",
                text,
                "use `table` or `schema.table` (one dot at most)",
            ));
        }
        let (schema, table) = match second {
            Some(table) => (Some(first), table),
            None => (None, first),
        };
        if let Some(schema) = schema {
            check("table", schema).map_err(|reason| invalid("table", text, reason))?;
        }
        check("table", table).map_err(|reason| invalid("table", text, reason))?;
        Ok(Self {
            schema: schema.map(str::to_owned),
            table: table.to_owned(),
        })
    }

    /// The quoted, qualified name for SQL.
    pub fn quoted(&self) -> String {
        match &self.schema {
            Some(schema) => format!("{}.{}", quote(schema), quote(&self.table)),
            None => quote(&self.table),
        }
    }
}

impl std::fmt::Display for TableName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.schema {
            Some(schema) => write!(f, "{schema}.{}", self.table),
            None => f.write_str(&self.table),
        }
    }
}

/// Validates a column name.
pub fn check_column(name: &str) -> Result<(), SyncError> {
    check("column", name).map_err(|reason| invalid("column", name, reason))
}

fn check(_what: &str, name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("it is empty");
    }
    if name.len() > MAX_IDENTIFIER_BYTES {
        return Err("it is longer than 63 bytes");
    }
    if name.chars().any(char::is_control) {
        return Err("it contains a control character");
    }
    Ok(())
}

fn invalid(what: &'static str, name: &str, reason: &'static str) -> SyncError {
    SyncError::InvalidIdentifier {
        what,
        name: name.to_owned(),
        reason,
    }
}

/// Quotes an identifier: `"name"`, with embedded quotes doubled (same rule on both databases).
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_and_qualified_names() {
        assert_eq!(
            TableName::parse("forums").expect("valid").quoted(),
            "\"forums\""
        );
        let qualified = TableName::parse("app.Forums").expect("valid");
        assert_eq!(qualified.quoted(), "\"app\".\"Forums\"");
        assert_eq!(qualified.to_string(), "app.Forums");
    }

    #[test]
    fn quotes_injection_attempts_into_plain_identifiers() {
        let name =
            TableName::parse("x\"; DROP TABLE users; --").expect("printable names are valid");
        assert_eq!(name.quoted(), "\"x\"\"; DROP TABLE users; --\"");
    }

    #[test]
    fn rejects_what_cannot_be_an_identifier() {
        for bad in ["", "a.b.c", ".t", "t\u{0}", "line\nbreak", &"x".repeat(64)] {
            assert!(TableName::parse(bad).is_err(), "{bad:?}");
        }
        assert!(check_column("ok_name").is_ok());
        assert!(check_column("").is_err());
    }
}
