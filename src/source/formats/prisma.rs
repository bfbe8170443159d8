//! Prisma Migrate layout: `<timestamp>_<name>/migration.sql`, with `migration_lock.toml` beside the folders.

use super::{Parts, versioned};

/// Prisma's provider lock at the top of the folder; read by Prisma only, ignored here.
pub(crate) const LOCK_FILE: &str = "migration_lock.toml";

/// Parses `<timestamp>_<name>/migration.sql` (Prisma migrations have no down script).
pub(super) fn parse(dir: &str, file: &str) -> Option<Parts> {
    if file != "migration.sql" {
        return None;
    }
    versioned(dir, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_migration_folders() {
        assert_eq!(
            parse("20240101120000_init", "migration.sql"),
            Some(Parts {
                version: "20240101120000".into(),
                name: "init".into(),
                down: false,
            })
        );
        assert_eq!(parse("20240101120000_init", "up.sql"), None);
        assert_eq!(parse("init", "migration.sql"), None);
    }
}
