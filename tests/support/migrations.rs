//! Migration folders for the engine tests: copies of the forum fixtures, generated sets, and
//! files written or replaced by a test.

use std::fs;
use std::path::{Path, PathBuf};

use dbmigrate::plan::DatabaseKind;
use dbmigrate::source::{MigrationSet, load_dir};
use tempfile::TempDir;

/// The versions of the forum fixture, in order.
pub const FORUM: [&str; 5] = ["0001", "0002", "0003", "0004", "0005"];

/// A migrations folder in a temporary directory.
pub struct MigrationDir {
    dir: TempDir,
}

impl MigrationDir {
    /// An empty folder.
    pub fn empty() -> Self {
        Self {
            dir: tempfile::tempdir().expect("creating a migrations directory"),
        }
    }

    /// A copy of `tests/fixtures/engine/<sqlite|postgres>/forum`: users, forums, posts, an
    /// index built without a transaction, and seed data — each with a down script.
    pub fn forum(kind: DatabaseKind) -> Self {
        let dialect = match kind {
            DatabaseKind::Sqlite => "sqlite",
            DatabaseKind::Postgres => "postgres",
        };
        let fixture = fixture_dir().join(dialect).join("forum");
        let copy = Self::empty();
        for entry in fs::read_dir(&fixture).unwrap_or_else(|e| panic!("{}: {e}", fixture.display()))
        {
            let path = entry.expect("listing the fixture").path();
            let name = path.file_name().expect("a file name").to_owned();
            fs::copy(&path, copy.path().join(name)).expect("copying a fixture file");
        }
        copy
    }

    /// `count` migrations valid on SQLite and PostgreSQL: the first creates `applied_log`, and
    /// every one (the first included) creates its own table and adds its version to
    /// `applied_log` — so `applied_log` has exactly `count` rows when each ran exactly once.
    pub fn counted(count: usize) -> Self {
        let dir = Self::empty();
        dir.write(
            "0001_create_applied_log.sql",
            "CREATE TABLE applied_log (version TEXT NOT NULL);\n\
             INSERT INTO applied_log (version) VALUES ('0001');\n",
        );
        for n in 2..=count {
            dir.write(
                &format!("{n:04}_create_shard_{n}.sql"),
                &format!(
                    "CREATE TABLE shard_{n} (\n    id INTEGER PRIMARY KEY,\n    payload TEXT NOT NULL\n);\n\
                     INSERT INTO applied_log (version) VALUES ('{n:04}');\n"
                ),
            );
        }
        dir
    }

    /// The versions of [`Self::counted`]`(count)`.
    pub fn counted_versions(count: usize) -> Vec<String> {
        (1..=count).map(|n| format!("{n:04}")).collect()
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes (or replaces) a file in the folder.
    pub fn write(&self, file: &str, sql: &str) -> &Self {
        fs::write(self.path().join(file), sql).unwrap_or_else(|e| panic!("writing {file}: {e}"));
        self
    }

    /// Loads the folder as the CLI would.
    pub fn load(&self) -> MigrationSet {
        load_dir(self.path()).unwrap_or_else(|e| panic!("loading {}: {e}", self.path().display()))
    }
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/engine")
}
