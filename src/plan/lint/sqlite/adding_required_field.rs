//! `adding-required-field`: `ALTER TABLE … ADD COLUMN … NOT NULL` without a non-NULL `DEFAULT`.
//!
//! SQLite rejects it with "Cannot add a NOT NULL column with default value NULL" as soon as the
//! table has a row, so the migration passes on an empty development database and fails in
//! production.

use sqlparser::ast::{AlterTableOperation, ColumnDef, ColumnOption, Expr, Statement, Value};

use super::{Hit, ScriptContext};

/// Stable rule name.
pub(super) const NAME: &str = "adding-required-field";

/// Reports the first `NOT NULL` column added without a usable default.
pub(super) fn check(statement: &Statement, _context: &ScriptContext<'_>) -> Option<Hit> {
    let Statement::AlterTable(alter) = statement else {
        return None;
    };
    alter.operations.iter().find_map(|op| match op {
        AlterTableOperation::AddColumn { column_def, .. } if is_required(column_def) => Some(Hit {
            message: format!(
                "Adding NOT NULL column `{column}` to `{table}` without a DEFAULT fails in SQLite as soon as the table has rows (\"Cannot add a NOT NULL column with default value NULL\"); give the column a non-NULL DEFAULT, or create the table anew with the column and copy the rows over.",
                column = column_def.name,
                table = alter.name,
            ),
            help: format!(
                "e.g. `ALTER TABLE {table} ADD COLUMN {column} {ty} NOT NULL DEFAULT …`; to rebuild: CREATE TABLE new_{table} (…); INSERT INTO new_{table} SELECT …; DROP TABLE {table}; ALTER TABLE new_{table} RENAME TO {table}",
                table = alter.name,
                column = column_def.name,
                ty = column_def.data_type,
            ),
        }),
        _ => None,
    })
}

fn is_required(column: &ColumnDef) -> bool {
    let options = || column.options.iter().map(|o| &o.option);
    let not_null = options().any(|o| matches!(o, ColumnOption::NotNull));
    let generated = options().any(|o| matches!(o, ColumnOption::Generated { .. }));
    let non_null_default = options().any(|o| match o {
        ColumnOption::Default(Expr::Value(value)) => value.value != Value::Null,
        ColumnOption::Default(_) => true,
        _ => false,
    });
    not_null && !generated && !non_null_default
}

#[cfg(test)]
mod tests {
    use super::super::test_support::flags;
    use super::NAME;

    #[test]
    fn flags_not_null_without_default() {
        assert!(flags(
            NAME,
            "ALTER TABLE users ADD COLUMN email TEXT NOT NULL"
        ));
        assert!(flags(NAME, "ALTER TABLE users ADD email TEXT NOT NULL"));
        assert!(flags(
            NAME,
            "ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT NULL"
        ));
    }

    #[test]
    fn accepts_nullable_defaulted_and_generated_columns() {
        assert!(!flags(NAME, "ALTER TABLE users ADD COLUMN email TEXT"));
        assert!(!flags(
            NAME,
            "ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT ''"
        ));
        assert!(!flags(
            NAME,
            "ALTER TABLE users ADD COLUMN n INTEGER DEFAULT 0 NOT NULL"
        ));
        assert!(!flags(
            NAME,
            "ALTER TABLE users ADD COLUMN lower_email TEXT GENERATED ALWAYS AS (lower(email)) VIRTUAL NOT NULL"
        ));
        assert!(!flags(NAME, "CREATE TABLE users (email TEXT NOT NULL)"));
    }

    #[test]
    fn message_says_what_to_do() {
        let violations = super::super::lint("ALTER TABLE users ADD COLUMN email TEXT NOT NULL;");
        assert!(
            violations[0].message.contains("DEFAULT"),
            "{}",
            violations[0].message
        );
        assert!(violations[0].message.contains("create the table anew"));
    }
}
