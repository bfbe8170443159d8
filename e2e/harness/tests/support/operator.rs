//! The operator in its environment: the CRDs, a namespace, a Secret holding the database URL,
//! and `dbmigrate operator` watching that namespace.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

use e2e_harness::os::{KillOnDrop, free_port};

use super::Fixture;

/// The image of the step Jobs: `E2E_IMAGE` (a real cluster must be able to pull it), else
/// `dbmigrate:e2e`, which job-runner maps to the freshly built binary.
pub fn image() -> String {
    std::env::var("E2E_IMAGE").unwrap_or_else(|_| "dbmigrate:e2e".to_owned())
}

/// An environment with the CRDs, a namespace, a Secret holding the database URL, and the
/// operator watching that namespace.
pub struct Operator {
    pub fixture: Fixture,
    pub process: KillOnDrop,
    /// `127.0.0.1:<port>` of its /healthz, /readyz and /metrics.
    pub http: String,
}

impl Operator {
    pub fn start(test: &str) -> Self {
        let fixture = Fixture::start(test);
        fixture.install_crds();
        let url = format!("--from-literal=url={}", fixture.env.database_url());
        fixture.ok(&["create", "secret", "generic", "db", &url]);
        let (process, http) = start_operator(&fixture);
        Self {
            fixture,
            process,
            http,
        }
    }

    /// Stops the operator (SIGKILL) and starts a new one.
    pub fn restart(&mut self) {
        self.process.kill();
        (self.process, self.http) = start_operator(&self.fixture);
    }

    /// The operator's log, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.fixture.env.dir().join("operator.log")).unwrap_or_default()
    }

    /// Waits for `condition` of `what` (`dbm/<name>`, `cfgsync/<name>`), showing the
    /// operator's log and the resource when it does not come.
    pub fn wait_for(&self, what: &str, condition: &str) {
        let dbm = what;
        let output = self
            .fixture
            .kubectl(None)
            .args(["wait", &format!("--for={condition}"), dbm, "--timeout=60s"])
            .output()
            .expect("running kubectl wait");
        assert!(
            output.status.success(),
            "{dbm} never reached {condition}:\n{}\n{}\n--- operator ---\n{}\n{}",
            String::from_utf8_lossy(&output.stderr),
            self.fixture.ok(&["get", dbm, "-o", "yaml"]),
            self.log(),
            self.fixture.env.logs()
        );
    }

    /// Runs SQL on the test database and returns the rows, `|`-separated.
    pub fn sql(&self, query: &str) -> String {
        let output = Command::new("psql")
            .args([self.fixture.env.database_url(), "-AtX", "-c", query])
            .output()
            .expect("running psql");
        assert!(
            output.status.success(),
            "psql {query}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }
}

/// Starts `dbmigrate operator` for the fixture's namespace, appending to `operator.log`;
/// returns it and the address of its HTTP port.
pub fn start_operator(fixture: &Fixture) -> (KillOnDrop, String) {
    start_operator_logging_to(fixture, "operator.log")
}

/// Starts `dbmigrate operator` for the fixture's namespace, appending to `log` in its dir;
/// returns it and the address of its HTTP port.
pub fn start_operator_logging_to(fixture: &Fixture, log: &str) -> (KillOnDrop, String) {
    let http = format!("127.0.0.1:{}", free_port());
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(fixture.env.dir().join(log))
        .expect("opening the operator's log");
    let process = Command::new(fixture.env.bin_dir().join("dbmigrate"))
        .args(["operator", "--image", &image(), "--log-format", "text"])
        .args(["--namespace", &fixture.namespace, "--http-address", &http])
        .env("KUBECONFIG", fixture.env.kubeconfig())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("starting dbmigrate operator");
    (KillOnDrop(process), http)
}

/// `GET http://<address><path>`: the status code and the body.
pub fn http_get(address: &str, path: &str) -> (u16, String) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut stream = loop {
        match TcpStream::connect(address) {
            Ok(stream) => break stream,
            Err(_) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(e) => panic!("connecting to {address}: {e}"),
        }
    };
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .expect("sending the request");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .expect("reading the response");
    let code = response
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned());
    (code, body.unwrap_or_default())
}

/// A DatabaseMigration with inline migrations (`name`, `sql`) for the `db` Secret.
pub fn migration(name: &str, files: &[(&str, &str)], extra: &str) -> String {
    let history = name.replace('-', "_");
    let mut text = format!(
        "apiVersion: dbmigrate.dev/v1alpha1
kind: DatabaseMigration
metadata:
  name: {name}
spec:
  database:
    urlSecretRef: {{name: db, key: url}}
  historyTable: {history}_history
{extra}  source:
    inline:
"
    );
    for (file, sql) in files {
        text.push_str(&format!("      - name: {file}\n        sql: {sql:?}\n"));
    }
    text
}
