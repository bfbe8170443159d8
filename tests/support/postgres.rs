//! A real PostgreSQL server for the test binary and a fresh database for each test.
//!
//! The server starts once per test binary (on first use), from the newest PostgreSQL found on
//! `PATH` or under `/usr/lib/postgresql/*/bin`, in a temporary directory, listening on a free
//! loopback port. A [`Reaper`] stops it (`pg_ctl stop -m immediate`) and deletes the directory
//! when the test binary exits. Each test gets its own database (`test_<n>`), so tests run in
//! parallel without seeing each other's tables or history.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio_postgres::{Client, NoTls};

use super::os::{Reaper, as_service_user, find_program, free_port, hand_to_service_user, run};

const MISSING: &str = "PostgreSQL not found: install the `postgresql` Debian package (`.ci/run` does this); \
                       looked for initdb, pg_ctl and postgres on PATH and under /usr/lib/postgresql/*/bin";

/// The running server of this test binary.
pub struct Server {
    port: u16,
    _reaper: Reaper,
}

static SERVER: OnceLock<Server> = OnceLock::new();

/// The server of this test binary, started on first use.
pub fn server() -> &'static Server {
    SERVER.get_or_init(Server::start)
}

impl Server {
    fn start() -> Self {
        let bin = bin_dir().unwrap_or_else(|| panic!("{MISSING}"));
        let root = tempfile::Builder::new()
            .prefix("dbmigrate-pg-")
            .tempdir()
            .expect("creating a directory for the PostgreSQL cluster")
            .keep();
        let data = root.join("data");
        hand_to_service_user(&root);
        let pg_ctl = bin.join("pg_ctl");
        let stop = as_service_user(&pg_ctl);
        let mut stop_command: Vec<&OsStr> = vec![stop.get_program()];
        stop_command.extend(stop.get_args());
        stop_command.extend([
            "-D".as_ref(),
            data.as_os_str(),
            "stop".as_ref(),
            "-m".as_ref(),
            "immediate".as_ref(),
        ]);
        let reaper = Reaper::spawn(&root, &stop_command);
        run(as_service_user(&bin.join("initdb"))
            .current_dir(&root)
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ]));
        let port = (0..5)
            .find_map(|_| try_start(&pg_ctl, &root, &data, free_port()))
            .unwrap_or_else(|| panic!("PostgreSQL did not start: {}", server_log(&root)));
        Self {
            port,
            _reaper: reaper,
        }
    }

    /// The URL of database `dbname` on this server.
    pub fn url(&self, dbname: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{dbname}", self.port)
    }

    /// The server's port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }
}

/// Starts the server on `port` and waits until it accepts connections (`pg_ctl start -w`);
/// `None` when the port was taken in the meantime.
fn try_start(pg_ctl: &Path, root: &Path, data: &Path, port: u16) -> Option<u16> {
    let options = format!(
        "-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories='{}' -c fsync=off \
         -c synchronous_commit=off -c full_page_writes=off -c max_connections=100",
        root.display()
    );
    let output = as_service_user(pg_ctl)
        .current_dir(root)
        .arg("-D")
        .arg(data)
        .arg("-l")
        .arg(root.join("server.log"))
        .args(["-w", "-t", "60", "-o", &options, "start"])
        .stdin(Stdio::null())
        .output()
        .expect("running pg_ctl start");
    if output.status.success() {
        return Some(port);
    }
    let log = server_log(root);
    assert!(
        log.contains("could not bind") || log.contains("already in use"),
        "pg_ctl start failed ({}):\n{}{}\nserver log:\n{log}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    None
}

fn server_log(root: &Path) -> String {
    fs::read_to_string(root.join("server.log")).unwrap_or_default()
}

/// The directory holding `initdb`, `pg_ctl` and `postgres`: the one `initdb` on `PATH` resolves
/// to, else the newest `/usr/lib/postgresql/<major>/bin`.
fn bin_dir() -> Option<PathBuf> {
    let complete = |dir: &Path| {
        ["initdb", "pg_ctl", "postgres"]
            .iter()
            .all(|p| dir.join(p).is_file())
    };
    let on_path = find_program("initdb", &[])
        .and_then(|initdb| fs::canonicalize(initdb).ok())
        .and_then(|initdb| initdb.parent().map(Path::to_path_buf))
        .filter(|dir| complete(dir));
    on_path.or_else(|| {
        let mut majors: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .flatten()
            .filter_map(|entry| {
                let major = entry.file_name().to_str()?.parse().ok()?;
                Some((major, entry.path().join("bin")))
            })
            .filter(|(_, dir)| complete(dir))
            .collect();
        majors.sort();
        majors.pop().map(|(_, dir)| dir)
    })
}

/// Creates an empty database on the server and returns its URL.
pub async fn fresh_database() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(1);
    let server = server();
    let name = format!("test_{}", NEXT.fetch_add(1, Ordering::Relaxed));
    let admin = client(&server.url("postgres")).await;
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap_or_else(|e| panic!("creating database {name}: {e}"));
    server.url(&name)
}

/// A plain tokio-postgres connection (for the tests' own checks), driven on this runtime.
pub async fn client(url: &str) -> Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .unwrap_or_else(|e| panic!("connecting to {url}: {e}"));
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
}

/// Whether the server has a database of this name.
pub async fn database_exists(name: &str) -> bool {
    let admin = client(&server().url("postgres")).await;
    let rows = admin
        .query("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .await
        .expect("reading pg_database");
    !rows.is_empty()
}

/// The backend (pid) of this database that waits for the advisory lock `key`, once one does.
pub async fn waiting_for_advisory_lock(client: &Client, key: i64) -> i32 {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let waiter = client
            .query_opt(
                "SELECT l.pid FROM pg_locks l JOIN pg_database d ON d.oid = l.database \
                 WHERE d.datname = current_database() AND l.locktype = 'advisory' AND NOT l.granted \
                 AND ((l.classid::bigint << 32) | l.objid::bigint) = $1",
                &[&key],
            )
            .await
            .expect("reading pg_locks");
        if let Some(row) = waiter {
            return row.get(0);
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no backend waited for advisory lock {key} within 30 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
