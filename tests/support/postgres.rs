//! A real PostgreSQL server for the test binary and a fresh database for each test.
//!
//! The server (`e2e_harness::postgres`, shared with the e2e environment) starts once per test
//! binary, on first use, in a temporary directory on a free loopback port; its Reaper stops it
//! and deletes the directory when the test binary exits. Each test gets its own database
//! (`test_<n>`), so tests run in parallel without seeing each other's tables or history.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

pub use e2e_harness::postgres::Server;
use tokio_postgres::{Client, NoTls};

static SERVER: OnceLock<Server> = OnceLock::new();

/// The server of this test binary, started on first use.
pub fn server() -> &'static Server {
    SERVER.get_or_init(|| Server::start().unwrap_or_else(|e| panic!("{e}")))
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
