//! The engine through a real PgBouncer in transaction pooling mode (two server connections per
//! database) in front of a real PostgreSQL: concurrent runners still apply every migration
//! exactly once, and non-transactional migrations (`CREATE INDEX CONCURRENTLY`) run and revert.

mod support;

use support::db::runtime;
use support::{pgbouncer, scenarios};

#[test]
fn concurrent_runs_through_pgbouncer_apply_each_version_once() {
    let db = runtime().block_on(pgbouncer::fresh_database());
    scenarios::concurrent_runs_apply_each_once(&db, 50);
    let mode = runtime().block_on(pgbouncer::pool_mode(&db));
    assert_eq!(
        mode.as_deref(),
        Some("transaction"),
        "the runs went through PgBouncer"
    );
}

#[tokio::test]
async fn applies_concurrent_index_migration_through_pgbouncer() {
    let db = pgbouncer::fresh_database().await;
    scenarios::applies_all_then_nothing(&db).await;
    assert_eq!(
        pgbouncer::pool_mode(&db).await.as_deref(),
        Some("transaction")
    );
}

#[tokio::test]
async fn down_and_reapply_through_pgbouncer() {
    scenarios::down_reverts_newest_first(&pgbouncer::fresh_database().await).await;
}
