//! The ConfigSync engine on a real PostgreSQL server (and through PgBouncer in transaction mode).

mod support;

use support::db::TestDb;
use support::sync as scenario;

#[tokio::test]
async fn upsert_touches_only_managed_columns() {
    scenario::upsert_touches_only_managed_columns(&TestDb::postgres().await).await;
}

#[tokio::test]
async fn mirror_prunes_only_owned_rows() {
    scenario::mirror_prunes_only_owned_rows(&TestDb::postgres().await).await;
}

#[tokio::test]
async fn second_run_writes_nothing() {
    scenario::second_run_writes_nothing(&TestDb::postgres().await).await;
}

#[tokio::test]
async fn drift_is_detected_and_corrected() {
    scenario::drift_is_detected_and_corrected(&TestDb::postgres().await).await;
}

#[tokio::test]
async fn constraint_violation_rolls_back_everything() {
    scenario::constraint_violation_rolls_back_everything(&TestDb::postgres().await).await;
}

#[tokio::test]
async fn injection_attempts_are_harmless() {
    scenario::injection_attempts_are_harmless(&TestDb::postgres().await).await;
}

#[tokio::test]
async fn type_errors_name_the_cell() {
    scenario::type_errors_name_the_cell(&TestDb::postgres().await).await;
}

#[tokio::test]
async fn dry_run_writes_nothing() {
    scenario::dry_run_writes_nothing(&TestDb::postgres().await).await;
}

#[tokio::test]
async fn postgres_types_round_trip_and_compare_by_value() {
    use dbmigrate::api::SyncMode;
    use dbmigrate::sync::TableSync;
    use serde_json::json;
    let db = TestDb::postgres().await;
    db.execute(
        "CREATE SCHEMA app; CREATE TABLE app.settings (key TEXT PRIMARY KEY, doc JSONB NOT NULL, \
         raw JSON, tags TEXT[], limits INTEGER[], price NUMERIC(10,2), at TIMESTAMPTZ, day DATE, small SMALLINT)",
    )
    .await;
    let rows = json!([
        {"key": "a", "doc": {"b": 1, "a": [1, 2]}, "raw": {"x": true}, "tags": ["x", "y"], "limits": [1, 2],
         "price": 1.5, "at": "2024-05-01T12:00:00Z", "day": "2024-05-01", "small": 7},
    ]);
    let table = TableSync {
        table: "app.settings".into(),
        key_columns: vec!["key".into()],
        columns: [
            "doc", "raw", "tags", "limits", "price", "at", "day", "small",
        ]
        .map(String::from)
        .to_vec(),
        rows: rows
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| r.as_object().expect("object").clone())
            .collect(),
        text_source: false,
        mode: SyncMode::Upsert,
    };
    scenario::run(&db, "ns/settings", std::slice::from_ref(&table))
        .await
        .expect("first sync");
    assert_eq!(
        db.rows(
            "SELECT doc::text, tags::text, limits::text, price::text, day::text FROM app.settings"
        )
        .await,
        [[
            "{\"a\": [1, 2], \"b\": 1}",
            "{x,y}",
            "{1,2}",
            "1.50",
            "2024-05-01"
        ]]
    );
    // The same values written differently (timestamp offset, price scale, key order) are equal.
    let mut same = table.clone();
    let row = &mut same.rows[0];
    row.insert("at".into(), json!("2024-05-01T14:00:00+02:00"));
    row.insert("price".into(), json!("1.50"));
    row.insert("doc".into(), json!({"a": [1, 2], "b": 1}));
    let report = scenario::run(&db, "ns/settings", &[same])
        .await
        .expect("second sync");
    assert_eq!(scenario::counts(&report), (0, 0, 0, 1));
    let mut overflow = table.clone();
    overflow.rows[0].insert("small".into(), json!(70000));
    let error = scenario::run(&db, "ns/settings", &[overflow])
        .await
        .expect_err("smallint range");
    assert!(
        error
            .to_string()
            .contains("table app.settings, row key=a, column `small`"),
        "{error}"
    );
}

#[tokio::test]
async fn syncs_through_pgbouncer_in_transaction_mode() {
    let db = support::pgbouncer::fresh_database().await;
    scenario::mirror_prunes_only_owned_rows(&db).await;
    assert_eq!(
        support::pgbouncer::pool_mode(&db).await.as_deref(),
        Some("transaction")
    );
}

#[tokio::test]
async fn a_large_config_with_few_changes_takes_a_handful_of_statements() {
    use dbmigrate::api::SyncMode;
    use dbmigrate::sync::TableSync;
    use serde_json::json;
    const ROWS: usize = 100_000;
    let db = support::pgbouncer::fresh_database().await;
    db.execute("CREATE TABLE big (id BIGINT PRIMARY KEY, name TEXT NOT NULL, n INTEGER NOT NULL)")
        .await;
    let table = |changed_every: usize| TableSync {
        table: "big".into(),
        key_columns: vec!["id".into()],
        columns: vec!["name".into(), "n".into()],
        rows: (0..ROWS)
            .map(|i| {
                let n = if changed_every > 0 && i % changed_every == 0 {
                    1
                } else {
                    0
                };
                json!({"id": i, "name": format!("row {i}"), "n": n})
                    .as_object()
                    .expect("object")
                    .clone()
            })
            .collect(),
        text_source: false,
        mode: SyncMode::Upsert,
    };
    scenario::run(&db, "ns/big", &[table(0)])
        .await
        .expect("first sync");
    let before = support::pgbouncer::query_count(&db).await;
    let report = scenario::run(&db, "ns/big", &[table(100)])
        .await
        .expect("1% changed");
    let queries = support::pgbouncer::query_count(&db).await - before;
    assert_eq!(scenario::counts(&report), (0, 1000, 0, 99_000));
    // PgBouncer counts every query it forwarded: the sync is a few set-based statements,
    // not one per row (the bound leaves room for the bookkeeping).
    assert!(queries > 0, "PgBouncer's stats must have seen the sync");
    assert!(queries < 40, "{queries} queries for {ROWS} rows");
    assert_eq!(
        db.scalar("SELECT count(*) FROM big WHERE n = 1").await,
        "1000"
    );
}

#[tokio::test]
async fn a_value_the_database_refuses_names_its_row() {
    use dbmigrate::api::SyncMode;
    use dbmigrate::sync::TableSync;
    use serde_json::json;
    let db = TestDb::postgres().await;
    db.execute("CREATE TABLE codes (id INTEGER PRIMARY KEY, code VARCHAR(3) NOT NULL)")
        .await;
    let table = TableSync {
        table: "codes".into(),
        key_columns: vec!["id".into()],
        columns: vec!["code".into()],
        rows: (1..=40)
            .map(|i| {
                json!({"id": i, "code": if i == 27 { "TOOLONG" } else { "ok" }})
                    .as_object()
                    .expect("object")
                    .clone()
            })
            .collect(),
        text_source: false,
        mode: SyncMode::Upsert,
    };
    let error = scenario::run(&db, "ns/codes", &[table])
        .await
        .expect_err("varchar(3)");
    assert_eq!(error.reason().as_str(), "InvalidValue", "{error}");
    assert_eq!(error.row_key(), Some("id=27"), "{error}");
    assert_eq!(db.scalar("SELECT count(*) FROM codes").await, "0");
}

#[tokio::test]
async fn waits_for_the_migration_lock_then_times_out() {
    let db = TestDb::postgres().await;
    scenario::items_table(&db).await;
    let holder = support::postgres::client(db.postgres_url()).await;
    holder
        .batch_execute("BEGIN; SELECT pg_advisory_xact_lock(hashtextextended('dbmigrate:dbmigrate_history:' || current_database(), 0))")
        .await
        .expect("taking the migration lock by hand");
    scenario::times_out_on_the_held_lock(&db).await;
    holder
        .batch_execute("ROLLBACK")
        .await
        .expect("releasing the lock");
    scenario::runs_once_the_lock_is_free(&db).await;
}
