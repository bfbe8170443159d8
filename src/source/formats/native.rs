//! dbmigrate's own layout (also sqlx's "simple" one): `<version>_<name>.sql` + optional `<version>_<name>.down.sql`.

use super::{Parts, versioned};

/// Parses `<version>_<name>.sql` (up) or `<version>_<name>.down.sql` (down).
///
/// `.up.sql` files are golang-migrate's, not ours: they get `None` here.
pub(super) fn parse(file: &str) -> Option<Parts> {
    if let Some(stem) = file.strip_suffix(".down.sql") {
        return versioned(stem, true);
    }
    let stem = file.strip_suffix(".sql")?;
    if stem.ends_with(".up") {
        return None;
    }
    versioned(stem, false)
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
    fn parses_up_and_down_names() {
        assert_eq!(parse("1_init.sql"), parts("1", "init", false));
        assert_eq!(
            parse("0002_add_posts.sql"),
            parts("0002", "add_posts", false)
        );
        assert_eq!(
            parse("20240501120000_add_index.down.sql"),
            parts("20240501120000", "add_index", true)
        );
        assert_eq!(parse("1_v1.2_fix.sql"), parts("1", "v1.2_fix", false));
    }

    #[test]
    fn rejects_other_names() {
        for file in [
            "1_init.up.sql",
            "init.sql",
            "1.sql",
            "1_.sql",
            "1_init.txt",
            "V1__a.sql",
        ] {
            assert_eq!(parse(file), None, "{file}");
        }
    }
}
