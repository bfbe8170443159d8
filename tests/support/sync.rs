//! ConfigSync scenarios shared by the SQLite and PostgreSQL tests: each sets up a table on a
//! fresh database, syncs through `dbmigrate::sync`, and checks the rows with plain SQL.

use dbmigrate::api::SyncMode;
use dbmigrate::plan::DatabaseKind;
use dbmigrate::sync::{self, SyncError, SyncReport, SyncRequest, TableSync};
use serde_json::{Value, json};

use super::db::TestDb;

/// The table most scenarios sync, portable between PostgreSQL and SQLite, with a write log
/// filled by triggers (so "no writes" is the database's word, not the sync's).
pub async fn items_table(db: &TestDb) {
    db.execute(
        "CREATE TABLE items (id BIGINT PRIMARY KEY, name TEXT NOT NULL UNIQUE, note TEXT, \
         score NUMERIC, enabled BOOLEAN NOT NULL DEFAULT FALSE); CREATE TABLE write_log (op TEXT)",
    )
    .await;
    let triggers = match db.kind() {
        DatabaseKind::Postgres => {
            "CREATE FUNCTION log_write() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN INSERT INTO write_log VALUES (TG_OP); RETURN NULL; END $$; \
             CREATE TRIGGER items_writes AFTER INSERT OR UPDATE OR DELETE ON items \
             FOR EACH ROW EXECUTE FUNCTION log_write()"
        }
        DatabaseKind::Sqlite => {
            "CREATE TRIGGER items_ins AFTER INSERT ON items BEGIN INSERT INTO write_log VALUES ('INSERT'); END; \
             CREATE TRIGGER items_upd AFTER UPDATE ON items BEGIN INSERT INTO write_log VALUES ('UPDATE'); END; \
             CREATE TRIGGER items_del AFTER DELETE ON items BEGIN INSERT INTO write_log VALUES ('DELETE'); END"
        }
    };
    db.execute(triggers).await;
}

/// A table sync of `items` with these rows (managed: every field but `id`).
pub fn items(rows: Value, mode: SyncMode) -> TableSync {
    let rows: Vec<serde_json::Map<String, Value>> = rows
        .as_array()
        .expect("rows are a list")
        .iter()
        .map(|r| r.as_object().expect("rows are objects").clone())
        .collect();
    let mut columns: Vec<String> = Vec::new();
    for row in &rows {
        for field in row.keys().filter(|f| *f != "id") {
            if !columns.contains(field) {
                columns.push(field.clone());
            }
        }
    }
    TableSync {
        table: "items".into(),
        key_columns: vec!["id".into()],
        columns,
        rows,
        text_source: false,
        mode,
    }
}

/// Syncs `tables` as `owner`.
pub async fn run(db: &TestDb, owner: &str, tables: &[TableSync]) -> Result<SyncReport, SyncError> {
    run_with(db, owner, tables, false).await
}

/// Syncs `tables` as `owner`, optionally as a dry run.
pub async fn run_with(
    db: &TestDb,
    owner: &str,
    tables: &[TableSync],
    dry_run: bool,
) -> Result<SyncReport, SyncError> {
    let request = SyncRequest {
        owner,
        tables,
        dry_run,
    };
    sync::sync(&db.url, &db.settings, &request).await
}

/// `(inserted, updated, deleted, unchanged)` of the first table.
pub fn counts(report: &SyncReport) -> (u64, u64, u64, u64) {
    let t = &report.tables[0];
    (t.inserted, t.updated, t.deleted, t.unchanged)
}

/// How many row writes the triggers logged.
pub async fn writes(db: &TestDb) -> String {
    db.scalar("SELECT count(*) FROM write_log").await
}

/// Upsert inserts and updates managed columns only; an unmanaged column edited by someone
/// else survives.
pub async fn upsert_touches_only_managed_columns(db: &TestDb) {
    items_table(db).await;
    let first = run(
        db,
        "ns/items",
        &[items(
            json!([{"id": 1, "name": "one"}, {"id": 2, "name": "two"}]),
            SyncMode::Upsert,
        )],
    )
    .await
    .expect("first sync");
    assert_eq!(counts(&first), (2, 0, 0, 0));
    db.execute("UPDATE items SET note = 'kept by hand' WHERE id = 1")
        .await;
    let second = run(
        db,
        "ns/items",
        &[items(
            json!([{"id": 1, "name": "one"}, {"id": 2, "name": "TWO"}, {"id": 3, "name": "three"}]),
            SyncMode::Upsert,
        )],
    )
    .await
    .expect("second sync");
    assert_eq!(counts(&second), (1, 1, 0, 1));
    assert_eq!(
        db.rows("SELECT id, name, COALESCE(note, '-') FROM items ORDER BY id")
            .await,
        [
            ["1", "one", "kept by hand"],
            ["2", "TWO", "-"],
            ["3", "three", "-"]
        ]
    );
}

/// Mirror deletes rows this owner synced that left the config, never anyone else's.
pub async fn mirror_prunes_only_owned_rows(db: &TestDb) {
    items_table(db).await;
    let three =
        json!([{"id": 1, "name": "one"}, {"id": 2, "name": "two"}, {"id": 3, "name": "three"}]);
    run(db, "ns/items", &[items(three, SyncMode::Mirror)])
        .await
        .expect("first sync");
    db.execute("INSERT INTO items (id, name) VALUES (99, 'added by hand')")
        .await;
    run(
        db,
        "ns/other",
        &[items(
            json!([{"id": 50, "name": "other owner"}]),
            SyncMode::Mirror,
        )],
    )
    .await
    .expect("other owner");
    let report = run(
        db,
        "ns/items",
        &[items(
            json!([{"id": 1, "name": "one"}, {"id": 3, "name": "three"}]),
            SyncMode::Mirror,
        )],
    )
    .await
    .expect("prune");
    assert_eq!(counts(&report), (0, 0, 1, 2));
    assert_eq!(
        db.rows("SELECT id FROM items ORDER BY id").await,
        [["1"], ["3"], ["50"], ["99"]]
    );
    // Rows pruned once are not owned any more: re-adding and re-pruning works.
    let report = run(
        db,
        "ns/items",
        &[items(json!([{"id": 1, "name": "one"}]), SyncMode::Mirror)],
    )
    .await
    .expect("prune again");
    assert_eq!(counts(&report), (0, 0, 1, 1));
}

/// A second identical sync writes nothing (the triggers' log says so) and reports no drift.
pub async fn second_run_writes_nothing(db: &TestDb) {
    items_table(db).await;
    let config = items(
        json!([{"id": 1, "name": "one", "score": 1.5, "enabled": true}, {"id": 2, "name": "two", "score": "2.50", "note": null, "enabled": false}]),
        SyncMode::Mirror,
    );
    run(db, "ns/items", std::slice::from_ref(&config))
        .await
        .expect("first sync");
    let before = writes(db).await;
    let report = run(db, "ns/items", std::slice::from_ref(&config))
        .await
        .expect("second sync");
    assert_eq!(counts(&report), (0, 0, 0, 2));
    assert!(!report.tables[0].drift_detected);
    assert_eq!(
        writes(db).await,
        before,
        "a second identical sync must not write"
    );
}

/// Someone edits a synced row: the next sync with the same config restores it and says drift.
pub async fn drift_is_detected_and_corrected(db: &TestDb) {
    items_table(db).await;
    let config = items(
        json!([{"id": 1, "name": "one"}, {"id": 2, "name": "two"}]),
        SyncMode::Upsert,
    );
    run(db, "ns/items", std::slice::from_ref(&config))
        .await
        .expect("first sync");
    db.execute("UPDATE items SET name = 'edited' WHERE id = 2")
        .await;
    let report = run(db, "ns/items", std::slice::from_ref(&config))
        .await
        .expect("resync");
    assert_eq!(counts(&report), (0, 1, 0, 1));
    assert!(report.tables[0].drift_detected, "{report:?}");
    assert_eq!(
        db.scalar("SELECT name FROM items WHERE id = 2").await,
        "two"
    );
    let calm = run(db, "ns/items", std::slice::from_ref(&config))
        .await
        .expect("third sync");
    assert!(!calm.tables[0].drift_detected);
    let changed = items(
        json!([{"id": 1, "name": "uno"}, {"id": 2, "name": "two"}]),
        SyncMode::Upsert,
    );
    let report = run(db, "ns/items", &[changed])
        .await
        .expect("config change");
    assert!(
        !report.tables[0].drift_detected,
        "a config change is not drift"
    );
}

/// A row that violates a constraint rolls back the whole request; the error names the row.
pub async fn constraint_violation_rolls_back_everything(db: &TestDb) {
    items_table(db).await;
    db.execute("CREATE TABLE tags (id BIGINT PRIMARY KEY, label TEXT NOT NULL)")
        .await;
    let tags = TableSync {
        table: "tags".into(),
        key_columns: vec!["id".into()],
        columns: vec!["label".into()],
        rows: vec![
            json!({"id": 1, "label": "fine"})
                .as_object()
                .expect("object")
                .clone(),
        ],
        text_source: false,
        mode: SyncMode::Upsert,
    };
    let clash = items(
        json!([{"id": 1, "name": "same"}, {"id": 2, "name": "other"}, {"id": 3, "name": "same"}]),
        SyncMode::Upsert,
    );
    let error = run(db, "ns/items", &[tags, clash])
        .await
        .expect_err("unique violation");
    assert_eq!(error.reason().as_str(), "ConstraintViolation");
    assert_eq!(error.table(), Some("items"));
    assert_eq!(error.row_key(), Some("id=3"), "{error}");
    assert!(error.to_string().contains("rolled back"), "{error}");
    assert_eq!(
        db.scalar("SELECT count(*) FROM tags").await,
        "0",
        "the earlier table rolled back too"
    );
    assert_eq!(db.scalar("SELECT count(*) FROM items").await, "0");
}

/// Values are data, never SQL; names that are not the table's columns are refused.
pub async fn injection_attempts_are_harmless(db: &TestDb) {
    items_table(db).await;
    let evil = "'); DROP TABLE items; --";
    run(
        db,
        "ns/items",
        &[items(json!([{"id": 1, "name": evil}]), SyncMode::Upsert)],
    )
    .await
    .expect("sync");
    assert_eq!(db.scalar("SELECT name FROM items WHERE id = 1").await, evil);
    let mut bad_column = items(
        json!([{"id": 2, "name\"; DROP TABLE items; --": "x"}]),
        SyncMode::Upsert,
    );
    bad_column.columns = vec!["name\"; DROP TABLE items; --".into()];
    let error = run(db, "ns/items", &[bad_column])
        .await
        .expect_err("unknown column");
    assert_eq!(error.reason().as_str(), "ColumnNotFound", "{error}");
    let mut bad_table = items(json!([{"id": 3, "name": "x"}]), SyncMode::Upsert);
    bad_table.table = "items; DROP TABLE items".into();
    assert_eq!(
        run(db, "ns/items", &[bad_table])
            .await
            .expect_err("no such table")
            .reason()
            .as_str(),
        "TableNotFound"
    );
    let mut control = items(json!([{"id": 3, "name": "x"}]), SyncMode::Upsert);
    control.table = "items\u{0}".into();
    assert_eq!(
        run(db, "ns/items", &[control])
            .await
            .expect_err("NUL")
            .reason()
            .as_str(),
        "InvalidIdentifier"
    );
    assert_eq!(
        db.scalar("SELECT count(*) FROM items").await,
        "1",
        "the table is intact"
    );
}

/// Type errors name table, row key and column; CSV text is converted per column type.
pub async fn type_errors_name_the_cell(db: &TestDb) {
    items_table(db).await;
    let wrong = items(
        json!([{"id": 1, "name": "one", "enabled": "maybe"}]),
        SyncMode::Upsert,
    );
    let error = run(db, "ns/items", &[wrong]).await.expect_err("type error");
    let message = error.to_string();
    assert_eq!(error.reason().as_str(), "TypeMismatch");
    assert!(
        message.contains("table items, row id=1, column `enabled`")
            && message.contains("\"maybe\""),
        "{message}"
    );
    let number_as_text = items(json!([{"id": 1, "name": 7}]), SyncMode::Upsert);
    let message = run(db, "ns/items", &[number_as_text])
        .await
        .expect_err("quote")
        .to_string();
    assert!(message.contains("quote it"), "{message}");
    let missing = items(json!([{"id": 1, "note": "no name"}]), SyncMode::Upsert);
    let mut missing = missing;
    missing.columns.push("name".into());
    let message = run(db, "ns/items", &[missing])
        .await
        .expect_err("not null")
        .to_string();
    assert!(message.contains("NOT NULL"), "{message}");
    let duplicate = items(
        json!([{"id": 1, "name": "a"}, {"id": 1, "name": "b"}]),
        SyncMode::Upsert,
    );
    assert_eq!(
        run(db, "ns/items", &[duplicate])
            .await
            .expect_err("dup")
            .reason()
            .as_str(),
        "DuplicateRowKey"
    );
    let mut csv = items(
        json!([{"id": "4", "name": "four", "score": "4.25", "enabled": "true"}]),
        SyncMode::Upsert,
    );
    csv.text_source = true;
    run(db, "ns/items", &[csv])
        .await
        .expect("CSV values convert");
    assert_eq!(db.rows("SELECT id, name FROM items").await, [["4", "four"]]);
    assert_eq!(
        db.scalar("SELECT count(*) FROM items WHERE enabled AND score = 4.25")
            .await,
        "1"
    );
}

/// A dry run computes the counts and writes nothing.
pub async fn dry_run_writes_nothing(db: &TestDb) {
    items_table(db).await;
    let report = run_with(
        db,
        "ns/items",
        &[items(json!([{"id": 1, "name": "one"}]), SyncMode::Upsert)],
        true,
    )
    .await
    .expect("dry run");
    assert_eq!(counts(&report), (1, 0, 0, 0));
    assert_eq!(db.scalar("SELECT count(*) FROM items").await, "0");
    assert_eq!(writes(db).await, "0");
}

fn one_item() -> TableSync {
    items(json!([{"id": 1, "name": "one"}]), SyncMode::Upsert)
}

/// With the migration lock held elsewhere, a sync gives up at its lock timeout.
pub async fn times_out_on_the_held_lock(db: &TestDb) {
    let impatient = db.with_timeouts(|t| t.lock = std::time::Duration::from_millis(300));
    let error = run(&impatient, "ns/items", &[one_item()])
        .await
        .expect_err("the lock is held");
    assert_eq!(error.reason().as_str(), "LockTimeout", "{error}");
}

/// Once the lock is released, the same sync runs.
pub async fn runs_once_the_lock_is_free(db: &TestDb) {
    run(db, "ns/items", &[one_item()])
        .await
        .expect("runs once the lock is free");
}
