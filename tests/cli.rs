//! The real `dbmigrate` binary on SQLite: the quickstart, exit codes, concurrency, kill/resume.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use tempfile::TempDir;

/// A temp dir with a migrations folder and a database path.
struct Workspace {
    dir: TempDir,
}

impl Workspace {
    fn new(files: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("migrations")).unwrap();
        let workspace = Self { dir };
        for (name, sql) in files {
            workspace.write(name, sql);
        }
        workspace
    }

    fn write(&self, name: &str, sql: &str) {
        std::fs::write(self.migrations().join(name), sql).unwrap();
    }

    fn migrations(&self) -> PathBuf {
        self.dir.path().join("migrations")
    }

    fn url(&self) -> String {
        format!("sqlite://{}", self.dir.path().join("app.db").display())
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_dbmigrate"));
        command
            .args(args)
            .arg("--dir")
            .arg(self.migrations())
            .arg("--database-url")
            .arg(self.url())
            .env_remove("DATABASE_URL")
            .env("NO_COLOR", "1");
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    fn history(&self) -> Vec<(String, String, bool)> {
        let conn = rusqlite::Connection::open(self.dir.path().join("app.db")).unwrap();
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'dbmigrate_history'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        if tables == 0 {
            return Vec::new();
        }
        let mut statement = conn
            .prepare("SELECT version, kind, success FROM dbmigrate_history ORDER BY id")
            .unwrap();
        statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exited normally")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

const USERS: (&str, &str) = (
    "1_create_users.sql",
    "CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT NOT NULL);\n",
);
const POSTS: (&str, &str) = (
    "2_create_posts.sql",
    "CREATE TABLE posts (id BIGINT PRIMARY KEY, author_id BIGINT NOT NULL REFERENCES users (id));\n",
);

#[test]
fn quickstart_applies_the_forum_migrations_and_prints_the_status_table() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("forum.db").display());
    let migrations = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_dbmigrate"))
            .args(["apply", "--database-url", &url, "--dir"])
            .arg(&migrations)
            .output()
            .unwrap()
    };
    let first = run();
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    let out = stdout(&first);
    assert!(out.contains("VERSION") && out.contains("STATE"), "{out}");
    assert!(out.contains("add_user_reputation"), "{out}");
    assert!(out.contains("applied: 7   pending: 0"), "{out}");
    let again = run();
    assert_eq!(code(&again), 0);
    assert!(
        stdout(&again).starts_with("0 applied"),
        "{}",
        stdout(&again)
    );
}

#[test]
fn failing_migration_exits_1_naming_file_line_and_code_and_keeps_earlier_ones() {
    let ws = Workspace::new(&[
        USERS,
        (
            "2_broken.sql",
            "CREATE TABLE a (id BIGINT);\n\nINSERT INTO missing_table VALUES (1);\n",
        ),
    ]);
    let out = ws.run(&["apply"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("2_broken.sql:3"), "{err}");
    assert!(
        err.contains("SQLITE_ERROR") && err.contains("missing_table"),
        "{err}"
    );
    assert!(err.contains("rolled back"), "{err}");
    assert_eq!(ws.history(), [("1".into(), "schema".into(), true)]);
    let conn = rusqlite::Connection::open(ws.dir.path().join("app.db")).unwrap();
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'a'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 0, "the failed migration left table a behind");
}

#[test]
fn edited_applied_migration_exits_3_before_running_anything() {
    let ws = Workspace::new(&[USERS]);
    assert_eq!(code(&ws.run(&["apply"])), 0);
    ws.write(
        USERS.0,
        "CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT);\n",
    );
    ws.write(POSTS.0, POSTS.1);
    let out = ws.run(&["apply"]);
    assert_eq!(code(&out), 3);
    assert!(
        stderr(&out).contains("1_create_users.sql") && stderr(&out).contains("edited"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        ws.history().len(),
        1,
        "nothing may run after a checksum mismatch"
    );
    let repaired = ws.run(&["repair"]);
    assert_eq!(code(&repaired), 0, "{}", stderr(&repaired));
    assert!(stdout(&repaired).contains("accepted the edited file of version 1"));
    assert_eq!(code(&ws.run(&["apply"])), 0);
    assert_eq!(ws.history().len(), 2);
}

#[test]
fn invalid_sources_exit_3_naming_the_file() {
    let ws = Workspace::new(&[USERS, ("01_again.sql", "SELECT 1;")]);
    let out = ws.run(&["plan"]);
    assert_eq!(code(&out), 3);
    assert!(
        stderr(&out).contains("01_again.sql") && stderr(&out).contains("used twice"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn lint_policy_blocks_with_exit_4_and_unknown_rules_exit_2() {
    let ws = Workspace::new(&[
        USERS,
        ("2_drop.sql", "ALTER TABLE users DROP COLUMN email;\n"),
    ]);
    let plan = ws.run(&["plan"]);
    assert_eq!(code(&plan), 0, "{}", stderr(&plan));
    assert!(
        stdout(&plan).contains("2_drop.sql:1:1: warning[ban-drop-column]"),
        "{}",
        stdout(&plan)
    );
    let denied = ws.run(&["apply", "--deny", "ban-drop-column"]);
    assert_eq!(code(&denied), 4, "{}", stderr(&denied));
    assert!(
        ws.history().is_empty(),
        "a blocked run must not apply anything"
    );
    let unknown = ws.run(&["plan", "--deny", "no-such-rule"]);
    assert_eq!(code(&unknown), 2);
    assert!(stderr(&unknown).contains("no-such-rule"));
}

#[test]
fn hanging_server_times_out_with_exit_5() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let ws = Workspace::new(&[USERS]);
    let out = Command::new(env!("CARGO_BIN_EXE_dbmigrate"))
        .args(["status", "--connect-timeout", "1s", "--dir"])
        .arg(ws.migrations())
        .arg("--database-url")
        .arg(format!("postgres://app:secret@127.0.0.1:{port}/forum"))
        .output()
        .unwrap();
    drop(listener);
    assert_eq!(code(&out), 5, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("within 1s"), "{err}");
    assert!(!err.contains("secret"), "password leaked: {err}");
}

#[test]
fn concurrent_apply_processes_apply_each_version_once() {
    let files: Vec<(String, String)> = (1..=20)
        .map(|i| {
            (
                format!("{i}_t{i}.sql"),
                format!("CREATE TABLE t{i} (id BIGINT);\n"),
            )
        })
        .collect();
    let ws = Workspace::new(&[]);
    for (name, sql) in &files {
        ws.write(name, sql);
    }
    let children: Vec<_> = (0..3)
        .map(|_| {
            ws.command(&["apply"])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert_eq!(code(&out), 0, "{}", stderr(&out));
    }
    let history = ws.history();
    assert_eq!(history.len(), 20, "{history:?}");
    assert!(history.iter().all(|(_, _, ok)| *ok));
}

#[test]
fn killed_run_resumes_without_applying_anything_twice() {
    let slow = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000000) \
                SELECT count(*) FROM c;\nCREATE TABLE slow_done (id BIGINT);\n";
    let ws = Workspace::new(&[USERS, POSTS, ("3_slow.sql", slow)]);
    let mut child = ws
        .command(&["apply"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr_lines = BufReader::new(child.stderr.take().unwrap());
    for line in stderr_lines.lines() {
        if line.unwrap().contains("applying 3 slow") {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        ws.history().len(),
        2,
        "versions 1 and 2 applied before the kill"
    );
    ws.write("3_slow.sql", "CREATE TABLE slow_done (id BIGINT);\n");
    let out = ws.run(&["apply"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let versions: Vec<String> = ws.history().into_iter().map(|(v, _, _)| v).collect();
    assert_eq!(versions, ["1", "2", "3"]);
}

#[test]
fn dirty_non_transactional_failure_blocks_until_repair() {
    let ws = Workspace::new(&[
        USERS,
        (
            "2_nontx.sql",
            "-- dbmigrate: no-transaction\nCREATE TABLE half (id BIGINT);\nINSERT INTO nowhere VALUES (1);\n",
        ),
    ]);
    let out = ws.run(&["apply"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("dirty"), "{}", stderr(&out));
    let blocked = ws.run(&["apply"]);
    assert_eq!(code(&blocked), 3);
    assert!(
        stderr(&blocked).contains("dbmigrate repair"),
        "{}",
        stderr(&blocked)
    );
    ws.write(
        "2_nontx.sql",
        "-- dbmigrate: no-transaction\nCREATE TABLE IF NOT EXISTS half (id BIGINT);\n",
    );
    assert_eq!(code(&ws.run(&["repair"])), 0);
    let fixed = ws.run(&["apply"]);
    assert_eq!(code(&fixed), 0, "{}", stderr(&fixed));
    assert_eq!(
        ws.history().last().unwrap(),
        &("2".to_owned(), "schema".to_owned(), true)
    );
}

#[test]
fn down_reverts_and_verify_rollback_catches_a_broken_down() {
    let ws = Workspace::new(&[
        USERS,
        ("1_create_users.down.sql", "DROP TABLE users;\n"),
        (
            "2_add_index.sql",
            "CREATE INDEX users_email_idx ON users (email);\n",
        ),
        ("2_add_index.down.sql", "SELECT 1;\n"),
    ]);
    assert_eq!(code(&ws.run(&["apply"])), 0);
    let down = ws.run(&["down", "--to", "1"]);
    assert_eq!(code(&down), 0, "{}", stderr(&down));
    assert_eq!(ws.history().last().unwrap().1, "down");
    let verify = ws.run(&["verify-rollback"]);
    assert_eq!(code(&verify), 6, "{}", stderr(&verify));
    assert!(
        stdout(&verify).contains("users_email_idx"),
        "{}",
        stdout(&verify)
    );
    assert!(
        stderr(&verify).contains("version 2 (add_index)"),
        "{}",
        stderr(&verify)
    );
    ws.write("2_add_index.down.sql", "DROP INDEX users_email_idx;\n");
    assert_eq!(code(&ws.run(&["verify-rollback"])), 0);
}

#[test]
fn new_creates_timestamped_up_and_down_files() {
    let ws = Workspace::new(&[]);
    // `new` only writes files: it takes --dir, not --database-url
    let out = Command::new(env!("CARGO_BIN_EXE_dbmigrate"))
        .args(["new", "add_badges", "--kind", "data", "--dir"])
        .arg(ws.migrations())
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let mut names: Vec<String> = std::fs::read_dir(ws.migrations())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 2);
    assert!(
        names[0].ends_with("_add_badges.down.sql")
            && names[0].len() == "20261125010203_add_badges.down.sql".len()
    );
    let up = std::fs::read_to_string(ws.migrations().join(&names[1])).unwrap();
    assert!(up.starts_with("-- dbmigrate: kind=data"));
}

#[test]
fn each_command_takes_only_the_flags_it_uses() {
    let refused = |args: &[&str], flag: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_dbmigrate"))
            .args(args)
            .env_remove("DATABASE_URL")
            .output()
            .unwrap();
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(flag), "{args:?}: {}", stderr(&out));
    };
    refused(&["operator", "--dir", "migrations"], "--dir");
    refused(&["operator", "--history-table", "h"], "--history-table");
    refused(
        &["new", "x", "--database-url", "sqlite://x.db"],
        "--database-url",
    );
    refused(
        &["step", "--database-url", "sqlite://x.db"],
        "--database-url",
    );
    refused(&["crds", "--lock-timeout", "1s"], "--lock-timeout");
    let help = Command::new(env!("CARGO_BIN_EXE_dbmigrate"))
        .args(["operator", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("DatabaseMigrations and ConfigSyncs"),
        "{help}"
    );
    for flag in ["--dir", "--database-url", "--history-table", "--output"] {
        assert!(!help.contains(flag), "operator --help lists {flag}: {help}");
    }
}

#[test]
fn json_output_is_one_document() {
    let ws = Workspace::new(&[USERS, POSTS]);
    let out = ws.run(&["apply", "--output", "json", "--to", "1"]);
    assert_eq!(code(&out), 0);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["report"]["applied"][0]["version"], "1");
    assert_eq!(doc["status"]["entries"][1]["state"], "pending");
}
