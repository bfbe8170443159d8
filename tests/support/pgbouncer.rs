//! A real PgBouncer in transaction pooling mode in front of the test PostgreSQL server.
//!
//! Started once per test binary (on first use) from `pgbouncer` on `PATH` or `/usr/sbin`, on a
//! free loopback port, with `default_pool_size = 2`; a [`Reaper`] stops it when the test binary
//! exits. Any database name is routed to the same database on the test server. tokio-postgres
//! sends only `client_encoding`, `user`, `database` and `application_name` at startup, which
//! PgBouncer tracks itself, so no `ignore_startup_parameters` are needed.

use std::ffi::OsStr;
use std::fs;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::db::TestDb;
use super::os::{
    KillOnDrop, Reaper, SERVICE_USER, find_program, free_port, hand_to_service_user,
    running_as_root,
};
use super::postgres;

const MISSING: &str = "PgBouncer not found: install the `pgbouncer` Debian package (`.ci/run` does this); \
     looked for pgbouncer on PATH and in /usr/sbin";

/// The running PgBouncer of this test binary.
pub struct PgBouncer {
    port: u16,
    _process: KillOnDrop,
    _reaper: Reaper,
}

static BOUNCER: OnceLock<PgBouncer> = OnceLock::new();

/// The PgBouncer of this test binary, started (with the PostgreSQL server) on first use.
pub fn pgbouncer() -> &'static PgBouncer {
    BOUNCER.get_or_init(PgBouncer::start)
}

/// A fresh test database, reached through PgBouncer.
pub async fn fresh_database() -> TestDb {
    let direct = postgres::fresh_database().await;
    let name = direct
        .rsplit('/')
        .next()
        .expect("a database URL has a path");
    TestDb::postgres_at(pgbouncer().url(name))
}

impl PgBouncer {
    fn start() -> Self {
        let program = find_program("pgbouncer", &[PathBuf::from("/usr/sbin")])
            .unwrap_or_else(|| panic!("{MISSING}"));
        let server = postgres::server();
        let root = tempfile::Builder::new()
            .prefix("dbmigrate-pgbouncer-")
            .tempdir()
            .expect("creating a directory for PgBouncer")
            .keep();
        fs::write(root.join("userlist.txt"), "\"postgres\" \"\"\n").expect("writing userlist.txt");
        for _ in 0..5 {
            let port = free_port();
            let config = root.join("pgbouncer.ini");
            fs::write(&config, config_text(&root, port, server.port()))
                .expect("writing pgbouncer.ini");
            hand_to_service_user(&root);
            let mut command = Command::new(&program);
            if running_as_root() {
                // PgBouncer refuses to run as root; `-u` makes it switch user itself.
                command.args(["-u", SERVICE_USER]);
            }
            let child = command
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("starting {}: {e}", program.display()));
            let pid = child.id().to_string();
            let mut child = KillOnDrop(child);
            if wait_until_listening(&mut child.0, port, &root) {
                // Stops it when this process ends without dropping `PgBouncer` (statics are
                // never dropped), including when this process is killed.
                let reaper = Reaper::spawn(&root, &["kill".as_ref(), OsStr::new(&pid)]);
                return Self {
                    port,
                    _process: child,
                    _reaper: reaper,
                };
            }
        }
        panic!("PgBouncer did not start on any of 5 ports:\n{}", log(&root));
    }

    /// The URL of database `dbname` through PgBouncer.
    pub fn url(&self, dbname: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{dbname}", self.port)
    }
}

fn config_text(root: &Path, port: u16, server_port: u16) -> String {
    format!(
        "[databases]
* = host=127.0.0.1 port={server_port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {root}/userlist.txt
admin_users = postgres
pool_mode = transaction
max_client_conn = 200
default_pool_size = 2
log_connections = 0
log_disconnections = 0
stats_period = 1
logfile = {root}/pgbouncer.log
",
        root = root.display()
    )
}

/// Waits until PgBouncer accepts TCP connections; false when it exited (port taken).
fn wait_until_listening(child: &mut Child, port: u16, root: &Path) -> bool {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if child.try_wait().expect("polling PgBouncer").is_some() {
            let log = log(root);
            assert!(
                log.contains("Address already in use") || log.contains("bind"),
                "PgBouncer exited at start:\n{log}"
            );
            return false;
        }
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        assert!(
            Instant::now() < deadline,
            "PgBouncer did not listen on port {port} within 30 s:\n{}",
            log(root)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn log(root: &Path) -> String {
    fs::read_to_string(root.join("pgbouncer.log")).unwrap_or_default()
}

/// The pool mode PgBouncer's admin console reports for the database `db` is reached through
/// (`None` when PgBouncer has no pool for it, i.e. nothing went through PgBouncer).
pub async fn pool_mode(db: &TestDb) -> Option<String> {
    admin_value(db, "SHOW POOLS", "pool_mode").await
}

/// How many queries PgBouncer has forwarded for the database `db` is reached through
/// (`SHOW STATS`, refreshed every second: waits for the next refresh first).
pub async fn query_count(db: &TestDb) -> u64 {
    tokio::time::sleep(Duration::from_millis(1100)).await;
    admin_value(db, "SHOW STATS", "total_query_count")
        .await
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// One column of the admin console's row for the database `db` is reached through.
async fn admin_value(db: &TestDb, command: &str, column: &str) -> Option<String> {
    let name = db
        .postgres_url()
        .rsplit('/')
        .next()
        .expect("a database URL has a path");
    let console = postgres::client(&pgbouncer().url("pgbouncer")).await;
    let messages = console
        .simple_query(command)
        .await
        .unwrap_or_else(|e| panic!("{command} on the admin console: {e}"));
    messages.into_iter().find_map(|message| match message {
        tokio_postgres::SimpleQueryMessage::Row(row) if row.get("database") == Some(name) => {
            row.get(column).map(str::to_owned)
        }
        _ => None,
    })
}
