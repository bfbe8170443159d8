//! `-- dbmigrate: ...` directives in a script's leading comment lines.
//!
//! Recognised (several per line, separated by spaces, or one per line):
//! - `no-transaction` — run the script outside a transaction (`CREATE INDEX CONCURRENTLY`);
//! - `kind=schema` / `kind=data` — what the migration changes (default `schema`);
//! - `allow=<rule>[,<rule>…]` — silence these lint rules for this script.

use serde::Serialize;

/// Whether a migration changes the schema or the data (reporting and lint policy only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum MigrationKind {
    /// DDL: tables, columns, indexes, constraints.
    #[default]
    Schema,
    /// DML: backfills, data fixes, reference data.
    Data,
}

impl MigrationKind {
    /// The lowercase name stored in the history table.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Schema => "schema",
            Self::Data => "data",
        }
    }
}

/// Settings a script declares about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Directives {
    /// Run outside a transaction; a failure leaves the migration dirty.
    pub no_transaction: bool,
    /// Schema or data change.
    pub kind: MigrationKind,
    /// Lint rules this script opts out of.
    pub allow: Vec<String>,
}

/// A directive that could not be understood, with its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct DirectiveError {
    /// 1-based line of the directive.
    pub line: usize,
    /// What is wrong and what is accepted.
    pub message: String,
}

const PREFIX: &str = "dbmigrate:";

impl Directives {
    /// Reads directives from the comment lines (`--`) before the first SQL statement.
    pub fn parse(sql: &str) -> Result<Self, DirectiveError> {
        let mut directives = Self::default();
        for (index, line) in sql.lines().enumerate() {
            let trimmed = line.trim().trim_start_matches('\u{feff}');
            if trimmed.is_empty() {
                continue;
            }
            let Some(comment) = trimmed.strip_prefix("--") else {
                break;
            };
            let Some(body) = comment.trim().strip_prefix(PREFIX) else {
                continue;
            };
            for word in body.split_whitespace() {
                directives.apply(word).map_err(|message| DirectiveError {
                    line: index + 1,
                    message,
                })?;
            }
        }
        Ok(directives)
    }

    fn apply(&mut self, word: &str) -> Result<(), String> {
        match word.split_once('=') {
            None if word == "no-transaction" => self.no_transaction = true,
            Some(("kind", "schema")) => self.kind = MigrationKind::Schema,
            Some(("kind", "data")) => self.kind = MigrationKind::Data,
            Some(("kind", other)) => {
                return Err(format!(
                    "unknown kind `{other}` in `-- dbmigrate:` directive; use kind=schema or kind=data"
                ));
            }
            Some(("allow", rules)) => self.allow.extend(
                rules
                    .split(',')
                    .filter(|r| !r.is_empty())
                    .map(str::to_owned),
            ),
            _ => {
                return Err(format!(
                    "unknown `-- dbmigrate:` directive `{word}`; known: no-transaction, kind=schema|data, allow=<rule>[,<rule>]"
                ));
            }
        }
        Ok(())
    }

    /// Whether this script silences the lint rule with this name.
    pub fn allows(&self, rule: &str) -> bool {
        self.allow.iter().any(|r| r == rule)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_leading_directives_only() {
        let sql = "-- dbmigrate: no-transaction kind=data\n-- plain comment\n\
                   --dbmigrate: allow=ban-drop-column,adding-required-field\n\
                   CREATE INDEX CONCURRENTLY i ON t (c);\n-- dbmigrate: allow=late\n";
        let d = Directives::parse(sql).unwrap();
        assert!(d.no_transaction);
        assert_eq!(d.kind, MigrationKind::Data);
        assert_eq!(d.allow, ["ban-drop-column", "adding-required-field"]);
        assert!(!d.allows("late"));
    }

    #[test]
    fn unknown_directive_names_the_line() {
        let err = Directives::parse("\n-- dbmigrate: no-transactions\nSELECT 1;").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message.contains("no-transactions"), "{}", err.message);
    }
}
