//! `new <name>`: write an up and a down file with the next `YYYYMMDDHHMMSS` version.

use std::path::{Path, PathBuf};

use time::OffsetDateTime;
use time::macros::format_description;

use crate::cli::args::NewKind;
use crate::cli::error::CliError;
use crate::cli::output::Output;
use crate::source::{Format, SourceError, Version, load_dir};

/// Creates `<dir>/<version>_<name>.sql` and `.down.sql` from templates.
pub fn run(dir: &Path, name: &str, kind: NewKind, output: &Output) -> Result<(), CliError> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(CliError::Usage(format!(
            "migration name `{name}` must be letters, digits and _ (e.g. add_user_reputation)"
        )));
    }
    let latest = match load_dir(dir) {
        Ok(set) if set.format != Format::Native && !set.migrations.is_empty() => {
            return Err(CliError::Usage(format!(
                "{} holds {} migrations; `dbmigrate new` writes dbmigrate's own format — create the file with that tool's generator",
                dir.display(),
                set.format
            )));
        }
        Ok(set) => set.migrations.last().map(|m| m.version.clone()),
        Err(SourceError::MissingDir { .. }) => None,
        Err(other) => return Err(other.into()),
    };
    let version = next_version(OffsetDateTime::now_utc(), latest.as_ref())?;
    std::fs::create_dir_all(dir).map_err(|source| CliError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let up = dir.join(format!("{version}_{name}.sql"));
    let down = dir.join(format!("{version}_{name}.down.sql"));
    write_new(&up, &up_template(name, kind))?;
    write_new(&down, &down_template(name))?;
    output.document(&serde_json::json!({ "version": version, "up": up, "down": down }));
    output.line(&format!(
        "created {}\ncreated {}",
        up.display(),
        down.display()
    ));
    Ok(())
}

/// The current UTC timestamp as a version, bumped past `latest` when the clock is behind it.
fn next_version(now: OffsetDateTime, latest: Option<&Version>) -> Result<String, CliError> {
    let stamp = now
        .format(format_description!(
            "[year][month][day][hour][minute][second]"
        ))
        .map_err(|e| CliError::Usage(format!("cannot format the current time: {e}")))?;
    let candidate: u128 = stamp.parse().unwrap_or_default();
    let after_latest = latest
        .and_then(|v| v.as_str().parse::<u128>().ok())
        .map_or(0, |v| v + 1);
    Ok(candidate.max(after_latest).to_string())
}

fn write_new(path: &PathBuf, text: &str) -> Result<(), CliError> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .and_then(|mut file| std::io::Write::write_all(&mut file, text.as_bytes()))
        .map_err(|source| CliError::Write {
            path: path.clone(),
            source,
        })
}

fn up_template(name: &str, kind: NewKind) -> String {
    match kind {
        NewKind::Schema => format!(
            "-- {name}: schema change. Runs in one transaction with its history row.\n\
             -- For CREATE INDEX CONCURRENTLY put `-- dbmigrate: no-transaction` on the first line.\n\n"
        ),
        NewKind::Data => format!(
            "-- dbmigrate: kind=data\n\
             -- {name}: data change (backfill / fix). Keep it idempotent and batch large updates.\n\n"
        ),
    }
}

fn down_template(name: &str) -> String {
    format!(
        "-- Reverts {name}. `dbmigrate verify-rollback` checks that it restores the schema.\n\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn versions_are_timestamps_after_the_latest() {
        let now = datetime!(2026-11-25 01:02:03 UTC);
        assert_eq!(next_version(now, None).unwrap(), "20261125010203");
        let ahead = Version::parse("20261125010203").unwrap();
        assert_eq!(next_version(now, Some(&ahead)).unwrap(), "20261125010204");
        let small = Version::parse("3").unwrap();
        assert_eq!(next_version(now, Some(&small)).unwrap(), "20261125010203");
    }
}
