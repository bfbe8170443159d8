//! golang-migrate and sqlx "reversible" layout: `<version>_<name>.up.sql` + `<version>_<name>.down.sql`.
//!
//! The down name is the same as dbmigrate's own, so only the `.up.sql` side is parsed here;
//! `resolve_lookalikes` assigns the downs once it has seen an `.up.sql`.

use super::{Parts, versioned};

/// Parses `<version>_<name>.up.sql`.
pub(super) fn parse_up(file: &str) -> Option<Parts> {
    versioned(file.strip_suffix(".up.sql")?, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_up_names() {
        assert_eq!(
            parse_up("000001_create_users.up.sql"),
            Some(Parts {
                version: "000001".into(),
                name: "create_users".into(),
                down: false,
            })
        );
        for file in [
            "1_a.down.sql",
            "1_a.sql",
            "a.up.sql",
            "1_.up.sql",
            "1_a.up.json",
        ] {
            assert_eq!(parse_up(file), None, "{file}");
        }
    }
}
