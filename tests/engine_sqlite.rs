//! The engine against real SQLite files: applying, failures located at their statement, dirty
//! versions and their repair, down, rollback verification, concurrent and killed runs, the
//! statement and lock timeouts, and several history tables in one file.

mod support;

use std::ffi::OsStr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use dbmigrate::engine::{self, EngineError, Progress};
use dbmigrate::plan::DatabaseKind;
use dbmigrate::source::load_dir;
use e2e_harness::os::{CHILD_ENV, rerun_this_test};
use support::db::{TestDb, migration_failure, versions};
use support::migrations::{FORUM, MigrationDir};
use support::scenarios;

/// `0003_create_posts.sql` with a typo in its second statement, on line 10 column 8.
fn broken_posts() -> String {
    include_str!("fixtures/engine/sqlite/forum/0003_create_posts.sql")
        .replace("CREATE INDEX", "CREATE INDX")
}

/// `0004_index_posts_by_author.sql` (no transaction) whose second index names a missing table.
const BROKEN_INDEXES: &str = "\
-- dbmigrate: no-transaction
CREATE INDEX posts_author_idx ON posts (author_id);
CREATE INDEX posts_title_idx ON post (title);
";

/// The fixed file, tolerant of the index the failed attempt left behind.
const FIXED_INDEXES: &str = "\
-- dbmigrate: no-transaction
CREATE INDEX IF NOT EXISTS posts_author_idx ON posts (author_id);
CREATE INDEX IF NOT EXISTS posts_title_idx ON posts (title);
";

#[tokio::test]
async fn applies_all_then_nothing() {
    scenarios::applies_all_then_nothing(&TestDb::sqlite()).await;
}

#[tokio::test]
async fn applies_up_to_a_target_version() {
    scenarios::applies_up_to_target(&TestDb::sqlite()).await;
}

#[tokio::test]
async fn syntax_error_is_reported_at_its_line_and_rolled_back() {
    let failure =
        scenarios::failing_migration_leaves_no_trace(&TestDb::sqlite(), &broken_posts()).await;
    assert_eq!(
        (failure.line, failure.column),
        (Some(10), Some(8)),
        "{failure}"
    );
    assert_eq!(failure.sqlstate.as_deref(), Some("SQLITE_ERROR"));
    assert_eq!(failure.message, "near \"INDX\": syntax error");
    assert!(
        failure
            .to_string()
            .starts_with("0003_create_posts.sql:10:8: migration 0003 (create_posts) failed"),
        "{failure}"
    );
}

#[tokio::test]
async fn constraint_violation_is_reported_at_its_statement() {
    let db = TestDb::sqlite();
    let dir = MigrationDir::forum(DatabaseKind::Sqlite);
    dir.write(
        "0005_seed_forums.sql",
        "-- dbmigrate: kind=data\n\
         INSERT INTO forums (slug, title) VALUES ('general', 'General');\n\
         INSERT INTO forums (slug, title)\n    VALUES ('general', 'General again');\n",
    );
    let (report, failure) = migration_failure(db.apply(&dir.load(), None).await);
    assert_eq!(versions(&report.applied), ["0001", "0002", "0003", "0004"]);
    assert_eq!(
        (failure.line, failure.column),
        (Some(3), None),
        "the statement's first line: {failure}"
    );
    assert_eq!(
        failure.sqlstate.as_deref(),
        Some("SQLITE_CONSTRAINT_UNIQUE")
    );
    assert_eq!(failure.message, "UNIQUE constraint failed: forums.slug");
    assert_eq!(
        db.scalar("SELECT count(*) FROM forums").await,
        "0",
        "the first insert was rolled back too"
    );
}

#[tokio::test]
async fn edited_migration_is_a_checksum_mismatch() {
    scenarios::edited_migration_is_a_checksum_mismatch(&TestDb::sqlite()).await;
}

#[tokio::test]
async fn failed_no_transaction_migration_is_dirty_until_repaired() {
    let failure =
        scenarios::dirty_until_repaired(&TestDb::sqlite(), BROKEN_INDEXES, FIXED_INDEXES).await;
    assert_eq!(failure.line, Some(3), "{failure}");
    assert_eq!(failure.sqlstate.as_deref(), Some("SQLITE_ERROR"));
    assert_eq!(failure.message, "no such table: main.post");
}

#[tokio::test]
async fn dirty_version_finished_by_hand_is_marked_applied() {
    let finish = "CREATE INDEX posts_title_idx ON posts (title);";
    scenarios::dirty_marked_applied(&TestDb::sqlite(), BROKEN_INDEXES, finish).await;
}

#[tokio::test]
async fn down_reverts_newest_first_and_reapplies() {
    scenarios::down_reverts_newest_first(&TestDb::sqlite()).await;
}

#[tokio::test]
async fn verify_rollback_finds_a_down_script_that_drops_the_wrong_index() {
    let broken_down = "DROP INDEX posts_forum_created_idx;\n";
    let (problem, _) = scenarios::verify_rollback_finds_leftovers(
        &TestDb::sqlite(),
        "0004_index_posts_by_author.down.sql",
        broken_down,
    )
    .await;
    assert_eq!((problem.version.as_str(), problem.phase), ("0004", "down"));
    assert_eq!(
        problem.missing,
        [
            "index posts_forum_created_idx CREATE INDEX posts_forum_created_idx ON posts (forum_id, created_at DESC)"
        ]
    );
    assert_eq!(
        problem.unexpected,
        ["index posts_author_idx CREATE INDEX posts_author_idx ON posts (author_id)"]
    );
}

#[test]
fn concurrent_runs_apply_each_version_once() {
    scenarios::concurrent_runs_apply_each_once(&TestDb::sqlite(), 30);
}

/// `0006_backfill_post_counts.sql`: spins while `PRAGMA user_version` is 0, standing in for a
/// long backfill. The test kills the first run in it, then sets `user_version`.
const SPINNING_BACKFILL: &str = "\
-- dbmigrate: kind=data
ALTER TABLE forums ADD COLUMN post_count INTEGER NOT NULL DEFAULT 0;
WITH RECURSIVE spin(n) AS (
    SELECT 1 UNION ALL SELECT n + 1 FROM spin WHERE (SELECT user_version FROM pragma_user_version) = 0
)
SELECT count(*) FROM spin;
UPDATE forums SET post_count = (SELECT count(*) FROM posts WHERE posts.forum_id = forums.id);
";

/// What the child run of `killed_run_resumes` prints before each script.
const STARTING: &str = "dbmigrate-test: starting ";
const CHILD_DB: &str = "DBMIGRATE_TEST_SQLITE_FILE";
const CHILD_DIR: &str = "DBMIGRATE_TEST_MIGRATIONS_DIR";

/// A run killed (SIGKILL, in a child process) inside a migration: SQLite rolls the migration
/// back, and the next run applies it and the rest once.
#[tokio::test]
async fn killed_run_resumes() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return run_until_killed().await;
    }
    let db = TestDb::sqlite();
    let dir = scenarios::forum_with_backfill(&db, SPINNING_BACKFILL);
    let path = db.sqlite_path();
    let envs: [(&str, &OsStr); 2] = [
        (CHILD_DB, path.as_os_str()),
        (CHILD_DIR, dir.path().as_os_str()),
    ];
    let (mut child, lines) = rerun_this_test("killed_run_resumes", &envs);
    let marker = format!("{STARTING}0006");
    let reached = lines.map_while(Result::ok).any(|line| line == marker);
    assert!(reached, "the child run ended before it reached 0006");
    child.kill();

    scenarios::assert_killed_in_backfill(&db).await;
    db.execute("PRAGMA user_version = 1").await;
    scenarios::resume_after_kill(&db, &dir).await;
}

/// The child side of `killed_run_resumes`: applies everything, announcing each script.
async fn run_until_killed() {
    let var =
        |name| PathBuf::from(std::env::var_os(name).unwrap_or_else(|| panic!("{name} is not set")));
    let db = TestDb::sqlite_at(var(CHILD_DB));
    let set = load_dir(&var(CHILD_DIR)).expect("loading the migrations");
    let result = db
        .apply_with(&set, None, &mut |progress| {
            if let Progress::Starting { script: step, .. } = progress {
                println!("{STARTING}{}", step.version);
            }
        })
        .await;
    panic!("the child run should have been killed in 0006, but it ended: {result:?}");
}

#[tokio::test]
async fn endless_statement_is_interrupted_at_the_statement_timeout() {
    let db = TestDb::sqlite().with_timeouts(|t| t.statement = Duration::from_secs(1));
    let dir = MigrationDir::forum(DatabaseKind::Sqlite);
    dir.write(
        "0006_count_forever.sql",
        "-- A query that never ends.\n\
         WITH RECURSIVE numbers(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM numbers)\n\
         SELECT count(*) FROM numbers;\n",
    );
    let started = Instant::now();
    let (report, failure) = migration_failure(db.apply(&dir.load(), None).await);
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(versions(&report.applied), FORUM);
    assert_eq!(
        (failure.version.as_str(), failure.line),
        ("0006", Some(2)),
        "{failure}"
    );
    assert_eq!(failure.sqlstate.as_deref(), Some("SQLITE_INTERRUPT"));
    assert!(
        failure.message.contains("statement timeout of 1s"),
        "{}",
        failure.message
    );
    assert_eq!(db.history().await.len(), FORUM.len());
}

#[tokio::test]
async fn held_write_lock_hits_the_lock_timeout() {
    let db = TestDb::sqlite().with_timeouts(|t| t.lock = Duration::from_secs(1));
    let set = MigrationDir::forum(DatabaseKind::Sqlite).load();
    db.apply_ok(&set, Some("0002")).await;
    let holder = rusqlite::Connection::open(db.sqlite_path()).expect("opening a second connection");
    holder
        .execute_batch("BEGIN IMMEDIATE")
        .expect("taking the write lock");

    let blocked = db
        .apply(&set, None)
        .await
        .expect_err("the write lock is held");
    assert!(
        matches!(blocked.error, EngineError::LockTimeout { after, .. } if after == Duration::from_secs(1)),
        "{:?}",
        blocked.error
    );
    assert!(blocked.report.applied.is_empty());

    holder
        .execute_batch("COMMIT")
        .expect("releasing the write lock");
    let report = db.apply_ok(&set, None).await;
    assert_eq!(versions(&report.applied), ["0003", "0004", "0005"]);
}

#[tokio::test]
async fn history_tables_are_independent() {
    let db = TestDb::sqlite();
    scenarios::history_tables_are_independent(&db, &["other_history"]).await;
    let qualified = db.with_history("ops.history");
    let refused = engine::connect(&qualified.url, &qualified.settings)
        .await
        .err();
    assert!(
        matches!(
            refused,
            Some(EngineError::InvalidSetting {
                setting: "--history-table",
                ..
            })
        ),
        "SQLite has no schemas: {refused:?}"
    );
}
