//! `renaming-table`: `ALTER TABLE … RENAME TO` while running code still uses the old name.

use sqlparser::ast::{AlterTableOperation, Statement};

use super::{Hit, ScriptContext, renamed_to};

/// Stable rule name.
pub(super) const NAME: &str = "renaming-table";

/// Reports renaming a table, except one this script created, or one whose name a later
/// statement of the script takes over (SQLite's table-rebuild procedure).
pub(super) fn check(statement: &Statement, context: &ScriptContext<'_>) -> Option<Hit> {
    let Statement::AlterTable(alter) = statement else {
        return None;
    };
    if context.new_in_script(&alter.name) || context.replaced_later(&alter.name) {
        return None;
    }
    alter.operations.iter().find_map(|op| match op {
        AlterTableOperation::RenameTable { table_name } => Some(Hit {
            message: format!(
                "Renaming table `{old}` to `{new}` breaks application code that still uses `{old}`; add the new table, backfill it, switch the application over, and drop the old table in a later migration.",
                old = alter.name,
                new = renamed_to(table_name),
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
    fn flags_rename_table() {
        assert!(flags(NAME, "ALTER TABLE users RENAME TO people"));
    }

    #[test]
    fn accepts_other_changes_and_rebuilds() {
        assert!(!flags(
            NAME,
            "ALTER TABLE users RENAME COLUMN mail TO email"
        ));
        assert!(!flags(
            NAME,
            "CREATE TABLE new_users (id INTEGER); DROP TABLE users; ALTER TABLE new_users RENAME TO users;"
        ));
        assert!(!flags(
            NAME,
            "ALTER TABLE users RENAME TO old_users; CREATE TABLE users (id INTEGER); DROP TABLE old_users;"
        ));
    }
}
