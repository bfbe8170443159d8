//! Diesel layout: `<timestamp>_<name>/up.sql` + `down.sql` (including `00000000000000_diesel_initial_setup`).
//!
//! Diesel writes timestamps as `2024-01-01-000000` or `20240101000000` and records the version
//! without dashes; the version is stored that way too, so both spellings order correctly.

use super::{Parts, versioned};

/// Parses `<timestamp>_<name>/up.sql` or `/down.sql`; `Err` for Diesel files dbmigrate does
/// not read (`metadata.toml`), so that their settings are not silently dropped.
pub(super) fn parse(dir: &str, file: &str) -> Result<Option<Parts>, String> {
    let down = match file {
        "up.sql" => false,
        "down.sql" => true,
        "metadata.toml" => {
            return Err("Diesel's metadata.toml is not read by dbmigrate; for \
                        run_in_transaction = false put `-- dbmigrate: no-transaction` on the \
                        first line of up.sql and delete metadata.toml"
                .to_owned());
        }
        _ => return Ok(None),
    };
    Ok(versioned(dir, down).map(|parts| Parts {
        version: parts.version.replace('-', ""),
        ..parts
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(version: &str, name: &str, down: bool) -> Option<Parts> {
        Some(Parts {
            version: version.into(),
            name: name.into(),
            down,
        })
    }

    #[test]
    fn parses_both_timestamp_spellings() {
        assert_eq!(
            parse("2024-01-01-000000_create_users", "up.sql"),
            Ok(parts("20240101000000", "create_users", false))
        );
        assert_eq!(
            parse("20240102000000_add_posts", "down.sql"),
            Ok(parts("20240102000000", "add_posts", true))
        );
        assert_eq!(
            parse("00000000000000_diesel_initial_setup", "up.sql"),
            Ok(parts("00000000000000", "diesel_initial_setup", false))
        );
    }

    #[test]
    fn ignores_other_files_and_refuses_metadata() {
        assert_eq!(parse("20240101000000_x", "migration.sql"), Ok(None));
        assert_eq!(parse("20240101000000_x", "up.sql.bak"), Ok(None));
        assert!(parse("20240101000000_x", "metadata.toml").is_err());
    }
}
