//! The ConfigSync engine on a real SQLite file.

mod support;

use support::db::TestDb;
use support::sync as scenario;

#[tokio::test]
async fn upsert_touches_only_managed_columns() {
    scenario::upsert_touches_only_managed_columns(&TestDb::sqlite()).await;
}

#[tokio::test]
async fn mirror_prunes_only_owned_rows() {
    scenario::mirror_prunes_only_owned_rows(&TestDb::sqlite()).await;
}

#[tokio::test]
async fn second_run_writes_nothing() {
    scenario::second_run_writes_nothing(&TestDb::sqlite()).await;
}

#[tokio::test]
async fn drift_is_detected_and_corrected() {
    scenario::drift_is_detected_and_corrected(&TestDb::sqlite()).await;
}

#[tokio::test]
async fn constraint_violation_rolls_back_everything() {
    scenario::constraint_violation_rolls_back_everything(&TestDb::sqlite()).await;
}

#[tokio::test]
async fn injection_attempts_are_harmless() {
    scenario::injection_attempts_are_harmless(&TestDb::sqlite()).await;
}

#[tokio::test]
async fn type_errors_name_the_cell() {
    scenario::type_errors_name_the_cell(&TestDb::sqlite()).await;
}

#[tokio::test]
async fn dry_run_writes_nothing() {
    scenario::dry_run_writes_nothing(&TestDb::sqlite()).await;
}

#[tokio::test]
async fn waits_for_the_write_lock_then_times_out() {
    let db = TestDb::sqlite();
    scenario::items_table(&db).await;
    let holder = rusqlite::Connection::open(db.sqlite_path()).expect("second connection");
    holder
        .execute_batch("BEGIN IMMEDIATE")
        .expect("taking the write lock by hand");
    scenario::times_out_on_the_held_lock(&db).await;
    holder
        .execute_batch("ROLLBACK")
        .expect("releasing the lock");
    scenario::runs_once_the_lock_is_free(&db).await;
}
