//! Scenarios that go the same way on every database. Each dialect's test file runs them and
//! checks what only that database decides: error codes, positions, locks and timeouts.

use std::sync::Barrier;
use std::thread;

use dbmigrate::engine::{
    self, DatabaseUrl, EngineError, MigrationFailure, RollbackProblem, RollbackReport, RunReport,
    Scratch, verify_rollback,
};
use dbmigrate::plan::{MigrationState, PlanOverrides, PlanProblem, RecordKind, checksum};
use dbmigrate::source::MigrationSet;

use super::db::{TestDb, assert_applied_once, migration_failure, runtime, versions};
use super::migrations::{FORUM, MigrationDir};

/// A table both dialects accept, for migrations added after the forum fixture.
pub const POST_VOTES: &str = "CREATE TABLE post_votes (
    post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id),
    value INTEGER NOT NULL CHECK (value IN (-1, 1)),
    PRIMARY KEY (post_id, user_id)
);
";

/// Applies the forum set, checks what was recorded and created, then runs again: nothing to do.
pub async fn applies_all_then_nothing(db: &TestDb) {
    let set = MigrationDir::forum(db.kind()).load();
    let report = db.apply_ok(&set, None).await;
    assert_eq!(versions(&report.applied), FORUM);
    let kinds: Vec<RecordKind> = report.applied.iter().map(|m| m.kind).collect();
    let (schema, data) = (RecordKind::Schema, RecordKind::Data);
    assert_eq!(kinds, [schema, schema, schema, schema, data]);
    assert!(report.skipped.is_empty());

    let history = db.history().await;
    assert_applied_once(&history, &FORUM);
    for (record, migration) in history.iter().zip(&set.migrations) {
        assert_eq!(record.name, migration.name);
        assert_eq!(
            record.checksum,
            checksum(&migration.up),
            "checksum of {}",
            record.version
        );
        assert!(
            !record.applied_by.is_empty() && !record.applied_at.is_empty(),
            "{record:?}"
        );
    }
    let tables = db.tables().await;
    for table in [
        "users",
        "forums",
        "posts",
        "dbmigrate_history",
        "dbmigrate_history_meta",
    ] {
        assert!(
            tables.iter().any(|t| t == table),
            "{table} missing from {tables:?}"
        );
    }
    assert_eq!(db.scalar("SELECT count(*) FROM forums").await, "3");

    let again = db.apply_ok(&set, None).await;
    assert_eq!(
        again,
        RunReport::default(),
        "a second run has nothing to do"
    );
    let plan = db.plan(&set).await;
    assert!(
        plan.entries
            .iter()
            .all(|e| e.state == MigrationState::Applied),
        "{plan:?}"
    );
    assert_eq!(plan.current_version(), Some("0005"));
    assert_eq!(db.history().await.len(), FORUM.len());
}

/// `--to 0002` applies the first two only; a later run applies the rest.
pub async fn applies_up_to_target(db: &TestDb) {
    let set = MigrationDir::forum(db.kind()).load();
    let report = db.apply_ok(&set, Some("0002")).await;
    assert_eq!(versions(&report.applied), ["0001", "0002"]);
    let tables = db.tables().await;
    assert!(
        tables.contains(&"forums".to_owned()) && !tables.contains(&"posts".to_owned()),
        "{tables:?}"
    );
    let plan = db.plan(&set).await;
    assert_eq!(
        (plan.current_version(), plan.pending_count()),
        (Some("0002"), 3)
    );

    let rest = db.apply_ok(&set, None).await;
    assert_eq!(versions(&rest.applied), ["0003", "0004", "0005"]);
    assert_applied_once(&db.history().await, &FORUM);
}

/// Replaces `0003_create_posts.sql` (whose first statement creates `posts`) with `broken` and
/// runs: 0001 and 0002 stay applied, 0003 leaves no table and no history row, 0004 and later
/// do not run. Returns the failure for the dialect's own checks.
pub async fn failing_migration_leaves_no_trace(db: &TestDb, broken: &str) -> MigrationFailure {
    let dir = MigrationDir::forum(db.kind());
    dir.write("0003_create_posts.sql", broken);
    let set = dir.load();
    let (report, failure) = migration_failure(db.apply(&set, None).await);
    assert_eq!(versions(&report.applied), ["0001", "0002"]);
    assert_eq!(
        (
            failure.version.as_str(),
            failure.name.as_str(),
            failure.path.to_str()
        ),
        ("0003", "create_posts", Some("0003_create_posts.sql"))
    );
    assert!(failure.rolled_back, "{failure}");

    assert_applied_once(&db.history().await, &["0001", "0002"]);
    let tables = db.tables().await;
    assert!(tables.contains(&"forums".to_owned()), "{tables:?}");
    assert!(
        !tables.contains(&"posts".to_owned()),
        "the failed migration's table stayed: {tables:?}"
    );
    let plan = db.plan(&set).await;
    assert_eq!(
        plan.entries[2].state,
        MigrationState::Pending,
        "a rolled-back failure is not dirty"
    );
    assert!(plan.problems(PlanOverrides::default()).is_empty());
    failure
}

/// An applied file is edited: the plan reports a checksum mismatch naming it (so a run stops
/// before anything runs); accepting the edit (`repair`) lets the pending migration run.
pub async fn edited_migration_is_a_checksum_mismatch(db: &TestDb) {
    let dir = MigrationDir::forum(db.kind());
    let original = dir.load();
    db.apply_ok(&original, None).await;

    let edited_sql = format!(
        "{}CREATE INDEX forums_title_idx ON forums (title);\n",
        original.migrations[1].up.sql
    );
    dir.write("0002_create_forums.sql", &edited_sql)
        .write("0006_create_post_votes.sql", POST_VOTES);
    let edited = dir.load();
    let recorded = checksum(&original.migrations[1].up);
    let actual = checksum(&edited.migrations[1].up);
    let problems = db.plan(&edited).await.problems(PlanOverrides::default());
    assert_eq!(
        problems,
        [PlanProblem::ChecksumMismatch {
            version: "0002".into(),
            path: "0002_create_forums.sql".into(),
            recorded,
            actual: actual.clone(),
        }]
    );
    assert!(
        problems[0]
            .to_string()
            .starts_with("0002_create_forums.sql (version 0002) was edited"),
        "{}",
        problems[0]
    );

    db.connect()
        .await
        .set_checksum("0002", &actual)
        .await
        .expect("accepting the edit");
    let report = db.apply_ok(&edited, None).await;
    assert_eq!(versions(&report.applied), ["0006"]);
}

/// Applies the forum set with `0004_index_posts_by_author.sql` (non-transactional) replaced by
/// `broken`, whose first statement succeeds and a later one fails: 0004 is left dirty, the plan
/// says so, and a run planned before the failure stops at it. Returns the failure.
async fn leave_0004_dirty(db: &TestDb, dir: &MigrationDir, broken: &str) -> MigrationFailure {
    dir.write("0004_index_posts_by_author.sql", broken);
    let set = dir.load();
    let planned_before = db.plan(&set).await;
    let (report, failure) = migration_failure(db.apply(&set, None).await);
    assert_eq!(versions(&report.applied), ["0001", "0002", "0003"]);
    assert_eq!(failure.version, "0004");
    assert!(!failure.rolled_back, "{failure}");

    let history = db.history().await;
    let last = history.last().expect("history rows");
    assert_eq!((last.version.as_str(), last.success), ("0004", false));
    let recorded_error = last.error.as_deref().unwrap_or_default();
    assert!(
        recorded_error.contains(&failure.message),
        "{recorded_error}"
    );
    let plan = db.plan(&set).await;
    assert!(
        matches!(
            plan.entries[3].state,
            MigrationState::Dirty { error: Some(_) }
        ),
        "{:?}",
        plan.entries[3]
    );
    let problems = plan.problems(PlanOverrides::default());
    assert!(
        matches!(&problems[..], [PlanProblem::Dirty { version, .. }] if version == "0004"),
        "{problems:?}"
    );
    // A run that planned before the failure (a concurrent one) finds 0004 dirty under the lock.
    let mut conn = db.connect().await;
    let stopped = engine::apply(&mut *conn, &set, &planned_before, None, &mut |_| {})
        .await
        .expect_err("a dirty version stops the run");
    assert!(
        matches!(&stopped.error, EngineError::Dirty { version } if version == "0004"),
        "{:?}",
        stopped.error
    );
    assert_eq!(
        (stopped.report.applied.len(), stopped.report.skipped.len()),
        (0, 3)
    );
    failure
}

/// A non-transactional migration fails half-way: dirty until `repair` clears the record; the
/// fixed file (`fixed`, tolerant of what the first attempt did) then runs. Returns the failure.
pub async fn dirty_until_repaired(db: &TestDb, broken: &str, fixed: &str) -> MigrationFailure {
    let dir = MigrationDir::forum(db.kind());
    let failure = leave_0004_dirty(db, &dir, broken).await;
    let cleared = db
        .connect()
        .await
        .clear_dirty()
        .await
        .expect("clearing dirty records");
    assert_eq!(cleared, ["0004"]);
    dir.write("0004_index_posts_by_author.sql", fixed);
    let report = db.apply_ok(&dir.load(), None).await;
    assert_eq!(versions(&report.applied), ["0004", "0005"]);
    assert_applied_once(&db.history().await, &FORUM);
    failure
}

/// The other way out of a dirty version: the operator finishes the script by hand
/// (`finish_by_hand`) and marks the version applied; the next run goes on after it.
pub async fn dirty_marked_applied(db: &TestDb, broken: &str, finish_by_hand: &str) {
    let dir = MigrationDir::forum(db.kind());
    leave_0004_dirty(db, &dir, broken).await;
    db.execute(finish_by_hand).await;
    let mut conn = db.connect().await;
    assert!(
        conn.mark_applied("0004")
            .await
            .expect("marking 0004 applied")
    );
    assert!(
        !conn.mark_applied("0004").await.expect("marking again"),
        "0004 is no longer dirty"
    );
    assert!(
        !conn.mark_applied("0003").await.expect("marking 0003"),
        "0003 was never dirty"
    );
    let set = dir.load();
    assert_eq!(
        db.plan(&set).await.entries[3].state,
        MigrationState::Applied
    );
    let report = db.apply_ok(&set, None).await;
    assert_eq!(versions(&report.applied), ["0005"]);
    assert_applied_once(&db.history().await, &FORUM);
}

/// `down --to 0001` reverts 0005…0002 newest first and records `down` rows; applying again
/// re-applies them; `down` without a target reverts everything.
pub async fn down_reverts_newest_first(db: &TestDb) {
    let set = MigrationDir::forum(db.kind()).load();
    db.apply_ok(&set, None).await;
    let report = db.down(&set, Some("0001")).await.expect("down to 0001");
    assert_eq!(versions(&report.applied), ["0005", "0004", "0003", "0002"]);
    assert!(
        report.applied.iter().all(|m| m.kind == RecordKind::Down),
        "{report:?}"
    );
    let tables = db.tables().await;
    assert!(tables.contains(&"users".to_owned()), "{tables:?}");
    assert!(
        !tables.iter().any(|t| t == "forums" || t == "posts"),
        "{tables:?}"
    );

    let history = db.history().await;
    let reverts: Vec<(&str, RecordKind, bool)> = history[FORUM.len()..]
        .iter()
        .map(|r| (r.version.as_str(), r.kind, r.success))
        .collect();
    assert_eq!(
        reverts,
        ["0005", "0004", "0003", "0002"].map(|v| (v, RecordKind::Down, true)),
        "down rows after the applied ones"
    );
    let plan = db.plan(&set).await;
    let states: Vec<&str> = plan.entries.iter().map(|e| e.state.label()).collect();
    assert_eq!(
        states,
        ["applied", "pending", "pending", "pending", "pending"]
    );

    let again = db.apply_ok(&set, None).await;
    assert_eq!(versions(&again.applied), ["0002", "0003", "0004", "0005"]);
    assert_eq!(db.scalar("SELECT count(*) FROM forums").await, "3");

    let all = db.down(&set, None).await.expect("down all");
    assert_eq!(
        versions(&all.applied),
        ["0005", "0004", "0003", "0002", "0001"]
    );
    let left: Vec<String> = db
        .tables()
        .await
        .into_iter()
        .filter(|t| !t.starts_with("dbmigrate_history"))
        .collect();
    assert!(
        left.is_empty(),
        "tables left after reverting everything: {left:?}"
    );
}

/// `verify-rollback` on a scratch database passes for the forum set, then finds the migration
/// whose down script (`down_file` replaced by `broken_down`) leaves a different schema. The
/// tested database itself stays empty. Returns the problem and the scratch databases used.
pub async fn verify_rollback_finds_leftovers(
    db: &TestDb,
    down_file: &str,
    broken_down: &str,
) -> (RollbackProblem, Vec<DatabaseUrl>) {
    let dir = MigrationDir::forum(db.kind());
    let (report, first) = verify_on_scratch(db, &dir.load()).await;
    assert_eq!(
        report,
        RollbackReport {
            checked: FORUM.len(),
            problem: None
        }
    );
    dir.write(down_file, broken_down);
    let (report, second) = verify_on_scratch(db, &dir.load()).await;
    let problem = report.problem.expect("the broken down script is found");
    assert!(
        db.tables().await.is_empty(),
        "verify-rollback touched the tested database"
    );
    (problem, vec![first, second])
}

async fn verify_on_scratch(db: &TestDb, set: &MigrationSet) -> (RollbackReport, DatabaseUrl) {
    let scratch = Scratch::create(&db.url, &db.settings)
        .await
        .expect("creating a scratch database");
    let url = scratch.url().clone();
    let mut conn = scratch
        .connect(&db.settings)
        .await
        .expect("connecting to the scratch database");
    let report = verify_rollback(&mut *conn, set, &mut |_| {}).await;
    drop(conn);
    scratch.remove(&db.settings).await;
    (
        report.unwrap_or_else(|e| panic!("verify-rollback failed: {e}")),
        url,
    )
}

/// Two runners on two threads (two connections) start together on the same `count`
/// migrations: they serialise, both succeed, each version is applied exactly once; a third run
/// afterwards has nothing to do.
pub fn concurrent_runs_apply_each_once(db: &TestDb, count: usize) {
    let dir = MigrationDir::counted(count);
    let set = dir.load();
    let start = Barrier::new(2);
    let reports: Vec<RunReport> = thread::scope(|scope| {
        let runners: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    start.wait();
                    runtime().block_on(db.apply(&set, None))
                })
            })
            .collect();
        runners
            .into_iter()
            .map(|runner| runner.join().expect("a runner panicked"))
            .map(|result| result.unwrap_or_else(|e| panic!("a concurrent run failed: {e}")))
            .collect()
    });
    let expected = MigrationDir::counted_versions(count);
    let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
    let mut applied: Vec<&str> = reports.iter().flat_map(|r| versions(&r.applied)).collect();
    applied.sort_unstable();
    assert_eq!(
        applied, expected,
        "each version applied by exactly one runner"
    );

    runtime().block_on(async {
        assert_applied_once(&db.history().await, &expected);
        assert_eq!(
            db.scalar("SELECT count(*) FROM applied_log").await,
            count.to_string()
        );
        assert_eq!(
            db.scalar("SELECT count(DISTINCT version) FROM applied_log")
                .await,
            count.to_string()
        );
        assert_eq!(
            db.apply_ok(&set, None).await,
            RunReport::default(),
            "a third run has nothing to do"
        );
    });
}

/// Each history table keeps its own migrations: with the forum set applied under the default
/// table, sets recorded in `others` (which reuse versions 0001 and 0002) apply independently.
pub async fn history_tables_are_independent(db: &TestDb, others: &[&str]) {
    let forum = MigrationDir::forum(db.kind()).load();
    db.apply_ok(&forum, None).await;
    for name in others {
        let other = db.with_history(name);
        assert_eq!(
            other.plan(&forum).await.pending_count(),
            FORUM.len(),
            "{name} has no forum rows"
        );
        let prefix = name.replace('.', "_");
        let dir = MigrationDir::empty();
        dir.write(
            "0001_create_audit_events.sql",
            &format!("CREATE TABLE {prefix}_audit_events (id INTEGER PRIMARY KEY, action TEXT NOT NULL);\n"),
        )
        .write(
            "0002_create_audit_actors.sql",
            &format!("CREATE TABLE {prefix}_audit_actors (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n"),
        );
        let report = other.apply_ok(&dir.load(), None).await;
        assert_eq!(versions(&report.applied), ["0001", "0002"], "{name}");
        assert_applied_once(&other.history().await, &["0001", "0002"]);
        let tables = db.tables().await;
        assert!(
            tables.iter().any(|t| t == name),
            "{name} missing from {tables:?}"
        );
    }
    assert_applied_once(&db.history().await, &FORUM);
}

/// The forum set plus `0006_backfill_post_counts.sql` (`backfill`, which blocks until the
/// test lets it go) and `0007_create_post_votes.sql`.
pub fn forum_with_backfill(db: &TestDb, backfill: &str) -> MigrationDir {
    let dir = MigrationDir::forum(db.kind());
    dir.write("0006_backfill_post_counts.sql", backfill)
        .write("0007_create_post_votes.sql", POST_VOTES);
    dir
}

/// After a run was killed inside 0006 of [`forum_with_backfill`]: 0001–0005 are applied once,
/// 0006 left nothing (no history row, no `post_count` column).
pub async fn assert_killed_in_backfill(db: &TestDb) {
    assert_applied_once(&db.history().await, &FORUM);
    let columns = db.columns("forums").await;
    assert!(
        !columns.iter().any(|c| c == "post_count"),
        "the killed backfill's column stayed: {columns:?}"
    );
}

/// The run after the kill (the backfill no longer blocked) applies 0006 and 0007 once each.
pub async fn resume_after_kill(db: &TestDb, dir: &MigrationDir) {
    let report = db.apply_ok(&dir.load(), None).await;
    assert_eq!(versions(&report.applied), ["0006", "0007"]);
    let mut all = FORUM.to_vec();
    all.extend(["0006", "0007"]);
    assert_applied_once(&db.history().await, &all);
    assert_eq!(db.scalar("SELECT sum(post_count) FROM forums").await, "0");
}
