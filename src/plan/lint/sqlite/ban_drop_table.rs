//! `ban-drop-table`: `DROP TABLE` of a table that running code may still use.

use sqlparser::ast::{ObjectType, Statement};

use super::{Hit, ScriptContext};

/// Stable rule name.
pub(super) const NAME: &str = "ban-drop-table";

/// Reports dropping tables, except ones this script created or replaces by a rename later
/// (SQLite's table-rebuild procedure).
pub(super) fn check(statement: &Statement, context: &ScriptContext<'_>) -> Option<Hit> {
    let Statement::Drop {
        object_type: ObjectType::Table,
        names,
        ..
    } = statement
    else {
        return None;
    };
    let dropped: Vec<String> = names
        .iter()
        .filter(|name| !context.new_in_script(name) && !context.renamed_into_later(name))
        .map(|name| format!("`{name}`"))
        .collect();
    if dropped.is_empty() {
        return None;
    }
    Some(Hit {
        message: format!(
            "Dropping table {} deletes its data and breaks application code that still uses it; stop using the table in the application first, deploy that, and drop it in a later migration.",
            dropped.join(", "),
        ),
        help: format!(
            "once no running code uses it, acknowledge with `-- dbmigrate: allow={NAME}`"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::flags;
    use super::NAME;

    #[test]
    fn flags_drop_table() {
        assert!(flags(NAME, "DROP TABLE users"));
        assert!(flags(NAME, "DROP TABLE IF EXISTS main.users"));
        assert!(flags(
            NAME,
            "DROP TABLE users; CREATE TABLE users (id INTEGER);"
        ));
    }

    #[test]
    fn accepts_other_drops_and_rebuilds() {
        assert!(!flags(NAME, "DROP INDEX users_email"));
        assert!(!flags(NAME, "DROP VIEW active_users"));
        assert!(!flags(NAME, "CREATE TABLE tmp (a TEXT); DROP TABLE tmp;"));
        assert!(!flags(
            NAME,
            "CREATE TABLE new_users (id INTEGER); DROP TABLE users; ALTER TABLE new_users RENAME TO users;"
        ));
    }
}
