//! Loading real-looking migration folders of each supported tool, and the errors for bad ones.

use std::fs;
use std::path::{Path, PathBuf};

use dbmigrate::source::{Format, MigrationKind, MigrationSet, SourceError, load_dir};
use tempfile::TempDir;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/formats")
        .join(name)
}

/// `(version, name, up path, down path)` per migration, in order.
fn summary(set: &MigrationSet) -> Vec<(&str, &str, &Path, Option<&Path>)> {
    set.migrations
        .iter()
        .map(|m| {
            let down = m.down.as_ref().map(|d| d.path.as_path());
            (
                m.version.as_str(),
                m.name.as_str(),
                m.up.path.as_path(),
                down,
            )
        })
        .collect()
}

fn load_fixture(name: &str) -> MigrationSet {
    load_dir(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn p(path: &str) -> &Path {
    Path::new(path)
}

#[test]
fn native() {
    let set = load_fixture("native");
    assert_eq!(set.format, Format::Native);
    assert_eq!(set.dir, fixture("native"));
    assert_eq!(
        summary(&set),
        [
            (
                "20240501120000",
                "create_users",
                p("20240501120000_create_users.sql"),
                Some(p("20240501120000_create_users.down.sql")),
            ),
            (
                "20240502090000",
                "create_posts",
                p("20240502090000_create_posts.sql"),
                Some(p("20240502090000_create_posts.down.sql")),
            ),
            (
                "20240503100000",
                "backfill_user_names",
                p("20240503100000_backfill_user_names.sql"),
                None,
            ),
        ]
    );
    assert_eq!(set.migrations[2].kind(), MigrationKind::Data);
    let on_disk = fs::read_to_string(set.full_path(&set.migrations[0].up)).unwrap();
    assert_eq!(set.migrations[0].up.sql, on_disk);
}

#[test]
fn sqlx_simple() {
    let set = load_fixture("sqlx-simple");
    assert_eq!(set.format, Format::Native);
    assert_eq!(
        summary(&set),
        [
            (
                "20240101000000",
                "create_users",
                p("20240101000000_create_users.sql"),
                None,
            ),
            (
                "20240102000000",
                "create_posts",
                p("20240102000000_create_posts.sql"),
                None,
            ),
        ]
    );
}

#[test]
fn flyway() {
    let set = load_fixture("flyway");
    assert_eq!(set.format, Format::Flyway);
    assert_eq!(
        summary(&set),
        [
            (
                "1",
                "create_users",
                p("V1__create_users.sql"),
                Some(p("U1__create_users.sql")),
            ),
            (
                "1.1",
                "create_posts",
                p("V1_1__create_posts.sql"),
                Some(p("U1_1__create_posts.sql")),
            ),
            (
                "2",
                "add_posts_author_index",
                p("V2__add_posts_author_index.sql"),
                None,
            ),
        ]
    );
}

#[test]
fn updown() {
    let set = load_fixture("updown");
    assert_eq!(set.format, Format::UpDown);
    assert_eq!(
        summary(&set),
        [
            (
                "000001",
                "create_users",
                p("000001_create_users.up.sql"),
                Some(p("000001_create_users.down.sql")),
            ),
            (
                "000002",
                "create_posts",
                p("000002_create_posts.up.sql"),
                Some(p("000002_create_posts.down.sql")),
            ),
            (
                "000003",
                "add_posts_author_index",
                p("000003_add_posts_author_index.up.sql"),
                Some(p("000003_add_posts_author_index.down.sql")),
            ),
        ]
    );
    let concurrent = &set.migrations[2];
    assert!(!concurrent.transactional());
    assert!(concurrent.down.as_ref().unwrap().directives.no_transaction);
}

#[test]
fn drizzle() {
    let set = load_fixture("drizzle");
    assert_eq!(set.format, Format::Drizzle);
    assert_eq!(
        summary(&set),
        [
            (
                "0000",
                "steep_wolverine",
                p("0000_steep_wolverine.sql"),
                None
            ),
            ("0001", "brave_gamora", p("0001_brave_gamora.sql"), None),
        ]
    );
    // Read exactly: Drizzle Kit writes no final newline.
    assert!(set.migrations[1].up.sql.ends_with("(\"author_id\");"));
}

#[test]
fn prisma() {
    let set = load_fixture("prisma");
    assert_eq!(set.format, Format::Prisma);
    assert_eq!(
        summary(&set),
        [
            (
                "20240501120000",
                "init",
                p("20240501120000_init/migration.sql"),
                None,
            ),
            (
                "20240502090000",
                "add_posts",
                p("20240502090000_add_posts/migration.sql"),
                None,
            ),
        ]
    );
}

#[test]
fn diesel() {
    let set = load_fixture("diesel");
    assert_eq!(set.format, Format::Diesel);
    assert_eq!(
        summary(&set),
        [
            (
                "00000000000000",
                "diesel_initial_setup",
                p("00000000000000_diesel_initial_setup/up.sql"),
                Some(p("00000000000000_diesel_initial_setup/down.sql")),
            ),
            (
                "20240501120000",
                "create_users",
                p("2024-05-01-120000_create_users/up.sql"),
                Some(p("2024-05-01-120000_create_users/down.sql")),
            ),
            (
                "20240502090000",
                "create_posts",
                p("2024-05-02-090000_create_posts/up.sql"),
                Some(p("2024-05-02-090000_create_posts/down.sql")),
            ),
        ]
    );
    assert!(
        set.migrations[0]
            .up
            .sql
            .contains("diesel_manage_updated_at")
    );
}

/// A temporary migrations folder holding these files (parent folders are created).
fn folder(files: &[(&str, &[u8])]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, contents) in files {
        let path = dir.path().join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, contents).unwrap();
    }
    dir
}

/// Loads a folder that must fail, checking that the message names every one of `names`.
fn load_err(files: &[(&str, &[u8])], names: &[&str]) -> SourceError {
    let dir = folder(files);
    let err = load_dir(dir.path()).expect_err("the folder should be refused");
    let message = err.to_string();
    for name in names {
        assert!(message.contains(name), "{message:?} does not name {name}");
    }
    err
}

#[test]
fn versions_sort_numerically_and_contents_are_kept_exactly() {
    let dir = folder(&[
        ("10_c.sql", b"SELECT 10;\r\n"),
        ("2_b.sql", b"SELECT 2;"),
        ("1_a.sql", b"\xef\xbb\xbfSELECT 1;\n"),
        ("README.md", b"notes"),
        (".gitkeep", b""),
        (".hidden/9_x.sql", b"SELECT 9;"),
    ]);
    let set = load_dir(dir.path()).unwrap();
    let versions: Vec<_> = set.migrations.iter().map(|m| m.version.as_str()).collect();
    assert_eq!(versions, ["1", "2", "10"]);
    assert_eq!(set.migrations[0].up.sql, "\u{feff}SELECT 1;\n");
    assert_eq!(set.migrations[2].up.sql, "SELECT 10;\r\n");
}

#[test]
fn empty_folder_is_an_empty_native_set() {
    let set = load_dir(folder(&[]).path()).unwrap();
    assert_eq!(set.format, Format::Native);
    assert!(set.migrations.is_empty());
}

#[test]
fn missing_dir() {
    let dir = folder(&[]);
    let missing = dir.path().join("migrations");
    let err = load_dir(&missing).unwrap_err();
    assert!(matches!(err, SourceError::MissingDir { .. }), "{err:?}");
    assert!(err.to_string().contains(&missing.display().to_string()));
}

#[test]
fn duplicate_version() {
    let err = load_err(
        &[("1_a.sql", b"SELECT 1;"), ("01_b.sql", b"SELECT 1;")],
        &["01_b.sql", "1_a.sql"],
    );
    assert!(
        matches!(err, SourceError::DuplicateVersion { .. }),
        "{err:?}"
    );
    let err = load_err(
        &[
            ("1_a.sql", b"SELECT 1;"),
            ("1_a.down.sql", b"SELECT 1;"),
            ("01_a.down.sql", b"SELECT 1;"),
        ],
        &["1_a.down.sql", "01_a.down.sql"],
    );
    assert!(
        matches!(err, SourceError::DuplicateVersion { .. }),
        "{err:?}"
    );
}

#[test]
fn mixed_formats() {
    let err = load_err(
        &[("V1__a.sql", b"SELECT 1;"), ("2_b.up.sql", b"SELECT 2;")],
        &["V1__a.sql", "2_b.up.sql", "Flyway"],
    );
    assert!(matches!(err, SourceError::MixedFormats { .. }), "{err:?}");
    let err = load_err(
        &[("1_a.sql", b"SELECT 1;"), ("2_b.up.sql", b"SELECT 2;")],
        &["1_a.sql", "2_b.up.sql"],
    );
    assert!(matches!(err, SourceError::MixedFormats { .. }), "{err:?}");
    let err = load_err(
        &[
            ("1_a.sql", b"SELECT 1;"),
            ("20240101000000_b/migration.sql", b"SELECT 2;"),
        ],
        &["1_a.sql", "migration.sql", "Prisma"],
    );
    assert!(matches!(err, SourceError::MixedFormats { .. }), "{err:?}");
}

#[test]
fn not_utf8() {
    let err = load_err(&[("1_a.sql", b"SELECT 1;\xff")], &["1_a.sql"]);
    assert!(
        matches!(err, SourceError::NotUtf8 { valid_up_to: 9, .. }),
        "{err:?}"
    );
}

#[test]
fn empty_file() {
    let err = load_err(
        &[("1_a.sql", b"SELECT 1;"), ("1_a.down.sql", b" \n\t\n")],
        &["1_a.down.sql"],
    );
    assert!(matches!(err, SourceError::Empty { .. }), "{err:?}");
}

#[test]
fn unrecognised_files() {
    for file in ["schema.sql", "seed.json", "init.up.sql", "notes/1_a.sql"] {
        let err = load_err(&[("1_a.sql", b"SELECT 1;"), (file, b"x")], &[file]);
        assert!(matches!(err, SourceError::Unrecognised { .. }), "{err:?}");
        assert!(err.to_string().contains("V<version>__<name>.sql"), "{err}");
    }
    let err = load_err(
        &[("2024_x/up.sql", b"SELECT 1;"), ("2024_x/notes.txt", b"x")],
        &["2024_x/notes.txt", "migration.sql (Prisma) or up.sql"],
    );
    assert!(matches!(err, SourceError::Unrecognised { .. }), "{err:?}");
    let err = load_err(
        &[("R__refresh_views.sql", b"SELECT 1;")],
        &["R__refresh_views.sql", "repeatable"],
    );
    assert!(matches!(err, SourceError::Unrecognised { .. }), "{err:?}");
    let err = load_err(
        &[
            ("2024-01-01-000000_x/up.sql", b"SELECT 1;"),
            (
                "2024-01-01-000000_x/metadata.toml",
                b"run_in_transaction = false",
            ),
        ],
        &["metadata.toml", "no-transaction"],
    );
    assert!(matches!(err, SourceError::Unrecognised { .. }), "{err:?}");
}

#[test]
fn empty_migration_folder_is_unrecognised() {
    let dir = folder(&[]);
    fs::create_dir(dir.path().join("20240101000000_init")).unwrap();
    let err = load_dir(dir.path()).unwrap_err();
    assert!(matches!(err, SourceError::Unrecognised { .. }), "{err:?}");
    assert!(err.to_string().contains("20240101000000_init"), "{err}");
}

#[test]
fn invalid_version() {
    let err = load_err(&[("2fa_enable.sql", b"SELECT 1;")], &["2fa_enable.sql"]);
    assert!(matches!(err, SourceError::InvalidVersion { .. }), "{err:?}");
}

#[test]
fn down_without_up() {
    let err = load_err(
        &[("1_a.sql", b"SELECT 1;"), ("2_b.down.sql", b"SELECT 2;")],
        &["2_b.down.sql"],
    );
    assert!(matches!(err, SourceError::DownWithoutUp { .. }), "{err:?}");
    let err = load_err(
        &[("20240101000000_a/down.sql", b"SELECT 1;")],
        &["20240101000000_a/down.sql"],
    );
    assert!(matches!(err, SourceError::DownWithoutUp { .. }), "{err:?}");
}

#[test]
fn bad_directive() {
    let err = load_err(
        &[
            ("1_a.up.sql", b"SELECT 1;"),
            ("1_a.down.sql", b"-- dbmigrate: kind=ddl\nSELECT 1;"),
        ],
        &["1_a.down.sql", "line 1"],
    );
    assert!(matches!(err, SourceError::Directive { .. }), "{err:?}");
}

const JOURNAL: &str = r#"{"version":"7","dialect":"postgresql","entries":[
  {"idx":0,"version":"7","when":1700000000000,"tag":"0000_init","breakpoints":true},
  {"idx":1,"version":"7","when":1700000100000,"tag":"0001_posts","breakpoints":true}]}"#;

#[test]
fn drizzle_journal_mismatch() {
    let err = load_err(
        &[
            ("0000_init.sql", b"SELECT 1;"),
            ("meta/_journal.json", JOURNAL.as_bytes()),
        ],
        &["_journal.json", "0001_posts.sql"],
    );
    assert!(matches!(err, SourceError::Metadata { .. }), "{err:?}");
    let err = load_err(
        &[
            ("0000_init.sql", b"SELECT 1;"),
            ("0001_posts.sql", b"SELECT 2;"),
            ("0002_extra.sql", b"SELECT 3;"),
            ("meta/_journal.json", JOURNAL.as_bytes()),
        ],
        &["_journal.json", "0002_extra.sql"],
    );
    assert!(matches!(err, SourceError::Metadata { .. }), "{err:?}");
    let err = load_err(
        &[
            ("0000_init.sql", b"SELECT 1;"),
            ("meta/_journal.json", b"{\"entries\": 3}"),
        ],
        &["_journal.json"],
    );
    assert!(matches!(err, SourceError::Metadata { .. }), "{err:?}");
}

/// Kubernetes mounts a ConfigMap as symbolic links through a hidden `..data` folder.
#[cfg(unix)]
#[test]
fn follows_configmap_symlinks() {
    use std::os::unix::fs::symlink;
    let dir = folder(&[("..2024_05_01_12_00_00.1/1_init.sql", b"SELECT 1;")]);
    symlink("..2024_05_01_12_00_00.1", dir.path().join("..data")).unwrap();
    symlink("..data/1_init.sql", dir.path().join("1_init.sql")).unwrap();
    let set = load_dir(dir.path()).unwrap();
    assert_eq!(summary(&set), [("1", "init", p("1_init.sql"), None)]);
}
