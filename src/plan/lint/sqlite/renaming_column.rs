//! `renaming-column`: `ALTER TABLE … RENAME COLUMN` while running code still uses the old name.

use sqlparser::ast::{AlterTableOperation, Statement};

use super::{Hit, ScriptContext};

/// Stable rule name.
pub(super) const NAME: &str = "renaming-column";

/// Reports renaming a column of a table this script did not create itself.
pub(super) fn check(statement: &Statement, context: &ScriptContext<'_>) -> Option<Hit> {
    let Statement::AlterTable(alter) = statement else {
        return None;
    };
    if context.new_in_script(&alter.name) {
        return None;
    }
    alter.operations.iter().find_map(|op| match op {
        AlterTableOperation::RenameColumn {
            old_column_name,
            new_column_name,
        } => Some(Hit {
            message: format!(
                "Renaming column `{old_column_name}` of `{table}` to `{new_column_name}` breaks application code that still uses `{old_column_name}`; add the new column, backfill it, switch the application over, and drop the old column in a later migration.",
                table = alter.name,
            ),
            help: format!("if no running code uses the table, acknowledge with `-- dbmigrate: allow={NAME}`"),
        }),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::flags;
    use super::NAME;

    #[test]
    fn flags_rename_column() {
        assert!(flags(NAME, "ALTER TABLE users RENAME COLUMN mail TO email"));
    }

    #[test]
    fn accepts_other_changes_and_tables_created_in_the_script() {
        assert!(!flags(NAME, "ALTER TABLE users RENAME TO people"));
        assert!(!flags(NAME, "ALTER TABLE users ADD COLUMN email TEXT"));
        assert!(!flags(
            NAME,
            "CREATE TABLE users (mail TEXT); ALTER TABLE users RENAME COLUMN mail TO email;"
        ));
    }
}
