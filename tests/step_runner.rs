//! The step runner on the real binary: `dbmigrate step` and `dbmigrate sync` given a step
//! Job's inputs (environment variables, kubelet-mounted ConfigMaps), on SQLite and a real
//! PostgreSQL, checked by the report they leave and by what is in the database.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use dbmigrate::jobs::{NextStep, StepReport};
use dbmigrate::plan::DatabaseKind;
use serde_json::{Value, json};
use support::db::TestDb;
use tempfile::TempDir;

/// A step Job's pod, locally: its environment, working directory and mounted ConfigMaps.
struct Job {
    root: TempDir,
    env: Vec<(String, String)>,
}

/// What one run of the command left.
struct Ran {
    output: Output,
    report: StepReport,
}

impl Ran {
    fn text(&self) -> String {
        format!(
            "exit {:?}\n--- report\n{:?}\n--- stderr\n{}",
            self.output.status.code(),
            self.report,
            String::from_utf8_lossy(&self.output.stderr)
        )
    }

    fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(self.output.status.code(), Some(code), "{}", self.text());
        self
    }

    fn applied(&self) -> Vec<&str> {
        self.report.applied.iter().map(String::as_str).collect()
    }

    fn failure_reason(&self) -> &str {
        let failure = self
            .report
            .migration
            .as_ref()
            .and_then(|s| s.failure.as_ref());
        failure.map_or("", |f| f.reason.as_str())
    }
}

impl Job {
    /// A Job for `resource` whose database URL comes from Secret `db` key `url`.
    fn new(db: &TestDb, resource: &Value) -> Self {
        let root = tempfile::tempdir().expect("a temporary directory");
        std::fs::create_dir_all(root.path().join("work")).expect("the working directory");
        let secrets = json!([{ "name": "db", "key": "url", "env": "DATABASE_URL" }]);
        let env = vec![
            ("DBMIGRATE_RESOURCE".to_owned(), resource.to_string()),
            ("DBMIGRATE_SECRETS".to_owned(), secrets.to_string()),
            ("DATABASE_URL".to_owned(), db.url.connection_string()),
        ];
        Self { root, env }
    }

    fn set(&mut self, name: &str, value: &str) {
        self.env.retain(|(k, _)| k != name);
        self.env.push((name.to_owned(), value.to_owned()));
    }

    fn unset(&mut self, name: &str) {
        self.env.retain(|(k, _)| k != name);
    }

    fn workdir(&self) -> PathBuf {
        self.root.path().join("work")
    }

    fn config_maps_dir(&self) -> PathBuf {
        self.root.path().join("configmaps")
    }

    /// Mounts a ConfigMap as kubelet does: files in a timestamped folder, `..data` pointing
    /// at it, and one symlink per key through `..data`.
    fn mount_config_map(&self, name: &str, files: &[(&str, &str)]) {
        let folder = self.config_maps_dir().join(name);
        let stamp = "..2026_11_25_09_00_00.123456789";
        std::fs::create_dir_all(folder.join(stamp)).expect("the ConfigMap folder");
        for (key, text) in files {
            std::fs::write(folder.join(stamp).join(key), text).expect("a ConfigMap file");
            std::os::unix::fs::symlink(format!("..data/{key}"), folder.join(key))
                .expect("a key symlink");
        }
        std::os::unix::fs::symlink(stamp, folder.join("..data")).expect("the ..data symlink");
    }

    /// `dbmigrate <args>` with this Job's environment; the report it wrote.
    fn run(&self, args: &[&str]) -> Ran {
        let report_path = self.root.path().join("termination-log");
        let _ = std::fs::remove_file(&report_path);
        let output = Command::new(env!("CARGO_BIN_EXE_dbmigrate"))
            .args(args)
            .arg("--config-maps-dir")
            .arg(self.config_maps_dir())
            .current_dir(self.workdir())
            .env_remove("DATABASE_URL")
            .env_remove("RUST_LOG")
            .env("DBMIGRATE_TERMINATION_MESSAGE_PATH", &report_path)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .output()
            .expect("starting dbmigrate");
        let text = std::fs::read_to_string(&report_path).unwrap_or_else(|e| {
            panic!(
                "no report at {} ({e}); stderr:\n{}",
                report_path.display(),
                String::from_utf8_lossy(&output.stderr)
            )
        });
        let report = StepReport::from_termination_message(&text)
            .unwrap_or_else(|e| panic!("the report does not parse ({e}): {text}"));
        Ran { output, report }
    }
}

/// A resource of `kind` in namespace `apps` at generation 3, whose database URL is in Secret
/// `db` key `url` and which depends on another resource (the operator waited for it).
fn resource(kind: &str, name: &str, mut spec: Value) -> Value {
    spec["database"] = json!({ "urlSecretRef": { "name": "db", "key": "url" } });
    spec["dependsOn"] = json!([{ "kind": "DatabaseMigration", "name": "base" }]);
    json!({
        "apiVersion": "dbmigrate.dev/v1alpha1",
        "kind": kind,
        "metadata": { "name": name, "namespace": "apps", "generation": 3 },
        "spec": spec,
    })
}

/// A DatabaseMigration with these inline files and script steps.
fn migration(files: &[(&str, &str)], scripts: Value) -> Value {
    let inline: Vec<Value> = files
        .iter()
        .map(|(name, sql)| json!({ "name": name, "sql": sql }))
        .collect();
    resource(
        "DatabaseMigration",
        "forum",
        json!({ "source": { "inline": inline }, "scripts": scripts }),
    )
}

async fn count(db: &TestDb, table: &str) -> String {
    db.scalar(&format!("SELECT COUNT(*) FROM {table}")).await
}

async fn history_rows(db: &TestDb) -> String {
    db.scalar("SELECT COUNT(*) FROM dbmigrate_history").await
}

async fn steps_split_sql_and_stop_at_script_steps(db: &TestDb) {
    let touch = r#"test -n "$DATABASE_URL" && touch script-ran"#;
    let resource = migration(
        &[
            (
                "1_users.sql",
                "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);",
            ),
            (
                "2_seed.sql",
                "INSERT INTO users (id, name) VALUES (1, 'ada');",
            ),
            (
                "4_posts.sql",
                "CREATE TABLE posts (id INTEGER PRIMARY KEY);",
            ),
        ],
        json!([{ "name": "backfill", "version": "3", "image": "forum:1", "command": ["sh", "-c", touch] }]),
    );
    let job = Job::new(db, &resource);

    let ran = job.run(&["step", "--max-migrations", "1"]);
    ran.expect_code(0);
    assert_eq!(
        (ran.applied(), &ran.report.next),
        (vec!["1"], &NextStep::Sql)
    );
    assert_eq!(ran.report.generation, Some(3));
    let status = ran.report.migration.as_ref().expect("a migration status");
    assert_eq!((status.applied, status.pending), (1, 3));
    assert!(
        status.conditions.is_empty(),
        "conditions are the operator's"
    );
    assert_eq!(
        db.tables().await,
        ["dbmigrate_history", "dbmigrate_history_meta", "users"]
    );

    let early = job.run(&["step", "--script", "3"]);
    early.expect_code(3);
    assert_eq!(early.failure_reason(), "ScriptNotNext", "{}", early.text());
    assert!(early.applied().is_empty());
    let status = early.report.migration.as_ref().expect("a migration status");
    assert_eq!(
        (status.applied, status.pending),
        (1, 3),
        "the planned status"
    );

    let ran = job.run(&["step"]);
    ran.expect_code(0);
    let script = NextStep::Script {
        version: "3".into(),
    };
    assert_eq!((ran.applied(), &ran.report.next), (vec!["2"], &script));
    assert_eq!(count(db, "users").await, "1");
    let again = job.run(&["step"]);
    again.expect_code(0);
    assert_eq!((again.applied(), &again.report.next), (vec![], &script));

    let ran = job.run(&["step", "--script", "3"]);
    ran.expect_code(0);
    assert_eq!(
        (ran.applied(), &ran.report.next),
        (vec!["3"], &NextStep::Sql)
    );
    assert!(job.workdir().join("script-ran").exists(), "{}", ran.text());
    assert_eq!(history_rows(db).await, "3");
    let again = job.run(&["step", "--script", "3"]);
    again.expect_code(0);
    assert_eq!(
        (again.applied(), &again.report.next),
        (vec![], &NextStep::Sql)
    );

    let ran = job.run(&["step"]);
    ran.expect_code(0);
    assert_eq!(
        (ran.applied(), &ran.report.next),
        (vec!["4"], &NextStep::Done)
    );
    let status = ran.report.migration.as_ref().expect("a migration status");
    assert_eq!(status.phase, dbmigrate::api::Phase::Ready);
    assert_eq!(status.current_version.as_deref(), Some("4"));
    assert!(db.tables().await.contains(&"posts".to_owned()));
    let again = job.run(&["step"]);
    again.expect_code(0);
    assert_eq!(
        (again.applied(), &again.report.next),
        (vec![], &NextStep::Done)
    );
    assert_eq!(history_rows(db).await, "4");
    assert_eq!(count(db, "users").await, "1");
    let logs = String::from_utf8_lossy(&again.output.stderr);
    assert!(
        logs.lines()
            .all(|l| serde_json::from_str::<Value>(l).is_ok()),
        "JSON log lines: {logs}"
    );
}

async fn invalid_sql_fails_with_its_location(db: &TestDb) {
    let resource = migration(
        &[
            ("1_items.sql", "CREATE TABLE items (id INTEGER);"),
            (
                "2_bad.sql",
                "INSERT INTO items (id) VALUES (1);\nSELEC 1;\n",
            ),
        ],
        json!([]),
    );
    let job = Job::new(db, &resource);
    let ran = job.run(&["step"]);
    ran.expect_code(1);
    assert_eq!(ran.applied(), ["1"]);
    assert_eq!(ran.report.next, NextStep::Done);
    let status = ran.report.migration.as_ref().expect("a migration status");
    let failure = status.failure.as_ref().expect("a failure");
    assert_eq!(failure.reason, "MigrationFailed");
    assert_eq!(failure.version.as_deref(), Some("2"));
    assert!(
        failure
            .file
            .as_deref()
            .is_some_and(|f| f.ends_with("2_bad.sql")),
        "{failure:?}"
    );
    assert_eq!(failure.line, Some(2), "{failure:?}");
    if db.kind() == DatabaseKind::Postgres {
        assert_eq!(failure.sqlstate.as_deref(), Some("42601"), "{failure:?}");
    }
    assert_eq!(
        count(db, "items").await,
        "0",
        "the failed migration rolled back"
    );
    assert_eq!(status.current_version.as_deref(), Some("1"));
}

async fn an_edited_migration_is_a_checksum_mismatch(db: &TestDb) {
    let first = migration(
        &[("1_items.sql", "CREATE TABLE items (id INTEGER);")],
        json!([]),
    );
    Job::new(db, &first).run(&["step"]).expect_code(0);
    let edited = migration(
        &[
            ("1_items.sql", "CREATE TABLE items (id INTEGER, name TEXT);"),
            ("2_more.sql", "CREATE TABLE more (id INTEGER);"),
        ],
        json!([]),
    );
    let ran = Job::new(db, &edited).run(&["step"]);
    ran.expect_code(3);
    assert_eq!(ran.failure_reason(), "ChecksumMismatch", "{}", ran.text());
    assert!(ran.applied().is_empty());
    assert_eq!(
        db.tables().await,
        ["dbmigrate_history", "dbmigrate_history_meta", "items"]
    );
    assert_eq!(history_rows(db).await, "1");
}

async fn reads_migrations_from_a_kubelet_mounted_config_map(db: &TestDb) {
    let mut resource = migration(&[], json!([]));
    resource["spec"]["source"] = json!({ "configMaps": [{ "name": "forum-migrations" }] });
    let job = Job::new(db, &resource);
    job.mount_config_map(
        "forum-migrations",
        &[
            (
                "1_forums.sql",
                "CREATE TABLE forums (id INTEGER PRIMARY KEY);",
            ),
            ("2_seed.sql", "INSERT INTO forums (id) VALUES (7);"),
        ],
    );
    let ran = job.run(&["step"]);
    ran.expect_code(0);
    assert_eq!(
        (ran.applied(), &ran.report.next),
        (vec!["1", "2"], &NextStep::Done)
    );
    assert_eq!(db.scalar("SELECT id FROM forums").await, "7");
}

async fn a_missing_secret_variable_is_reported(db: &TestDb) {
    let resource = migration(
        &[("1_items.sql", "CREATE TABLE items (id INTEGER);")],
        json!([]),
    );
    let mut job = Job::new(db, &resource);
    job.set(
        "DBMIGRATE_SECRETS",
        r#"[{"name":"db","key":"url","env":"FORUM_DB_URL"}]"#,
    );
    job.unset("DATABASE_URL");
    let ran = job.run(&["step"]);
    ran.expect_code(3);
    assert_eq!(ran.failure_reason(), "SecretNotFound", "{}", ran.text());
    assert_eq!(ran.report.generation, Some(3));
    let status = ran.report.migration.as_ref().expect("a migration status");
    let message = &status.failure.as_ref().expect("a failure").message;
    assert!(
        message.contains("FORUM_DB_URL") && message.contains("apps/db"),
        "{message}"
    );
    let logs = String::from_utf8_lossy(&ran.output.stderr);
    assert!(logs.contains("SecretNotFound"), "{logs}");
    assert!(db.tables().await.is_empty(), "nothing ran");
}

async fn syncs_rows_from_a_mounted_config_map(db: &TestDb) {
    db.execute("CREATE TABLE themes (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
        .await;
    let table = json!({
        "table": "themes",
        "keyColumns": ["id"],
        "rowsFrom": { "configMap": "themes", "key": "themes.yaml" },
    });
    let resource = resource("ConfigSync", "themes", json!({ "tables": [table] }));
    let job = Job::new(db, &resource);
    job.mount_config_map(
        "themes",
        &[(
            "themes.yaml",
            "- {id: 1, name: light}\n- {id: 2, name: dark}\n",
        )],
    );
    let ran = job.run(&["sync"]);
    ran.expect_code(0);
    assert_eq!(ran.report.next, NextStep::Done);
    let status = ran.report.sync.as_ref().expect("a sync status");
    assert_eq!(
        (status.rows, status.tables[0].inserted),
        (2, 2),
        "{}",
        ran.text()
    );
    assert_eq!(
        db.rows("SELECT id, name FROM themes ORDER BY id").await,
        [["1", "light"], ["2", "dark"]]
    );
    let again = job.run(&["sync"]);
    again.expect_code(0);
    let status = again.report.sync.as_ref().expect("a sync status");
    assert_eq!(status.tables[0].inserted + status.tables[0].updated, 0);

    let wrong = job.run(&["step"]);
    wrong.expect_code(3);
    assert!(wrong.text().contains("InvalidInput"), "{}", wrong.text());
}

macro_rules! on_sqlite_and_postgres {
    ($($scenario:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $scenario() {
                    super::$scenario(&super::TestDb::sqlite()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $scenario() {
                    super::$scenario(&super::TestDb::postgres().await).await;
                }
            )*
        }
    };
}

on_sqlite_and_postgres!(
    steps_split_sql_and_stop_at_script_steps,
    invalid_sql_fails_with_its_location,
    an_edited_migration_is_a_checksum_mismatch,
    reads_migrations_from_a_kubelet_mounted_config_map,
    a_missing_secret_variable_is_reported,
    syncs_rows_from_a_mounted_config_map,
);

#[test]
fn copy_self_copies_an_executable() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let dest: &Path = &dir.path().join("dbmigrate");
    let output = Command::new(env!("CARGO_BIN_EXE_dbmigrate"))
        .arg("copy-self")
        .arg(dest)
        .output()
        .expect("starting dbmigrate");
    assert!(output.status.success(), "{output:?}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dest)
        .expect("the copy")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o755);
    let version = Command::new(dest)
        .arg("--version")
        .output()
        .expect("running the copy");
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("dbmigrate "));
}
