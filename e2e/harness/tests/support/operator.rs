//! The operator in its environment: the CRDs, a namespace, a Secret holding the database URL,
//! and `dbmigrate operator` watching that namespace as the chart installs it (the chart's
//! ServiceAccount, Roles and bindings, and a token of that ServiceAccount), not as the admin;
//! the RBAC tests build it from `docs/rbac.md`'s rows instead, to remove one.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use e2e_harness::os::{KillOnDrop, free_port};
use e2e_harness::rbac_reference::{OperatorInstall, RbacReference, Watched};

use super::Fixture;

/// The image of the step Jobs: `E2E_IMAGE` (a real cluster must be able to pull it), else
/// `dbmigrate:e2e`, which job-runner maps to the freshly built binary.
pub fn image() -> String {
    std::env::var("E2E_IMAGE").unwrap_or_else(|_| "dbmigrate:e2e".to_owned())
}

/// The ServiceAccount the operator runs as, in the namespace of its install.
pub const SERVICE_ACCOUNT: &str = "dbmigrate";

/// An environment with the CRDs, a namespace, a Secret holding the database URL, and the
/// operator watching that namespace.
pub struct Operator {
    pub fixture: Fixture,
    pub process: KillOnDrop,
    /// `127.0.0.1:<port>` of its /healthz, /readyz and /metrics.
    pub http: String,
    /// How it is installed (its ServiceAccount, namespaces and Secret access).
    pub install: OperatorInstall,
    /// The kubeconfig with its ServiceAccount's token.
    pub kubeconfig: PathBuf,
}

impl Operator {
    /// The operator of `test`'s namespace, installed as the chart installs it: the
    /// ServiceAccount and RBAC of `charts/dbmigrate` rendered for that namespace (the chart
    /// tests prove they are the rows of `docs/rbac.md`), and a token of that ServiceAccount.
    pub fn start(test: &str) -> Self {
        let fixture = Fixture::start(test);
        prepare(&fixture);
        Self::start_prepared(fixture)
    }

    /// [`Operator::start`] on a fixture whose namespace already holds what its resources need
    /// (the CRDs installed, its Secrets created).
    pub fn start_prepared(fixture: Fixture) -> Self {
        let install = OperatorInstall {
            namespace: fixture.namespace.clone(),
            service_account: SERVICE_ACCOUNT.to_owned(),
            watched: Watched::Namespaces(vec![fixture.namespace.clone()]),
            reads_secrets: true,
        };
        let rbac = chart_rbac(&install);
        Self::run_under(fixture, install, &rbac)
    }

    /// The operator installed as `install` with the rows of `reference` (the fixture's
    /// namespace holds the `db` Secret; other watched namespaces must exist).
    pub fn start_as(fixture: Fixture, install: OperatorInstall, reference: &RbacReference) -> Self {
        prepare(&fixture);
        let objects = serde_json::json!({
            "apiVersion": "v1", "kind": "List", "items": reference.operator_objects(&install),
        });
        Self::run_under(fixture, install, &objects.to_string())
    }

    /// Applies `rbac` (its ServiceAccount, Roles and bindings) and starts the operator as
    /// `install` with a token of its ServiceAccount.
    fn run_under(fixture: Fixture, install: OperatorInstall, rbac: &str) -> Self {
        fixture.apply_anywhere(rbac);
        let kubeconfig = fixture
            .env
            .service_account_kubeconfig(&install.namespace, &install.service_account)
            .unwrap_or_else(|e| panic!("{e}\n{}", fixture.env.logs()));
        let (process, http) = spawn(&fixture, &install, &kubeconfig, "operator.log");
        Self {
            fixture,
            process,
            http,
            install,
            kubeconfig,
        }
    }

    /// Stops the operator (SIGKILL) and starts a new one.
    pub fn restart(&mut self) {
        self.process.kill();
        (self.process, self.http) = self.start_another("operator.log");
    }

    /// Starts one more operator replica like the first, appending to `log` in the
    /// environment's directory; returns it and the address of its HTTP port.
    pub fn start_another(&self, log: &str) -> (KillOnDrop, String) {
        spawn(&self.fixture, &self.install, &self.kubeconfig, log)
    }

    /// The operator's log, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.fixture.env.dir().join("operator.log")).unwrap_or_default()
    }

    /// Waits for `condition` of `what` (`dbm/<name>`, `cfgsync/<name>`), showing the
    /// operator's log and the resource when it does not come.
    pub fn wait_for(&self, what: &str, condition: &str) {
        self.wait_for_in(&self.fixture.namespace, what, condition);
    }

    /// [`Operator::wait_for`] in `namespace`.
    pub fn wait_for_in(&self, namespace: &str, what: &str, condition: &str) {
        let condition = format!("--for={condition}");
        let output = self
            .fixture
            .env
            .kubectl()
            .args(["wait", "-n", namespace, &condition, what, "--timeout=60s"])
            .output()
            .expect("running kubectl wait");
        assert!(
            output.status.success(),
            "{what} in {namespace} never reached {condition}:\n{}\n{}\n--- operator ---\n{}\n{}",
            String::from_utf8_lossy(&output.stderr),
            self.fixture
                .ok(&["get", what, "-n", namespace, "-o", "yaml"]),
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

    /// The requests this operator's ServiceAccount made, one audit event each (the first:
    /// a watch still open has only its `ResponseStarted` event).
    pub fn audited_requests(&self) -> Vec<e2e_harness::AuditEvent> {
        let user = self.install.user();
        let events = self
            .fixture
            .env
            .audit_log()
            .unwrap_or_else(|e| panic!("{e}"));
        let mut seen = std::collections::BTreeSet::new();
        events
            .into_iter()
            .filter(|e| e.acting_user() == user && seen.insert(e.audit_id.clone()))
            .collect()
    }
}

/// The CRDs, and the Secret `db` holding the test database's URL in the fixture's namespace.
fn prepare(fixture: &Fixture) {
    fixture.install_crds();
    let url = format!("--from-literal=url={}", fixture.env.database_url());
    fixture.ok(&["create", "secret", "generic", "db", &url]);
}

/// The ServiceAccount and RBAC objects of the chart installed as release `install.service_account`
/// in `install.namespace` (its fullname, so its ServiceAccount's name) for `install`'s watched
/// namespaces and Secret access, as YAML documents for `kubectl apply`.
fn chart_rbac(install: &OperatorInstall) -> String {
    let mut values = format!(
        "secretAccess: {}\n",
        if install.reads_secrets {
            "namespaced"
        } else {
            "none"
        }
    );
    if let Watched::Namespaces(namespaces) = &install.watched {
        values += &format!("watchNamespaces: [{}]\n", namespaces.join(", "));
    }
    let rendered = e2e_harness::chart::render_release(
        &install.service_account,
        &install.namespace,
        &values,
        &[],
    )
    .unwrap_or_else(|e| panic!("rendering charts/dbmigrate: {e}"));
    const RBAC_KINDS: [&str; 5] = [
        "ServiceAccount",
        "Role",
        "RoleBinding",
        "ClusterRole",
        "ClusterRoleBinding",
    ];
    let documents: Vec<&str> = rendered
        .split("\n---")
        .filter(|document| {
            document.lines().any(|line| {
                RBAC_KINDS
                    .iter()
                    .any(|kind| line == format!("kind: {kind}"))
            })
        })
        .collect();
    assert!(
        documents.iter().any(|d| d.contains("kind: RoleBinding")),
        "the chart rendered no RoleBinding for {install:?}:\n{rendered}"
    );
    documents.join("\n---")
}

/// Starts `dbmigrate operator` as `install` says with `kubeconfig` (its ServiceAccount's),
/// appending to `log` in the environment's directory; returns it and the address of its HTTP
/// port. `POD_NAMESPACE` is the install's namespace, as the downward API gives it in a pod.
fn spawn(
    fixture: &Fixture,
    install: &OperatorInstall,
    kubeconfig: &std::path::Path,
    log: &str,
) -> (KillOnDrop, String) {
    let http = format!("127.0.0.1:{}", free_port());
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(fixture.env.dir().join(log))
        .expect("opening the operator's log");
    let mut command = Command::new(fixture.env.bin_dir().join("dbmigrate"));
    command
        .args(["operator", "--image", &image(), "--log-format", "text"])
        .args(["--http-address", &http]);
    if let Watched::Namespaces(namespaces) = &install.watched {
        command.args(["--namespace", &namespaces.join(",")]);
    }
    let access = if install.reads_secrets {
        "namespaced"
    } else {
        "none"
    };
    let process = command
        .args(["--secret-access", access])
        .env("KUBECONFIG", kubeconfig)
        .env("POD_NAMESPACE", &install.namespace)
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
