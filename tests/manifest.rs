//! Manifest mode on the real binary: every example through `kubectl kustomize` and
//! `dbmigrate apply -f` on SQLite and a real PostgreSQL, and every rejection with its message.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use support::db::{TestDb, runtime};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `dbmigrate <args>` in `cwd`, with `stdin` piped in when given.
fn dbmigrate(cwd: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dbmigrate"))
        .args(args)
        .current_dir(cwd)
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting dbmigrate");
    let mut pipe = child.stdin.take().expect("stdin is piped");
    pipe.write_all(stdin.unwrap_or_default())
        .expect("writing stdin");
    drop(pipe);
    child.wait_with_output().expect("waiting for dbmigrate")
}

fn text(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn expect_code(output: &Output, code: i32) {
    assert_eq!(output.status.code(), Some(code), "{}", text(output));
}

fn kustomize(dir: &str) -> Vec<u8> {
    let output = Command::new("kubectl")
        .args(["kustomize", dir])
        .current_dir(repo())
        .output()
        .expect("kubectl must be installed (the machine's kubectl package)");
    assert!(
        output.status.success(),
        "kubectl kustomize {dir}: {}",
        text(&output)
    );
    output.stdout
}

/// The statuses of a run printed with `-o json`, by `<kind>/<name>`.
fn statuses(output: &Output) -> std::collections::BTreeMap<String, Value> {
    let list: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("-o json must print a List ({e}): {}", text(output)));
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| {
            let key = format!(
                "{}/{}",
                item["kind"].as_str().unwrap_or_default(),
                item["metadata"]["name"].as_str().unwrap_or_default()
            );
            (key, item["status"].clone())
        })
        .collect()
}

fn condition<'a>(status: &'a Value, kind: &str) -> &'a Value {
    status["conditions"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["type"] == kind))
        .unwrap_or_else(|| panic!("no {kind} condition in {status:#}"))
}

/// The forum schema and both config tables are in the database, as the examples declare.
async fn assert_forum(db: &TestDb) {
    let applied = db
        .scalar("SELECT count(*) FROM dbmigrate_history WHERE success")
        .await;
    assert_eq!(applied, "7");
    let forums = db
        .rows("SELECT id, slug, position FROM forums ORDER BY id")
        .await;
    assert_eq!(
        forums,
        [
            ["1", "general", "1"],
            ["2", "help", "2"],
            ["3", "announcements", "0"]
        ]
    );
    let themes = db.rows("SELECT id, name FROM themes ORDER BY id").await;
    assert_eq!(themes[0], ["1", "classic"]);
    assert_eq!(themes[1], ["2", "dark"]);
    let css = db.scalar("SELECT css_vars FROM themes WHERE id = 2").await;
    let css: Value = serde_json::from_str(&css).expect("css_vars holds JSON text");
    assert_eq!(css["background"], "#111318");
}

/// Runs `apply -f -` twice with the given stdin; the second run must change nothing.
async fn apply_twice(db: &TestDb, cwd: &Path, args: &[&str], stdin: Option<&[u8]>) {
    let url = db.url.connection_string();
    let mut full: Vec<&str> = args.to_vec();
    full.extend(["--database-url", &url, "-o", "json"]);
    let first = dbmigrate(cwd, &full, stdin);
    expect_code(&first, 0);
    let first_statuses = statuses(&first);
    for (name, status) in &first_statuses {
        assert_eq!(status["phase"], "Ready", "{name}: {status:#}");
        assert_eq!(condition(status, "Ready")["status"], "True", "{name}");
    }
    assert_eq!(
        first_statuses["DatabaseMigration/forum-schema"]["applied"],
        7
    );
    assert_forum(db).await;
    let history_before = db.rows("SELECT id FROM dbmigrate_history").await;
    let second = dbmigrate(cwd, &full, stdin);
    expect_code(&second, 0);
    for (name, status) in statuses(&second) {
        assert_eq!(status["pending"].as_u64().unwrap_or(0), 0, "{name}");
        for table in status["tables"].as_array().into_iter().flatten() {
            let writes = ["inserted", "updated", "deleted"].map(|k| table[k].as_u64().unwrap_or(0));
            assert_eq!(
                writes,
                [0, 0, 0],
                "{name}: a second run must not write: {table:#}"
            );
        }
    }
    assert_eq!(
        db.rows("SELECT id FROM dbmigrate_history").await,
        history_before
    );
}

#[test]
fn quickstart_runs_on_sqlite_from_the_readme_command() {
    let cwd = tempfile::tempdir().expect("temp dir");
    let quickstart = repo().join("examples/quickstart");
    let quickstart = quickstart.to_str().expect("utf-8 path");
    // The README's command, as written (the Secret's URL is sqlite://forum.db in the cwd).
    let first = dbmigrate(cwd.path(), &["apply", "-f", quickstart], None);
    expect_code(&first, 0);
    let out = String::from_utf8_lossy(&first.stdout);
    assert!(
        out.contains("databasemigration/forum-schema") && out.contains("Ready"),
        "{}",
        text(&first)
    );
    assert!(out.contains("configsync/forums"), "{}", text(&first));
    let db = TestDb::sqlite_at(cwd.path().join("forum.db"));
    runtime().block_on(async {
        assert_forum(&db).await;
        apply_twice(&db, cwd.path(), &["apply", "-f", quickstart], None).await;
    });
}

/// `kubectl kustomize examples/<name> | dbmigrate apply -f -` (run in the example's folder, so
/// relative `directory` sources resolve as they do for `-f examples/<name>`), twice.
async fn example_round_trip(name: &str, db: &TestDb) {
    let stream = kustomize(&format!("examples/{name}"));
    let cwd = repo().join("examples").join(name);
    apply_twice(db, &cwd, &["apply", "-f", "-"], Some(&stream)).await;
}

#[test]
fn every_example_round_trips_through_kustomize_on_sqlite() {
    for name in ["quickstart", "kustomize"] {
        runtime().block_on(example_round_trip(name, &TestDb::sqlite()));
    }
}

#[test]
fn every_example_round_trips_through_kustomize_on_postgres() {
    // examples/postgres writes to `public.forums`: PostgreSQL only.
    for name in ["quickstart", "kustomize", "postgres"] {
        runtime().block_on(async { example_round_trip(name, &TestDb::postgres().await).await });
    }
}

#[test]
fn yaml_output_lists_resources_with_status_in_dependency_order() {
    let stream = kustomize("examples/kustomize");
    let db = TestDb::sqlite();
    let cwd = tempfile::tempdir().expect("temp dir");
    let url = db.url.connection_string();
    let output = dbmigrate(
        cwd.path(),
        &["apply", "-f", "-", "--database-url", &url, "-o", "yaml"],
        Some(&stream),
    );
    expect_code(&output, 0);
    let list: Value = serde_yaml::from_slice(&output.stdout).expect("-o yaml prints YAML");
    assert_eq!(list["kind"], "List");
    let items = list["items"].as_array().expect("items");
    let names: Vec<&str> = items
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        names,
        ["forum-schema", "forums", "themes"],
        "dependencies run first"
    );
    assert!(
        items
            .iter()
            .all(|i| i["metadata"]["namespace"] == "forum" && i["status"]["phase"] == "Ready"),
        "{list:#}"
    );
    assert_eq!(items[1]["status"]["tables"][0]["inserted"], 3);
}

#[test]
fn plan_shows_pending_work_and_blocks_dependents_without_writing() {
    let stream = kustomize("examples/kustomize");
    let db = TestDb::sqlite();
    let cwd = tempfile::tempdir().expect("temp dir");
    let url = db.url.connection_string();
    let output = dbmigrate(
        cwd.path(),
        &["plan", "-f", "-", "--database-url", &url, "-o", "json"],
        Some(&stream),
    );
    expect_code(&output, 0);
    let statuses = statuses(&output);
    let schema = &statuses["DatabaseMigration/forum-schema"];
    assert_eq!(schema["phase"], "Pending");
    assert_eq!(schema["pending"], 7);
    let forums = &statuses["ConfigSync/forums"];
    assert_eq!(forums["phase"], "Blocked");
    assert_eq!(condition(forums, "Blocked")["reason"], "DependencyNotReady");
    runtime().block_on(async {
        let tables = db.tables().await;
        assert!(
            !tables.iter().any(|t| t == "forums"),
            "plan must not create tables: {tables:?}"
        );
    });
}

const MIGRATION: &str = "apiVersion: dbmigrate.dev/v1alpha1
kind: DatabaseMigration
metadata: {name: schema}
spec:
  database: {urlSecretRef: {name: db, key: url}}
  source:
    inline:
      - name: 1_create_items.sql
        sql: CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT NOT NULL);
";

const SYNC: &str = "apiVersion: dbmigrate.dev/v1alpha1
kind: ConfigSync
metadata: {name: items}
spec:
  database: {urlSecretRef: {name: db, key: url}}
  dependsOn: [{name: schema}]
  tables:
    - table: items
      keyColumns: [id]
      rows: [{id: 1, label: one}]
";

fn run_yaml(yaml: &str, extra: &[&str]) -> (Output, tempfile::TempDir) {
    let cwd = tempfile::tempdir().expect("temp dir");
    let mut args = vec!["apply", "-f", "-"];
    args.extend(extra);
    let output = dbmigrate(cwd.path(), &args, Some(yaml.as_bytes()));
    (output, cwd)
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_missing_secret_names_it_and_the_way_out() {
    let (output, _cwd) = run_yaml(MIGRATION, &[]);
    expect_code(&output, 3);
    let message = stderr(&output);
    assert!(
        message.contains("DatabaseMigration default/schema: Secret default/db not found"),
        "{message}"
    );
    assert!(message.contains("--database-url"), "{message}");
}

#[test]
fn inline_migrations_and_rows_apply_with_a_url_override() {
    let db = TestDb::sqlite();
    let url = db.url.connection_string();
    let (output, _cwd) = run_yaml(
        &format!("{MIGRATION}---\n{SYNC}"),
        &["--database-url", &url],
    );
    expect_code(&output, 0);
    runtime().block_on(async {
        assert_eq!(db.rows("SELECT id, label FROM items").await, [["1", "one"]]);
    });
}

#[test]
fn a_dependency_cycle_is_rejected_before_anything_runs() {
    let db = TestDb::sqlite();
    let url = db.url.connection_string();
    let cyclic = MIGRATION.replace(
        "spec:\n",
        "spec:\n  dependsOn: [{kind: ConfigSync, name: items}]\n",
    );
    let (output, _cwd) = run_yaml(&format!("{cyclic}---\n{SYNC}"), &["--database-url", &url]);
    expect_code(&output, 3);
    let message = stderr(&output);
    assert!(message.contains("dependsOn forms a cycle: DatabaseMigration default/schema -> ConfigSync default/items -> DatabaseMigration default/schema"), "{message}");
    runtime().block_on(async { assert!(db.tables().await.is_empty(), "nothing may run") });
}

#[test]
fn a_missing_dependency_is_named() {
    let (output, _cwd) = run_yaml(SYNC, &["--database-url", "sqlite://x.db"]);
    expect_code(&output, 3);
    assert!(
        stderr(&output).contains(
            "ConfigSync default/items: dependency DatabaseMigration default/schema not found"
        ),
        "{}",
        text(&output)
    );
}

#[test]
fn a_malformed_manifest_names_the_document_and_field() {
    let bad = MIGRATION.replace("  source:\n", "  format: liquibase\n  source:\n");
    let (output, _cwd) = run_yaml(&bad, &["--database-url", "sqlite://x.db"]);
    expect_code(&output, 3);
    let message = stderr(&output);
    assert!(
        message.contains("<stdin>#1")
            && message.contains("spec.format")
            && message.contains("liquibase"),
        "{message}"
    );
    let not_yaml = "kind: [unclosed\n";
    let (output, _cwd) = run_yaml(not_yaml, &[]);
    expect_code(&output, 3);
    assert!(
        stderr(&output).contains("<stdin>#1: not valid YAML"),
        "{}",
        text(&output)
    );
}

#[test]
fn a_failing_migration_fails_its_resource_and_blocks_dependents() {
    let db = TestDb::sqlite();
    let url = db.url.connection_string();
    let broken = MIGRATION.replace(
        "        sql: CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT NOT NULL);",
        "        sql: |\n          CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT NOT NULL);\n          INSERT INTO no_such_table VALUES (1);",
    );
    let (output, _cwd) = run_yaml(
        &format!("{broken}---\n{SYNC}"),
        &["--database-url", &url, "-o", "json"],
    );
    expect_code(&output, 1);
    let statuses = statuses(&output);
    let schema = &statuses["DatabaseMigration/schema"];
    assert_eq!(schema["phase"], "Failed");
    assert_eq!(schema["failure"]["file"], "1_create_items.sql");
    assert_eq!(schema["failure"]["line"], 2);
    assert!(
        schema["failure"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("no_such_table"),
        "{schema:#}"
    );
    assert_eq!(condition(schema, "Failed")["reason"], "MigrationFailed");
    let items = &statuses["ConfigSync/items"];
    assert_eq!(items["phase"], "Blocked");
    assert_eq!(condition(items, "Blocked")["reason"], "DependencyNotReady");
    runtime().block_on(async {
        assert!(
            !db.tables().await.iter().any(|t| t == "items"),
            "rolled back"
        )
    });
}

#[test]
fn migrations_kustomization_lists_every_migration_file() {
    let listed = std::fs::read_to_string(repo().join("migrations/kustomization.yaml"))
        .expect("migrations/kustomization.yaml");
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(repo().join("migrations")).expect("migrations/") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if name.ends_with(".sql") && !listed.lines().any(|l| l.trim() == format!("- {name}")) {
            missing.push(name);
        }
    }
    assert!(
        missing.is_empty(),
        "add these files to migrations/kustomization.yaml's configMapGenerator: {missing:?}"
    );
}

/// A DatabaseMigration with SQL versions 1 and 3 and a script step at version 2 that checks
/// it runs between them and inserts a row with psql (label from a Secret, through `env`).
const SCRIPTED: &str = "apiVersion: v1
kind: Secret
metadata: {name: db}
stringData: {url: unused, label: from-the-secret}
---
apiVersion: dbmigrate.dev/v1alpha1
kind: DatabaseMigration
metadata: {name: schema}
spec:
  database: {urlSecretRef: {name: db, key: url}}
  source:
    inline:
      - {name: 1_create_items.sql, sql: 'CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT NOT NULL);'}
      - {name: 3_add_extra.sql, sql: 'ALTER TABLE items ADD COLUMN extra TEXT;'}
  scripts:
    - version: '2'
      name: seed_items
      image: forum-app:latest
      command: [sh, -c, 'psql \"$DATABASE_URL\" -X -q -v ON_ERROR_STOP=1 -v label=\"$LABEL\" -f seed.sql']
      env:
        - name: LABEL
          valueFrom: {secretKeyRef: {name: db, key: label}}
";

const SEED_SQL: &str = "DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'items' AND column_name = 'extra') THEN
    RAISE EXCEPTION 'the script step ran after version 3';
  END IF;
END $$;
INSERT INTO items (id, label) VALUES (1, :'label');
";

#[test]
fn a_script_step_runs_between_its_sql_neighbours_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("forum.yaml"), SCRIPTED).expect("manifest");
    std::fs::write(dir.path().join("seed.sql"), SEED_SQL).expect("seed.sql");
    let manifest = dir.path().join("forum.yaml");
    let manifest = manifest.to_str().expect("utf-8");
    runtime().block_on(async {
        let db = TestDb::postgres().await;
        let url = db.url.connection_string();
        let args = [
            "apply",
            "-f",
            manifest,
            "--database-url",
            &url,
            "-o",
            "json",
        ];
        let first = dbmigrate(dir.path(), &args, None);
        expect_code(&first, 0);
        assert_eq!(
            db.rows("SELECT id, label FROM items").await,
            [["1", "from-the-secret"]]
        );
        assert_eq!(
            db.rows("SELECT version, kind FROM dbmigrate_history WHERE success ORDER BY id")
                .await,
            [["1", "schema"], ["2", "data"], ["3", "schema"]]
        );
        // Run again: the script would fail on its duplicate key if it ran twice.
        let second = dbmigrate(dir.path(), &args, None);
        expect_code(&second, 0);
        assert_eq!(statuses(&second)["DatabaseMigration/schema"]["applied"], 3);
    });
}

/// A folder holding [`SCRIPTED`] with the script step's command replaced by `command`.
struct ScriptedWith {
    dir: tempfile::TempDir,
    manifest: String,
}

impl ScriptedWith {
    fn command(command: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let yaml = SCRIPTED.replace(
            "command: [sh, -c, 'psql \"$DATABASE_URL\" -X -q -v ON_ERROR_STOP=1 -v label=\"$LABEL\" -f seed.sql']",
            &format!("command: {command}"),
        );
        let manifest = dir.path().join("forum.yaml");
        std::fs::write(&manifest, yaml).expect("manifest");
        let manifest = manifest.to_str().expect("utf-8").to_owned();
        Self { dir, manifest }
    }

    /// `dbmigrate apply -f <manifest> --database-url <url> -o json`.
    fn apply(&self, url: &str) -> Output {
        let args = [
            "apply",
            "-f",
            &self.manifest,
            "--database-url",
            url,
            "-o",
            "json",
        ];
        dbmigrate(self.dir.path(), &args, None)
    }
}

#[test]
fn a_failing_script_step_is_reported_and_left_dirty() {
    let scripted = ScriptedWith::command("[sh, -c, 'echo half-way; echo boom >&2; exit 3']");
    let db = TestDb::sqlite();
    let url = db.url.connection_string();
    let output = scripted.apply(&url);
    expect_code(&output, 1);
    let statuses = statuses(&output);
    let failure = &statuses["DatabaseMigration/schema"]["failure"];
    assert_eq!(failure["version"], "2");
    assert_eq!(failure["file"], "spec.scripts[0] (seed_items)");
    let message = failure["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("exited with exit status: 3") && message.contains("boom"),
        "{message}"
    );
    runtime().block_on(async {
        assert_eq!(
            db.rows("SELECT version, success FROM dbmigrate_history ORDER BY id")
                .await,
            [["1", "1"], ["2", "0"]],
            "version 1 applied, the script dirty, version 3 not run"
        );
    });
    let again = scripted.apply(&url);
    expect_code(&again, 3);
    assert_eq!(
        self::statuses(&again)["DatabaseMigration/schema"]["failure"]["reason"],
        "Dirty"
    );
}

#[test]
fn a_script_step_whose_command_cannot_start_leaves_no_dirty_row() {
    let scripted = ScriptedWith::command("[no-such-program-dbmigrate, --seed]");
    runtime().block_on(async {
        for db in [TestDb::sqlite(), TestDb::postgres().await] {
            let url = db.url.connection_string();
            // a second run fails the same way: the first left nothing to repair
            for run in 0..2 {
                let output = scripted.apply(&url);
                expect_code(&output, 1);
                let failure = &statuses(&output)["DatabaseMigration/schema"]["failure"];
                assert_eq!(failure["reason"], "MigrationFailed", "run {run}: {failure}");
                assert_eq!(failure["version"], "2");
                let message = failure["message"].as_str().unwrap_or_default();
                assert!(
                    message.contains("cannot start `no-such-program-dbmigrate`"),
                    "{message}"
                );
                assert_eq!(
                    db.rows("SELECT version FROM dbmigrate_history ORDER BY id")
                        .await,
                    [["1"]],
                    "version 1 applied; no row, dirty or not, for the script that never started"
                );
            }
        }
    });
}

#[test]
fn what_the_api_server_would_refuse_is_refused_locally() {
    // A zero timeout (the CRD's duration pattern) and a ConfigSync table listed twice (a list
    // map keyed by table): both pass the Rust types, both fail `kubectl apply`.
    let zero = MIGRATION.replace("spec:\n", "spec:\n  timeouts: {lock: 0s}\n");
    let (output, _cwd) = run_yaml(&zero, &["--database-url", "sqlite://x.db"]);
    expect_code(&output, 3);
    let message = stderr(&output);
    assert!(
        message.contains("DatabaseMigration schema would be refused by the API server")
            && message.contains("spec.timeouts.lock [pattern]"),
        "{message}"
    );
    let twice = SYNC.replace("      rows: [{id: 1, label: one}]\n", "      rows: [{id: 1, label: one}]\n    - table: items\n      keyColumns: [id]\n      rows: [{id: 2, label: two}]\n");
    let (output, _cwd) = run_yaml(
        &format!("{MIGRATION}---\n{twice}"),
        &["--database-url", "sqlite://x.db"],
    );
    expect_code(&output, 3);
    let message = stderr(&output);
    assert!(
        message.contains("spec.tables[1] [x-kubernetes-list-type]"),
        "{message}"
    );
}

/// A ConfigMap manifest holding `files` (key → file under tests/fixtures/formats).
fn config_map(name: &str, files: &[(&str, &str)]) -> Value {
    let data: serde_json::Map<String, Value> = files
        .iter()
        .map(|(key, path)| {
            let text = std::fs::read_to_string(repo().join("tests/fixtures/formats").join(path))
                .unwrap_or_else(|e| panic!("{path}: {e}"));
            ((*key).to_owned(), Value::String(text))
        })
        .collect();
    serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data})
}

/// A DatabaseMigration reading `sources` (its `spec.source.configMaps`) in `format`.
fn from_config_maps(format: &str, sources: Value) -> Value {
    serde_json::json!({
        "apiVersion": "dbmigrate.dev/v1alpha1",
        "kind": "DatabaseMigration",
        "metadata": {"name": "app"},
        "spec": {
            "database": {"urlSecretRef": {"name": "db", "key": "url"}},
            "format": format,
            "source": {"configMaps": sources},
        },
    })
}

fn stream(documents: &[Value]) -> String {
    documents
        .iter()
        .map(|d| serde_yaml::to_string(d).expect("YAML"))
        .collect::<Vec<_>>()
        .join("---\n")
}

#[test]
fn folder_layouts_map_onto_config_map_paths_and_items() {
    // Drizzle: the SQL files in one ConfigMap, the journal in another mounted at `meta`.
    let drizzle = stream(&[
        config_map(
            "drizzle-sql",
            &[
                (
                    "0000_steep_wolverine.sql",
                    "drizzle/0000_steep_wolverine.sql",
                ),
                ("0001_brave_gamora.sql", "drizzle/0001_brave_gamora.sql"),
            ],
        ),
        config_map(
            "drizzle-meta",
            &[("_journal.json", "drizzle/meta/_journal.json")],
        ),
        from_config_maps(
            "drizzle",
            serde_json::json!([{"name": "drizzle-sql"}, {"name": "drizzle-meta", "path": "meta"}]),
        ),
    ]);
    // Prisma: one folder per migration, spelled with `items` (keys cannot hold `/`).
    let prisma = stream(&[
        config_map(
            "prisma",
            &[
                ("init.sql", "prisma/20240501120000_init/migration.sql"),
                (
                    "add_posts.sql",
                    "prisma/20240502090000_add_posts/migration.sql",
                ),
            ],
        ),
        from_config_maps(
            "prisma",
            serde_json::json!([{"name": "prisma", "items": [
                {"key": "init.sql", "path": "20240501120000_init/migration.sql"},
                {"key": "add_posts.sql", "path": "20240502090000_add_posts/migration.sql"},
            ]}]),
        ),
    ]);
    let cwd = tempfile::tempdir().expect("temp dir");
    runtime().block_on(async {
        for manifests in [drizzle, prisma] {
            let db = TestDb::postgres().await;
            let url = db.url.connection_string();
            let args = ["apply", "-f", "-", "--database-url", &url, "-o", "json"];
            let output = dbmigrate(cwd.path(), &args, Some(manifests.as_bytes()));
            expect_code(&output, 0);
            assert_eq!(
                statuses(&output)["DatabaseMigration/app"]["applied"],
                2,
                "{}",
                text(&output)
            );
        }
    });
}

#[test]
fn config_map_sources_that_cannot_be_laid_out_are_named() {
    let sql = (
        "0000_steep_wolverine.sql",
        "drizzle/0000_steep_wolverine.sql",
    );
    let twice = stream(&[
        config_map("first", &[sql]),
        config_map("second", &[sql]),
        from_config_maps(
            "auto",
            serde_json::json!([{"name": "first"}, {"name": "second"}]),
        ),
    ]);
    let (output, _cwd) = run_yaml(&twice, &["--database-url", "sqlite://x.db"]);
    expect_code(&output, 3);
    assert!(stderr(&output).contains("file `0000_steep_wolverine.sql` comes from both ConfigMap default/first key 0000_steep_wolverine.sql and ConfigMap default/second"), "{}", text(&output));
    let missing_key = stream(&[
        config_map("first", &[sql]),
        from_config_maps(
            "auto",
            serde_json::json!([{"name": "first", "items": [{"key": "nope.sql", "path": "0000_x.sql"}]}]),
        ),
    ]);
    let (output, _cwd) = run_yaml(&missing_key, &["--database-url", "sqlite://x.db"]);
    expect_code(&output, 3);
    assert!(
        stderr(&output).contains("key `nope.sql` in ConfigMap default/first not found")
            && stderr(&output).contains("its keys are: 0000_steep_wolverine.sql"),
        "{}",
        text(&output)
    );
    let wrong_format = stream(&[
        config_map("first", &[sql]),
        from_config_maps("flyway", serde_json::json!([{"name": "first"}])),
    ]);
    let (output, _cwd) = run_yaml(&wrong_format, &["--database-url", "sqlite://x.db"]);
    expect_code(&output, 3);
    assert!(
        stderr(&output).contains("spec.format asks for the Flyway"),
        "{}",
        text(&output)
    );
}
