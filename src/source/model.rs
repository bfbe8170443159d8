//! What a migration source yields: ordered migrations with their up/down scripts.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::directives::{Directives, MigrationKind};
use super::version::Version;

/// The file layout a migrations folder follows, recognised from file names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// `<version>_<name>.sql` + optional `<version>_<name>.down.sql` (also sqlx "simple").
    Native,
    /// `V<version>__<name>.sql` + optional `U<version>__<name>.sql`.
    Flyway,
    /// golang-migrate / sqlx reversible: `<version>_<name>.up.sql` + `<version>_<name>.down.sql`.
    UpDown,
    /// Drizzle Kit: `NNNN_<name>.sql` ordered by `meta/_journal.json`.
    Drizzle,
    /// Prisma: `<timestamp>_<name>/migration.sql`.
    Prisma,
    /// Diesel: `<timestamp>_<name>/up.sql` + `down.sql`.
    Diesel,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Native => "dbmigrate (<version>_<name>.sql)",
            Self::Flyway => "Flyway (V<version>__<name>.sql)",
            Self::UpDown => "golang-migrate/sqlx (<version>_<name>.up.sql)",
            Self::Drizzle => "Drizzle (meta/_journal.json)",
            Self::Prisma => "Prisma (<timestamp>_<name>/migration.sql)",
            Self::Diesel => "Diesel (<timestamp>_<name>/up.sql)",
        })
    }
}

/// One SQL file: where it came from, its text and its `-- dbmigrate:` directives.
#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    /// Path relative to the migrations directory (what error messages and status show).
    pub path: PathBuf,
    /// The file's text exactly as read (UTF-8); for a command, its canonical description
    /// (what the checksum covers).
    pub sql: String,
    /// Directives from the file's leading comment lines.
    pub directives: Directives,
    /// A command run instead of SQL (a script step: a data migration in the application's
    /// own code); such a script never runs in a transaction.
    pub command: Option<ScriptCommand>,
}

/// A program a script step runs, with its arguments, environment and working directory.
#[derive(Clone, PartialEq)]
pub struct ScriptCommand {
    /// Program and arguments.
    pub argv: Vec<String>,
    /// Extra environment (may hold secrets such as `DATABASE_URL`: never printed).
    pub env: Vec<(String, String)>,
    /// Working directory.
    pub dir: PathBuf,
}

impl fmt::Debug for ScriptCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.env.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("ScriptCommand")
            .field("argv", &self.argv)
            .field("env", &names)
            .field("dir", &self.dir)
            .finish()
    }
}

/// A versioned migration: an up script and, when present, the down script that reverts it.
#[derive(Debug, Clone, PartialEq)]
pub struct Migration {
    /// Its version; unique within a set.
    pub version: Version,
    /// The human name from the file name (`create_users`).
    pub name: String,
    /// The script that applies it.
    pub up: Script,
    /// The script that reverts it, if the source has one.
    pub down: Option<Script>,
}

impl Migration {
    /// Schema or data, from the up script's `kind=` directive.
    pub fn kind(&self) -> MigrationKind {
        self.up.directives.kind
    }

    /// Whether the up script runs inside a transaction (no `no-transaction` directive).
    pub fn transactional(&self) -> bool {
        !self.up.directives.no_transaction
    }
}

/// All migrations of one source, sorted by version, with the format they were read as.
#[derive(Debug, Clone, PartialEq)]
pub struct MigrationSet {
    /// The directory they were read from.
    pub dir: PathBuf,
    /// The recognised layout.
    pub format: Format,
    /// Migrations in ascending version order.
    pub migrations: Vec<Migration>,
}

impl MigrationSet {
    /// The migration with exactly this version, if any.
    pub fn get(&self, version: &Version) -> Option<&Migration> {
        self.migrations
            .binary_search_by(|m| m.version.cmp(version))
            .ok()
            .map(|i| &self.migrations[i])
    }

    /// Joins a script's relative path onto the source directory (for display).
    pub fn full_path(&self, script: &Script) -> PathBuf {
        join_display(&self.dir, &script.path)
    }
}

fn join_display(dir: &Path, file: &Path) -> PathBuf {
    if dir.as_os_str().is_empty() || dir == Path::new(".") {
        file.to_path_buf()
    } else {
        dir.join(file)
    }
}
