//! `ban-drop-column`: `ALTER TABLE … DROP COLUMN` on a table that running code may still use.

use sqlparser::ast::{AlterTableOperation, Statement};

use super::{Hit, ScriptContext};

/// Stable rule name.
pub(super) const NAME: &str = "ban-drop-column";

/// Reports dropping columns of a table this script did not create itself.
pub(super) fn check(statement: &Statement, context: &ScriptContext<'_>) -> Option<Hit> {
    let Statement::AlterTable(alter) = statement else {
        return None;
    };
    if context.new_in_script(&alter.name) {
        return None;
    }
    alter.operations.iter().find_map(|op| match op {
        AlterTableOperation::DropColumn { column_names, .. } => {
            let columns = column_names
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ");
            Some(Hit {
                message: format!(
                    "Dropping column {columns} from `{table}` deletes its data and breaks application code that still reads or writes it; stop using the column in the application first, deploy that, and drop the column in a later migration.",
                    table = alter.name,
                ),
                help: format!("once no running code uses it, acknowledge with `-- dbmigrate: allow={NAME}`"),
            })
        }
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::flags;
    use super::NAME;

    #[test]
    fn flags_drop_column() {
        assert!(flags(NAME, "ALTER TABLE users DROP COLUMN email"));
        assert!(flags(NAME, "ALTER TABLE main.users DROP email"));
    }

    #[test]
    fn accepts_other_changes_and_tables_created_in_the_script() {
        assert!(!flags(NAME, "ALTER TABLE users ADD COLUMN email TEXT"));
        assert!(!flags(NAME, "DROP INDEX users_email"));
        assert!(!flags(
            NAME,
            "CREATE TABLE Scratch (a TEXT, b TEXT); ALTER TABLE scratch DROP COLUMN b;"
        ));
    }
}
