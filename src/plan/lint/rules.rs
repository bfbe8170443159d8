//! The rule names each dialect's linter reports: what `--deny`, `--allow`, `spec.lint` and the
//! `allow=` directive may name.

use super::{postgres, sqlite};
use crate::plan::DatabaseKind;

/// All rule names known for a dialect, sorted (to validate `--deny`/`--allow` and for docs).
pub fn rule_names(db: DatabaseKind) -> Vec<String> {
    let mut names = match db {
        DatabaseKind::Postgres => postgres::rule_names(),
        DatabaseKind::Sqlite => sqlite::rule_names(),
    };
    names.sort();
    names.dedup();
    names
}
