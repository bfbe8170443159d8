//! ConfigSync through the operator end to end: sync Jobs run by job-runner (or a real
//! cluster) against a real PostgreSQL; each test asserts the status, the Events and the rows.

mod support;

use std::time::{Duration, Instant};

use support::operator::{Operator, migration};

/// The name of the DatabaseMigration creating `table` (its history table is named after it,
/// so tests sharing one database through `E2E_DATABASE_URL` keep apart).
fn schema_name(table: &str) -> String {
    format!("{}-schema", table.replace('_', "-"))
}

/// The DatabaseMigration creating the table the ConfigSyncs fill.
fn schema(table: &str) -> String {
    let sql = format!("CREATE TABLE {table} (slug text PRIMARY KEY, title text NOT NULL);");
    migration(&schema_name(table), &[("1_forums.sql", &sql)], "")
}

/// A ConfigMap holding `forums.yaml` with these `(slug, title)` rows under `forums:`.
fn forum_config(rows: &[(&str, &str)]) -> String {
    let mut text = "apiVersion: v1
kind: ConfigMap
metadata:
  name: forum-config
data:
  forums.yaml: |
    forums:
"
    .to_owned();
    for (slug, title) in rows {
        text.push_str(&format!("    - {{slug: {slug}, title: {title}}}\n"));
    }
    text
}

/// A mirror-mode ConfigSync of `forum-config` into `table`, after its schema migration.
fn config_sync(table: &str, extra: &str) -> String {
    let schema = schema_name(table);
    format!(
        "apiVersion: dbmigrate.dev/v1alpha1
kind: ConfigSync
metadata:
  name: forums
spec:
  database:
    urlSecretRef: {{name: db, key: url}}
  dependsOn:
  - {{kind: DatabaseMigration, name: {schema}}}
{extra}  tables:
  - table: {table}
    keyColumns: [slug]
    mode: mirror
    rowsFrom: {{configMap: forum-config, key: forums.yaml, path: forums}}
"
    )
}

/// `kubectl describe` of the ConfigSync `name`: its Events at the end.
fn event_reasons(operator: &Operator, name: &str) -> String {
    operator.fixture.ok(&["describe", "cfgsync", name])
}

/// Sets `spec.suspend` of the ConfigSync `forums`.
fn set_suspend(operator: &Operator, suspend: bool) {
    let patch = format!(r#"{{"spec":{{"suspend":{suspend}}}}}"#);
    operator
        .fixture
        .ok(&["patch", "cfgsync/forums", "--type=merge", "-p", &patch]);
}

#[test]
fn a_config_sync_waits_for_its_migration_then_mirrors_its_config_map() {
    let operator = Operator::start("cs-mirror");
    let fixture = &operator.fixture;
    fixture.apply(&forum_config(&[("general", "General"), ("help", "Help")]));
    fixture.apply(&config_sync("cs_forums", ""));
    operator.wait_for("cfgsync/forums", "condition=Blocked");
    assert_eq!(
        fixture.jsonpath(
            "cfgsync/forums",
            "{.status.conditions[?(@.type==\"Blocked\")].reason}"
        ),
        "DependencyNotReady"
    );
    let message = fixture.jsonpath("cfgsync/forums", "{.status.message}");
    assert!(
        message.contains("DatabaseMigration") && message.contains("does not exist"),
        "{message}"
    );
    assert_eq!(fixture.jsonpath("jobs", "{.items[*].metadata.name}"), "");

    // the migration's Ready status wakes the ConfigSync
    fixture.apply(&schema("cs_forums"));
    operator.wait_for(
        &format!("dbm/{}", schema_name("cs_forums")),
        "condition=Ready",
    );
    operator.wait_for("cfgsync/forums", "condition=Ready");
    assert_eq!(
        operator.sql("SELECT slug, title FROM cs_forums ORDER BY slug"),
        "general|General\nhelp|Help"
    );
    assert_eq!(
        fixture.jsonpath(
            "cfgsync/forums",
            "{.status.phase} {.status.rows} {.status.tables[0].inserted} {.status.observedGeneration}"
        ),
        "Ready 2 2 1"
    );
    let table = fixture.ok(&["get", "cfgsync"]);
    assert!(
        table.contains("Ready") && table.contains("2 rows in sync"),
        "kubectl get cfgsync:\n{table}"
    );
    let reasons = event_reasons(&operator, "forums");
    assert!(
        reasons.contains("StepStarted") && reasons.contains("Synced"),
        "events: {reasons}"
    );

    // a row leaves the ConfigMap: mirror mode deletes it, another is renamed
    fixture.apply(&forum_config(&[("general", "General talk")]));
    operator.wait_for("cfgsync/forums", "jsonpath={.status.tables[0].deleted}=1");
    operator.wait_for("cfgsync/forums", "condition=Ready");
    assert_eq!(
        operator.sql("SELECT slug, title FROM cs_forums"),
        "general|General talk"
    );
    assert_eq!(
        fixture.jsonpath(
            "cfgsync/forums",
            "{.status.rows} {.status.tables[0].updated}"
        ),
        "1 1"
    );

    // its Jobs go (their TTL, or by hand): the next sync waits for the interval (10m)
    let sync_jobs = ["jobs", "-l", "dbmigrate.dev/kind=ConfigSync"];
    fixture.ok(&[&["delete"], &sync_jobs[..], &["--wait=false"]].concat());
    std::thread::sleep(Duration::from_secs(3));
    let left = fixture.ok(&[&["get"], &sync_jobs[..], &["-o", "name"]].concat());
    assert_eq!(left.trim(), "", "a sync ran before its interval");
    assert_eq!(
        fixture.jsonpath("cfgsync/forums", "{.status.phase}"),
        "Ready"
    );
}

#[test]
fn drift_is_corrected_on_each_interval_and_suspend_stops_syncing() {
    let operator = Operator::start("cs-drift");
    let fixture = &operator.fixture;
    fixture.apply(&schema("drift_forums"));
    fixture.apply(&forum_config(&[("general", "General")]));
    fixture.apply(&config_sync("drift_forums", "  interval: 2s\n"));
    operator.wait_for("cfgsync/forums", "condition=Ready");
    let first_sync = fixture.jsonpath("cfgsync/forums", "{.status.lastSyncTime}");

    // someone edits a synced row by hand: the next sync sets it back and says so
    operator.sql("UPDATE drift_forums SET title = 'edited by hand'");
    operator.wait_for("cfgsync/forums", "jsonpath={.status.driftDetected}=true");
    assert_eq!(operator.sql("SELECT title FROM drift_forums"), "General");
    assert_eq!(
        fixture.jsonpath("cfgsync/forums", "{.status.phase}"),
        "Ready",
        "a periodic sync keeps the resource Ready"
    );
    assert_ne!(
        fixture.jsonpath("cfgsync/forums", "{.status.lastSyncTime}"),
        first_sync
    );
    assert!(event_reasons(&operator, "forums").contains("DriftCorrected"));

    // periodic syncs keep only the newest Jobs
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let steps = fixture.ok(&[
            "get",
            "jobs",
            "-l",
            "dbmigrate.dev/kind=ConfigSync",
            "-o",
            "jsonpath={.items[*].metadata.labels.dbmigrate\\.dev/step}",
        ]);
        let steps: Vec<u32> = steps
            .split_whitespace()
            .filter_map(|s| s.parse().ok())
            .collect();
        let newest = steps.iter().max().copied().unwrap_or(0);
        if newest >= 4 {
            assert!(
                steps.iter().all(|s| s + 2 >= newest),
                "old sync Jobs are kept: steps {steps:?}"
            );
            break;
        }
        assert!(Instant::now() < deadline, "no 5th sync: steps {steps:?}");
        std::thread::sleep(Duration::from_millis(200));
    }

    // suspended: Blocked, and drift stays until it is resumed
    set_suspend(&operator, true);
    operator.wait_for("cfgsync/forums", "condition=Blocked");
    assert_eq!(
        fixture.jsonpath(
            "cfgsync/forums",
            "{.status.conditions[?(@.type==\"Blocked\")].reason}"
        ),
        "Suspended"
    );
    // let a sync that was running when it was suspended finish
    std::thread::sleep(Duration::from_secs(3));
    operator.sql("UPDATE drift_forums SET title = 'edited while suspended'");
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(
        operator.sql("SELECT title FROM drift_forums"),
        "edited while suspended"
    );
    set_suspend(&operator, false);
    operator.wait_for("cfgsync/forums", "condition=Ready");
    let deadline = Instant::now() + Duration::from_secs(60);
    while operator.sql("SELECT title FROM drift_forums") != "General" {
        assert!(
            Instant::now() < deadline,
            "drift not corrected after resume"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn steps_of_two_resources_on_one_database_never_run_at_the_same_time() {
    let operator = Operator::start("cs-busy");
    let fixture = &operator.fixture;
    fixture.apply(&schema("busy_forums"));
    operator.wait_for(
        &format!("dbm/{}", schema_name("busy_forums")),
        "condition=Ready",
    );
    // a slow migration on the same database, and a sync that does not depend on it
    let slow = ("1_slow.sql", "SELECT pg_sleep(4);");
    fixture.apply(&migration("slow", &[slow], ""));
    operator.wait_for("dbm/slow", "condition=Progressing");
    fixture.apply(&forum_config(&[("general", "General")]));
    fixture.apply(&config_sync("busy_forums", ""));
    operator.wait_for(
        "cfgsync/forums",
        "jsonpath={.status.conditions[?(@.type==\"Progressing\")].reason}=DatabaseBusy",
    );
    let message = fixture.jsonpath("cfgsync/forums", "{.status.message}");
    assert!(
        message.contains("DatabaseMigration slow"),
        "the message names the running step: {message}"
    );
    operator.wait_for("dbm/slow", "condition=Ready");
    operator.wait_for("cfgsync/forums", "condition=Ready");
    let job_field = |selector: &str, path: &str| {
        let path = format!("jsonpath={{.items[0].{path}}}");
        fixture.ok(&["get", "jobs", "-l", selector, "-o", &path])
    };
    let slow_done = job_field("dbmigrate.dev/resource=slow", "status.completionTime");
    let sync_created = job_field(
        "dbmigrate.dev/kind=ConfigSync",
        "metadata.creationTimestamp",
    );
    assert!(
        sync_created >= slow_done,
        "the sync Job ({sync_created}) was created before the slow step ended ({slow_done})"
    );
}
