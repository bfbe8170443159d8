//! The engine against a real PostgreSQL server (started by the harness, one database per
//! test): applying, failures located by the server's error position, dirty non-transactional
//! migrations and their repair, down, rollback verification on a scratch database, concurrent
//! and killed runs, connect/statement/lock timeouts, and several history tables.

mod support;

use std::time::{Duration, Instant};

use dbmigrate::engine::{self, DatabaseUrl, EngineError, EngineSettings, Timeouts};
use dbmigrate::plan::DatabaseKind;
use support::db::{TestDb, migration_failure, runtime, versions};
use support::migrations::{FORUM, MigrationDir};
use support::postgres::{client, database_exists, waiting_for_advisory_lock};
use support::scenarios;

const POSTS: &str = include_str!("fixtures/engine/postgres/forum/0003_create_posts.sql");

/// `0003_create_posts.sql` with a typo in its second statement, on line 10 column 8.
fn broken_posts() -> String {
    POSTS.replace("CREATE INDEX", "CREATE INDX")
}

/// `0003_create_posts.sql` whose welcome post reads from a table that does not exist (`forum`
/// on line 12, column 6).
fn posts_with_undefined_table() -> String {
    let table = &POSTS[..POSTS.find(");\n").expect("the fixture creates a table") + 3];
    format!(
        "{table}INSERT INTO posts (forum_id, author_id, title, body)\n\
         SELECT f.id, u.id, 'Welcome', 'Say hello here.'\n\
         FROM forum f CROSS JOIN users u\n\
         WHERE f.slug = 'general' AND u.email = 'admin@example.com';\n"
    )
}

/// `0004_index_posts_by_author.sql` whose second index misspells a column (line 3, column 59).
const BROKEN_INDEXES: &str = "\
-- dbmigrate: no-transaction
CREATE INDEX CONCURRENTLY posts_author_idx ON posts (author_id);
CREATE INDEX CONCURRENTLY posts_title_idx ON posts (lower(titel));
";

/// The fixed file, tolerant of the index the failed attempt left behind.
const FIXED_INDEXES: &str = "\
-- dbmigrate: no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS posts_author_idx ON posts (author_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS posts_title_idx ON posts (lower(title));
";

#[tokio::test]
async fn applies_all_then_nothing() {
    scenarios::applies_all_then_nothing(&TestDb::postgres().await).await;
}

#[tokio::test]
async fn applies_up_to_a_target_version() {
    scenarios::applies_up_to_target(&TestDb::postgres().await).await;
}

#[tokio::test]
async fn syntax_error_is_located_by_its_position_and_rolled_back() {
    let failure =
        scenarios::failing_migration_leaves_no_trace(&TestDb::postgres().await, &broken_posts())
            .await;
    assert_eq!(
        (failure.line, failure.column),
        (Some(10), Some(8)),
        "{failure}"
    );
    assert_eq!(failure.sqlstate.as_deref(), Some("42601"));
    assert_eq!(failure.message, "syntax error at or near \"INDX\"");
    assert!(
        failure.to_string().starts_with(
            "0003_create_posts.sql:10:8: migration 0003 (create_posts) failed: [42601]"
        ),
        "{failure}"
    );
}

#[tokio::test]
async fn undefined_table_is_located_by_its_position_and_rolled_back() {
    let db = TestDb::postgres().await;
    let failure =
        scenarios::failing_migration_leaves_no_trace(&db, &posts_with_undefined_table()).await;
    assert_eq!(
        (failure.line, failure.column),
        (Some(12), Some(6)),
        "{failure}"
    );
    assert_eq!(failure.sqlstate.as_deref(), Some("42P01"));
    assert_eq!(failure.message, "relation \"forum\" does not exist");
}

#[tokio::test]
async fn edited_migration_is_a_checksum_mismatch() {
    scenarios::edited_migration_is_a_checksum_mismatch(&TestDb::postgres().await).await;
}

#[tokio::test]
async fn failed_concurrent_index_migration_is_dirty_until_repaired() {
    let db = TestDb::postgres().await;
    let failure = scenarios::dirty_until_repaired(&db, BROKEN_INDEXES, FIXED_INDEXES).await;
    // The position counts from the failed statement, sent alone: mapped back into the file.
    assert_eq!(
        (failure.line, failure.column),
        (Some(3), Some(59)),
        "{failure}"
    );
    assert_eq!(failure.sqlstate.as_deref(), Some("42703"));
    assert_eq!(failure.message, "column \"titel\" does not exist");
    let valid = db
        .scalar("SELECT bool_and(indisvalid) FROM pg_index WHERE indrelid = 'posts'::regclass")
        .await;
    assert_eq!(valid, "t", "every index on posts is valid after the repair");
}

#[tokio::test]
async fn dirty_version_finished_by_hand_is_marked_applied() {
    let finish = "CREATE INDEX CONCURRENTLY posts_title_idx ON posts (lower(title))";
    scenarios::dirty_marked_applied(&TestDb::postgres().await, BROKEN_INDEXES, finish).await;
}

#[tokio::test]
async fn down_reverts_newest_first_and_reapplies() {
    scenarios::down_reverts_newest_first(&TestDb::postgres().await).await;
}

#[tokio::test]
async fn verify_rollback_finds_a_down_script_that_drops_the_wrong_index() {
    let broken_down =
        "-- dbmigrate: no-transaction\nDROP INDEX CONCURRENTLY posts_forum_created_idx;\n";
    let (problem, scratches) = scenarios::verify_rollback_finds_leftovers(
        &TestDb::postgres().await,
        "0004_index_posts_by_author.down.sql",
        broken_down,
    )
    .await;
    assert_eq!((problem.version.as_str(), problem.phase), ("0004", "down"));
    assert_eq!(
        problem.missing,
        [
            "index CREATE INDEX posts_forum_created_idx ON public.posts USING btree (forum_id, created_at DESC)"
        ]
    );
    assert_eq!(
        problem.unexpected,
        ["index CREATE INDEX posts_author_idx ON public.posts USING btree (author_id)"]
    );
    for scratch in scratches {
        let DatabaseUrl::Postgres(url) = scratch else {
            panic!("a PostgreSQL scratch")
        };
        let name = url.rsplit('/').next().expect("a database name");
        assert!(name.starts_with("dbmigrate_scratch_"), "{name}");
        assert!(
            !database_exists(name).await,
            "scratch database {name} was not dropped"
        );
    }
}

#[test]
fn concurrent_runs_apply_each_version_once() {
    let db = runtime().block_on(TestDb::postgres());
    scenarios::concurrent_runs_apply_each_once(&db, 30);
}

/// The advisory lock `0006_backfill_post_counts.sql` waits for while the test holds it.
const BACKFILL_LOCK: i64 = 4242;

/// `0006_backfill_post_counts.sql`: waits for [`BACKFILL_LOCK`], standing in for a long
/// backfill that the test interrupts.
const BLOCKED_BACKFILL: &str = "\
-- dbmigrate: kind=data
ALTER TABLE forums ADD COLUMN post_count bigint NOT NULL DEFAULT 0;
SELECT pg_advisory_xact_lock(4242);
UPDATE forums SET post_count = (SELECT count(*) FROM posts WHERE posts.forum_id = forums.id);
";

/// A run whose connection is killed (`pg_terminate_backend`) inside a migration: the server
/// rolls the migration back, and the next run applies it and the rest once.
#[tokio::test]
async fn killed_run_resumes() {
    let db = TestDb::postgres().await;
    let dir = scenarios::forum_with_backfill(&db, BLOCKED_BACKFILL);
    let set = dir.load();
    let holder = client(db.postgres_url()).await;
    holder
        .execute("SELECT pg_advisory_lock($1)", &[&BACKFILL_LOCK])
        .await
        .expect("holding the backfill's lock");
    let kill = async {
        let pid = waiting_for_advisory_lock(&holder, BACKFILL_LOCK).await;
        let row = holder
            .query_one("SELECT pg_terminate_backend($1)", &[&pid])
            .await
            .expect("terminating the run");
        assert!(row.get::<_, bool>(0), "backend {pid} was not terminated");
    };
    let (killed, ()) = tokio::join!(db.apply(&set, None), kill);
    let killed = killed.expect_err("the killed run fails");
    assert_eq!(
        versions(&killed.report.applied),
        FORUM,
        "applied before the kill"
    );

    scenarios::assert_killed_in_backfill(&db).await;
    holder
        .execute("SELECT pg_advisory_unlock($1)", &[&BACKFILL_LOCK])
        .await
        .expect("releasing the backfill's lock");
    scenarios::resume_after_kill(&db, &dir).await;
}

#[tokio::test]
async fn hanging_server_hits_the_connect_timeout() {
    // Accepts connections and never says a word.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binding a silent listener");
    let port = listener.local_addr().expect("listener address").port();
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let url = DatabaseUrl::parse(&format!("postgres://postgres@127.0.0.1:{port}/forum"))
        .expect("a valid URL");
    let settings = EngineSettings {
        timeouts: Timeouts {
            connect: Duration::from_secs(1),
            ..Timeouts::default()
        },
        ..EngineSettings::default()
    };
    let started = Instant::now();
    let result = engine::connect(&url, &settings).await.err();
    let elapsed = started.elapsed();
    assert!(
        matches!(result, Some(EngineError::ConnectTimeout { after, .. }) if after == Duration::from_secs(1)),
        "{result:?}"
    );
    assert!(
        elapsed < Duration::from_secs(10),
        "gave up only after {elapsed:?}"
    );
    silent.abort();
}

#[tokio::test]
async fn long_statement_hits_the_statement_timeout() {
    let db = TestDb::postgres()
        .await
        .with_timeouts(|t| t.statement = Duration::from_secs(1));
    let dir = MigrationDir::forum(DatabaseKind::Postgres);
    dir.write(
        "0006_refresh_forum_stats.sql",
        "-- A report that takes far too long.\nSELECT pg_sleep(30);\n",
    );
    let (report, failure) = migration_failure(db.apply(&dir.load(), None).await);
    assert_eq!(versions(&report.applied), FORUM);
    assert_eq!(failure.version, "0006");
    assert_eq!(failure.sqlstate.as_deref(), Some("57014"), "{failure}");
    assert_eq!(
        failure.message,
        "canceling statement due to statement timeout"
    );
    assert!(failure.rolled_back);
    assert_eq!(db.history().await.len(), FORUM.len());
}

#[tokio::test]
async fn held_migration_lock_hits_the_lock_timeout() {
    let db = TestDb::postgres()
        .await
        .with_timeouts(|t| t.lock = Duration::from_secs(1));
    let set = MigrationDir::forum(DatabaseKind::Postgres).load();
    db.apply_ok(&set, Some("0002")).await;
    // The key the engine locks for the default history table (see src/engine/postgres/sql.rs).
    let holder = client(db.postgres_url()).await;
    holder
        .batch_execute(
            "BEGIN; SELECT pg_advisory_xact_lock(hashtextextended('dbmigrate:dbmigrate_history:' || current_database(), 0))",
        )
        .await
        .expect("holding the migration lock");

    let blocked = db
        .apply(&set, None)
        .await
        .expect_err("the migration lock is held");
    assert!(
        matches!(&blocked.error, EngineError::LockTimeout { what, after }
            if what == "history table dbmigrate_history" && *after == Duration::from_secs(1)),
        "{:?}",
        blocked.error
    );
    assert!(blocked.report.applied.is_empty());

    holder
        .batch_execute("COMMIT")
        .await
        .expect("releasing the migration lock");
    let report = db.apply_ok(&set, None).await;
    assert_eq!(versions(&report.applied), ["0003", "0004", "0005"]);
}

#[tokio::test]
async fn migration_waiting_for_a_table_lock_hits_the_lock_timeout() {
    let db = TestDb::postgres()
        .await
        .with_timeouts(|t| t.lock = Duration::from_secs(1));
    let dir = MigrationDir::forum(DatabaseKind::Postgres);
    db.apply_ok(&dir.load(), None).await;
    // A long-running reader keeps posts locked against ALTER TABLE.
    let reader = client(db.postgres_url()).await;
    reader
        .batch_execute("BEGIN; SELECT count(*) FROM posts")
        .await
        .expect("reading posts");
    dir.write(
        "0006_add_posts_edited_at.sql",
        "ALTER TABLE posts ADD COLUMN edited_at timestamptz;\n",
    );
    let set = dir.load();

    let (_, failure) = migration_failure(db.apply(&set, None).await);
    assert_eq!(
        (failure.version.as_str(), failure.sqlstate.as_deref()),
        ("0006", Some("55P03")),
        "{failure}"
    );
    assert_eq!(failure.message, "canceling statement due to lock timeout");

    reader
        .batch_execute("COMMIT")
        .await
        .expect("ending the reader's transaction");
    let report = db.apply_ok(&set, None).await;
    assert_eq!(versions(&report.applied), ["0006"]);
}

#[tokio::test]
async fn history_tables_are_independent() {
    let db = TestDb::postgres().await;
    scenarios::history_tables_are_independent(&db, &["other_history", "ops.schema_history"]).await;
}
