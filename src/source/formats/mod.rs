//! The file-name layouts of the tools dbmigrate reads, one file per tool, recognised by name alone.

mod diesel;
mod drizzle;
mod flyway;
mod native;
mod prisma;
mod updown;

use std::path::PathBuf;

pub(super) use drizzle::{JOURNAL as DRIZZLE_JOURNAL, order_by_journal};
pub(super) use prisma::LOCK_FILE as PRISMA_LOCK_FILE;

use super::model::Format;
use super::version::Version;

/// What a file name says, before the version text is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Parts {
    /// The version as the tool records it (Flyway `1_1` becomes `1.1`).
    pub version: String,
    /// The human name (`create_users`).
    pub name: String,
    /// Whether the script reverts its migration.
    pub down: bool,
}

/// A script recognised by its name, not yet read.
#[derive(Debug, Clone)]
pub(super) struct Found {
    pub format: Format,
    pub version: Version,
    pub name: String,
    pub down: bool,
    /// Relative to the migrations directory.
    pub path: PathBuf,
}

/// The names a migrations folder may hold; every "unrecognised" error ends with it.
pub(super) const ACCEPTED: &str = "accepted names are <version>_<name>.sql with an optional \
    <version>_<name>.down.sql (dbmigrate, sqlx), <version>_<name>.up.sql + .down.sql \
    (golang-migrate, sqlx), V<version>__<name>.sql + U<version>__<name>.sql (Flyway), \
    NNNN_<name>.sql + meta/_journal.json (Drizzle), <timestamp>_<name>/migration.sql (Prisma) \
    and <timestamp>_<name>/up.sql + down.sql (Diesel); hidden files, README*, *.md and \
    kustomization.yaml are ignored";

/// Whether a directory entry is never a migration: hidden files (also Kubernetes' `..data`
/// links in ConfigMap volumes), READMEs, Markdown notes and the kustomization that turns the
/// folder into a ConfigMap.
pub(super) fn is_ignored(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    name.starts_with('.')
        || lower.starts_with("readme")
        || lower.ends_with(".md")
        || matches!(
            name,
            "kustomization.yaml" | "kustomization.yml" | "Kustomization"
        )
}

/// Recognises a file at the top of the migrations folder; `Err` is the reason it is not one.
///
/// `1_a.down.sql` reads as [`Format::Native`] here; [`resolve_lookalikes`] settles it.
pub(super) fn classify_file(file: &str) -> Result<(Format, Parts), String> {
    if let Some(parts) = flyway::parse(file)? {
        return Ok((Format::Flyway, parts));
    }
    if let Some(parts) = updown::parse_up(file) {
        return Ok((Format::UpDown, parts));
    }
    if let Some(parts) = native::parse(file) {
        return Ok((Format::Native, parts));
    }
    Err(format!("not a migration file name; {ACCEPTED}"))
}

/// Recognises a file inside a `<timestamp>_<name>/` folder (Prisma or Diesel).
pub(super) fn classify_subdir_file(dir: &str, file: &str) -> Result<(Format, Parts), String> {
    if split_versioned(dir).is_none() {
        return Err(format!(
            "folder `{dir}` is not named <timestamp>_<name>, so it holds no migration; {ACCEPTED}"
        ));
    }
    if let Some(parts) = prisma::parse(dir, file) {
        return Ok((Format::Prisma, parts));
    }
    if let Some(parts) = diesel::parse(dir, file)? {
        return Ok((Format::Diesel, parts));
    }
    Err(
        "a migration folder holds migration.sql (Prisma) or up.sql and down.sql (Diesel), \
         nothing else; move this file out of it"
            .to_owned(),
    )
}

/// Settles names two layouts share: a `.down.sql` next to any `.up.sql` is golang-migrate's,
/// and `<version>_<name>.sql` next to `meta/_journal.json` is Drizzle's.
pub(super) fn resolve_lookalikes(found: &mut [Found], has_journal: bool) {
    let updown = found.iter().any(|f| f.format == Format::UpDown);
    for f in found.iter_mut().filter(|f| f.format == Format::Native) {
        if f.down && updown {
            f.format = Format::UpDown;
        } else if !f.down && has_journal {
            f.format = Format::Drizzle;
        }
    }
}

/// Splits `<version>_<name>` at the first `_`: the version must start with a digit (it is
/// checked fully later, so `2fa_x` is an invalid version rather than an unknown file) and the
/// name must not be empty.
fn split_versioned(stem: &str) -> Option<(&str, &str)> {
    let (version, name) = stem.split_once('_')?;
    (version.starts_with(|c: char| c.is_ascii_digit()) && !name.is_empty())
        .then_some((version, name))
}

/// [`split_versioned`] into [`Parts`].
fn versioned(stem: &str, down: bool) -> Option<Parts> {
    let (version, name) = split_versioned(stem)?;
    Some(Parts {
        version: version.to_owned(),
        name: name.to_owned(),
        down,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_each_layout_by_name() {
        let format = |file: &str| classify_file(file).map(|(format, _)| format);
        assert_eq!(format("V1__init.sql"), Ok(Format::Flyway));
        assert_eq!(format("U1__init.sql"), Ok(Format::Flyway));
        assert_eq!(format("1_init.up.sql"), Ok(Format::UpDown));
        assert_eq!(format("1_init.down.sql"), Ok(Format::Native));
        assert_eq!(format("1_init.sql"), Ok(Format::Native));
        for bad in [
            "init.sql",
            "1.sql",
            "1_.sql",
            "notes.txt",
            "V1__init.SQL",
            "schema.sql",
        ] {
            let reason = format(bad).unwrap_err();
            assert!(reason.contains("V<version>__<name>.sql"), "{bad}: {reason}");
        }
        assert!(format("R__views.sql").unwrap_err().contains("repeatable"));
    }

    #[test]
    fn classifies_files_in_migration_folders() {
        let format = |dir: &str, file: &str| classify_subdir_file(dir, file).map(|(f, _)| f);
        assert_eq!(
            format("20240101120000_init", "migration.sql"),
            Ok(Format::Prisma)
        );
        assert_eq!(
            format("2024-01-01-120000_init", "up.sql"),
            Ok(Format::Diesel)
        );
        assert_eq!(
            format("2024-01-01-120000_init", "down.sql"),
            Ok(Format::Diesel)
        );
        assert!(
            format("init", "up.sql")
                .unwrap_err()
                .contains("folder `init`")
        );
        assert!(
            format("1_init", "seed.sql")
                .unwrap_err()
                .contains("nothing else")
        );
        assert!(
            format("1_init", "metadata.toml")
                .unwrap_err()
                .contains("no-transaction")
        );
    }

    #[test]
    fn ignores_hidden_files_and_notes() {
        for name in [
            ".gitkeep",
            "..data",
            "README",
            "readme.txt",
            "NOTES.md",
            "kustomization.yaml",
        ] {
            assert!(is_ignored(name), "{name}");
        }
        for name in ["1_init.sql", "meta", "migration_lock.toml", "seed.json"] {
            assert!(!is_ignored(name), "{name}");
        }
    }

    #[test]
    fn splits_version_from_name_at_the_first_underscore() {
        assert_eq!(
            split_versioned("0002_add_posts"),
            Some(("0002", "add_posts"))
        );
        assert_eq!(split_versioned("2fa_x"), Some(("2fa", "x")));
        assert_eq!(split_versioned("add_posts"), None);
        assert_eq!(split_versioned("1_"), None);
        assert_eq!(split_versioned("1"), None);
    }
}
