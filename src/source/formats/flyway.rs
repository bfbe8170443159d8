//! Flyway layout: versioned `V<version>__<name>.sql` and undo `U<version>__<name>.sql`.
//!
//! Flyway separates version parts with `.` or `_` and records them with `.` (`V1_1__x.sql`
//! is version `1.1`), so the version is stored that way too.

use super::Parts;

/// Parses a Flyway name; `Ok(None)` when it is not one, `Err` for Flyway names dbmigrate
/// cannot run (repeatable `R__` migrations).
pub(super) fn parse(file: &str) -> Result<Option<Parts>, String> {
    let Some(stem) = file.strip_suffix(".sql") else {
        return Ok(None);
    };
    if stem.starts_with("R__") {
        return Err(
            "Flyway repeatable migrations (R__<name>.sql) are not supported: dbmigrate \
                    runs each migration once; make it a versioned V<version>__<name>.sql"
                .to_owned(),
        );
    }
    let (down, rest) = match stem.split_at_checked(1) {
        Some(("V", rest)) => (false, rest),
        Some(("U", rest)) => (true, rest),
        _ => return Ok(None),
    };
    let Some((version, name)) = rest.split_once("__") else {
        return Ok(None);
    };
    if !version.starts_with(|c: char| c.is_ascii_digit()) || name.is_empty() {
        return Ok(None);
    }
    Ok(Some(Parts {
        version: version.replace('_', "."),
        name: name.to_owned(),
        down,
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
    fn parses_versioned_and_undo_names() {
        assert_eq!(parse("V1__init.sql"), Ok(parts("1", "init", false)));
        assert_eq!(
            parse("V1_1__add_posts.sql"),
            Ok(parts("1.1", "add_posts", false))
        );
        assert_eq!(
            parse("V2.0.1__fix__twice.sql"),
            Ok(parts("2.0.1", "fix__twice", false))
        );
        assert_eq!(
            parse("U1_1__add_posts.sql"),
            Ok(parts("1.1", "add_posts", true))
        );
    }

    #[test]
    fn ignores_other_names_and_refuses_repeatables() {
        for file in [
            "1_init.sql",
            "V1_init.sql",
            "V__init.sql",
            "V1__.sql",
            "Vx__a.sql",
            "V1__a.txt",
        ] {
            assert_eq!(parse(file), Ok(None), "{file}");
        }
        let reason = parse("R__refresh_views.sql").unwrap_err();
        assert!(reason.contains("V<version>__<name>.sql"), "{reason}");
    }
}
