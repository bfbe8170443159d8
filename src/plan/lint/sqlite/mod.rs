//! SQLite lint: a small rule set on `sqlparser`'s SQLite dialect, one rule per file.
//!
//! Scripts are split with [`split_statements`] and parsed one statement at a time; a statement
//! `sqlparser` cannot parse (SQLite syntax it lacks, such as `CREATE TRIGGER`) is skipped, not
//! reported. Findings point at the start of the statement.
//!
//! Rules see the whole script through [`ScriptContext`], so SQLite's own table-rebuild procedure
//! (`CREATE TABLE new_t …; INSERT INTO new_t SELECT … FROM t; DROP TABLE t; ALTER TABLE new_t
//! RENAME TO t`) and changes to tables the script itself creates are not reported.

mod adding_required_field;
mod ban_drop_column;
mod ban_drop_table;
mod renaming_column;
mod renaming_table;

use sqlparser::ast::{AlterTableOperation, ObjectName, Statement};
use sqlparser::dialect::SQLiteDialect;
use sqlparser::parser::Parser;

use super::finding::Violation;
use crate::source::{Statement as SourceStatement, split_statements};

/// What a rule found in one statement.
pub(super) struct Hit {
    /// What is wrong and what to do instead.
    pub message: String,
    /// A further hint.
    pub help: String,
}

/// One rule: its stable name and its check of one statement.
struct SqliteRule {
    name: &'static str,
    check: fn(&Statement, &ScriptContext<'_>) -> Option<Hit>,
}

const RULES: [SqliteRule; 5] = [
    SqliteRule {
        name: adding_required_field::NAME,
        check: adding_required_field::check,
    },
    SqliteRule {
        name: ban_drop_column::NAME,
        check: ban_drop_column::check,
    },
    SqliteRule {
        name: ban_drop_table::NAME,
        check: ban_drop_table::check,
    },
    SqliteRule {
        name: renaming_column::NAME,
        check: renaming_column::check,
    },
    SqliteRule {
        name: renaming_table::NAME,
        check: renaming_table::check,
    },
];

/// Names of every SQLite rule.
pub(super) fn rule_names() -> Vec<String> {
    RULES.iter().map(|rule| rule.name.to_owned()).collect()
}

/// Lints one script.
pub(super) fn lint(sql: &str) -> Vec<Violation> {
    let parsed: Vec<(usize, Statement)> = split_statements(sql)
        .iter()
        .filter_map(|statement| Some((statement.offset, parse(statement)?)))
        .collect();
    let introduced: Vec<(usize, Introduction)> = parsed
        .iter()
        .enumerate()
        .filter_map(|(index, (_, statement))| Introduction::of(statement).map(|i| (index, i)))
        .collect();
    let mut violations = Vec::new();
    for (index, (offset, statement)) in parsed.iter().enumerate() {
        let context = ScriptContext {
            introduced: &introduced,
            index,
        };
        for rule in &RULES {
            if let Some(hit) = (rule.check)(statement, &context) {
                violations.push(Violation {
                    rule: rule.name.to_owned(),
                    offset: *offset,
                    message: hit.message,
                    help: Some(hit.help),
                });
            }
        }
    }
    violations
}

/// The one statement a piece of the script holds, or `None` (logged) if `sqlparser` cannot
/// read it.
fn parse(statement: &SourceStatement<'_>) -> Option<Statement> {
    match Parser::parse_sql(&SQLiteDialect {}, statement.sql) {
        Ok(mut ast) if ast.len() == 1 => ast.pop(),
        Ok(ast) => {
            tracing::debug!(
                line = statement.line,
                count = ast.len(),
                "lint skips a piece that is not exactly one statement"
            );
            None
        }
        Err(error) => {
            tracing::debug!(
                line = statement.line,
                %error,
                "lint skips a statement sqlparser cannot parse"
            );
            None
        }
    }
}

/// A table name a statement brings into being.
#[derive(Debug)]
struct Introduction {
    table: String,
    by_rename: bool,
}

impl Introduction {
    fn of(statement: &Statement) -> Option<Self> {
        match statement {
            Statement::CreateTable(create) => Some(Self {
                table: table_key(&create.name),
                by_rename: false,
            }),
            Statement::AlterTable(alter) => alter.operations.iter().find_map(|op| match op {
                AlterTableOperation::RenameTable { table_name } => Some(Self {
                    table: table_key(renamed_to(table_name)),
                    by_rename: true,
                }),
                _ => None,
            }),
            _ => None,
        }
    }
}

/// Where a statement stands in its script: which tables the script makes before and after it.
pub(super) struct ScriptContext<'a> {
    introduced: &'a [(usize, Introduction)],
    index: usize,
}

impl ScriptContext<'_> {
    /// Whether an earlier statement of this script created the table (or renamed one into it):
    /// no running application code depends on it yet.
    pub fn new_in_script(&self, table: &ObjectName) -> bool {
        let key = table_key(table);
        self.introduced
            .iter()
            .any(|(index, i)| *index < self.index && i.table == key)
    }

    /// Whether a later statement renames another table into this name (the rebuild procedure).
    pub fn renamed_into_later(&self, table: &ObjectName) -> bool {
        let key = table_key(table);
        self.introduced
            .iter()
            .any(|(index, i)| *index > self.index && i.by_rename && i.table == key)
    }

    /// Whether a later statement creates this name again or renames another table into it.
    pub fn replaced_later(&self, table: &ObjectName) -> bool {
        let key = table_key(table);
        self.introduced
            .iter()
            .any(|(index, i)| *index > self.index && i.table == key)
    }
}

/// The new name of `RENAME TO`/`RENAME AS`.
pub(super) fn renamed_to(kind: &sqlparser::ast::RenameTableNameKind) -> &ObjectName {
    match kind {
        sqlparser::ast::RenameTableNameKind::As(name)
        | sqlparser::ast::RenameTableNameKind::To(name) => name,
    }
}

/// A table name compared the way SQLite does: unqualified, case-insensitive.
fn table_key(name: &ObjectName) -> String {
    name.0
        .last()
        .map(|part| match part.as_ident() {
            Some(ident) => ident.value.to_lowercase(),
            None => part.to_string().to_lowercase(),
        })
        .unwrap_or_default()
}

#[cfg(test)]
pub(super) mod test_support {
    /// Rule names reported for a script, in order.
    pub fn rules(sql: &str) -> Vec<String> {
        super::lint(sql).into_iter().map(|v| v.rule).collect()
    }

    /// Whether `rule` is reported for `sql`.
    pub fn flags(rule: &str, sql: &str) -> bool {
        rules(sql).iter().any(|r| r == rule)
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::rules;
    use super::*;

    #[test]
    fn points_at_the_statement_start_and_skips_what_it_cannot_parse() {
        let sql = "CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT, n TEXT) STRICT;\n\
                   CREATE TRIGGER a_touch AFTER UPDATE ON a BEGIN UPDATE a SET n = n; END;\n\
                   \n  ALTER TABLE users DROP COLUMN email;";
        let violations = lint(sql);
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert_eq!(violations[0].rule, "ban-drop-column");
        assert_eq!(violations[0].offset, sql.find("ALTER").unwrap());
    }

    #[test]
    fn ordinary_sqlite_migrations_are_clean() {
        let sql = "PRAGMA foreign_keys = ON;\n\
                   CREATE TABLE IF NOT EXISTS posts (id INTEGER PRIMARY KEY, title TEXT NOT NULL, user_id INTEGER REFERENCES users(id) ON DELETE CASCADE) WITHOUT ROWID;\n\
                   CREATE UNIQUE INDEX IF NOT EXISTS posts_title ON posts (title);\n\
                   ALTER TABLE users ADD COLUMN bio TEXT;\n\
                   ALTER TABLE users ADD COLUMN score INTEGER NOT NULL DEFAULT 0;\n\
                   INSERT OR IGNORE INTO settings (key, value) VALUES ('theme', 'dark');\n\
                   UPDATE users SET bio = '' WHERE bio IS NULL;\n\
                   DROP INDEX IF EXISTS old_index;";
        assert!(rules(sql).is_empty(), "{:?}", lint(sql));
    }

    #[test]
    fn the_table_rebuild_procedure_is_not_reported() {
        let sql = "CREATE TABLE new_users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n\
                   INSERT INTO new_users (id, email) SELECT id, coalesce(email, '') FROM users;\n\
                   DROP TABLE users;\n\
                   ALTER TABLE new_users RENAME TO users;";
        assert!(rules(sql).is_empty(), "{:?}", lint(sql));
        let swapped = "ALTER TABLE users RENAME TO old_users;\n\
                       CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n\
                       INSERT INTO users SELECT id, email FROM old_users;\n\
                       DROP TABLE old_users;";
        assert!(rules(swapped).is_empty(), "{:?}", lint(swapped));
    }

    #[test]
    fn rule_names_are_stable() {
        assert_eq!(
            rule_names(),
            [
                "adding-required-field",
                "ban-drop-column",
                "ban-drop-table",
                "renaming-column",
                "renaming-table"
            ]
        );
    }
}
