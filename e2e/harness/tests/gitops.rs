//! What GitOps tools read from resources the operator drives (docs/gitops.md): a
//! DatabaseMigration and ConfigSyncs taken through the operator into each state — waiting on a
//! dependency, steps running, Ready, a status of an older generation, suspended, failed — and on
//! each live object the Argo CD health of the chart's Lua scripts (the real `lua5.4`), kstatus's
//! reading (Flux `wait: true`) and the real `kubectl wait --for=condition=Ready` (1.27 and the
//! one on PATH); and `dbmigrate wait` with the init container's arguments and the RBAC of
//! docs/gitops.md, as that ServiceAccount.
//!
//! The live objects are recorded in `charts/dbmigrate/argocd/testdata/` with their health
//! (`DBMIGRATE_RECORD_HEALTH=1` rewrites them); `tests/argocd_health.rs` reads them there.

mod support;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use e2e_harness::argocd_health::{self, Health};
use e2e_harness::markdown::code_block;
use e2e_harness::os::KillOnDrop;
use e2e_harness::{HarnessError, OLDEST_MINOR};
use serde_json::Value;
use support::Fixture;
use support::operator::{Operator, migration};

/// The repository's root.
const REPOSITORY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

/// Set (to anything) to rewrite the recorded objects instead of comparing with them.
const RECORD: &str = "DBMIGRATE_RECORD_HEALTH";

/// The namespace the recorded objects are written in, whatever the test's was.
const RECORDED_NAMESPACE: &str = "forum";

/// What each reader should make of a resource in one state.
struct Expected {
    /// The Argo CD health status.
    argocd: &'static str,
    /// kstatus's status.
    kstatus: &'static str,
    /// Whether `kubectl wait --for=condition=Ready` returns (else it times out).
    ready: bool,
}

/// kstatus's reading of a resource by its generic rules (cli-utils `checkGenericProperties`,
/// which Flux's `wait: true` uses for kinds it has no rules of its own for): a deletion is
/// Terminating; a status of another generation is InProgress; `Reconciling=True` is
/// InProgress, `Stalled=True` is Failed; anything else (even no status at all) is Current.
fn kstatus(object: &Value) -> &'static str {
    if object["metadata"]["deletionTimestamp"].is_string() {
        return "Terminating";
    }
    let generation = object["metadata"]["generation"].as_i64();
    let observed = object["status"]["observedGeneration"].as_i64();
    if let (Some(generation), Some(observed)) = (generation, observed)
        && generation != observed
    {
        return "InProgress";
    }
    let conditions = object["status"]["conditions"].as_array();
    for condition in conditions.into_iter().flatten() {
        let on = condition["status"] == "True";
        match condition["type"].as_str() {
            Some("Reconciling") if on => return "InProgress",
            Some("Stalled") if on => return "Failed",
            _ => {}
        }
    }
    "Current"
}

/// The health script of `kind` in the chart.
fn script(kind: &str) -> PathBuf {
    Path::new(REPOSITORY).join(format!(
        "charts/dbmigrate/argocd/{}-health.lua",
        kind.to_ascii_lowercase()
    ))
}

/// `text` as a recording holds it: in the namespace `forum`, and each step Job named with
/// `HASH` for its input hash (it hashes the Secret's resourceVersion, which differs from run to
/// run).
fn stable(text: &str, fixture: &Fixture) -> String {
    let mut text = text.replace(&fixture.namespace, RECORDED_NAMESPACE);
    for job in fixture
        .jsonpath("jobs", "{.items[*].metadata.name}")
        .split_whitespace()
    {
        if let Some((step, _hash)) = job.rsplit_once('-') {
            text = text.replace(job, &format!("{step}-HASH"));
        }
    }
    text
}

/// `object` without what changes from run to run and says nothing about health (uid,
/// resourceVersion, managed fields, kubectl's last-applied copy, creation time), made
/// [`stable`].
fn recorded(object: &Value, fixture: &Fixture) -> Value {
    let mut object = object.clone();
    if let Some(metadata) = object["metadata"].as_object_mut() {
        for noise in [
            "uid",
            "resourceVersion",
            "managedFields",
            "creationTimestamp",
        ] {
            metadata.remove(noise);
        }
        if let Some(annotations) = metadata
            .get_mut("annotations")
            .and_then(Value::as_object_mut)
        {
            annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
            if annotations.is_empty() {
                metadata.remove("annotations");
            }
        }
    }
    serde_json::from_str(&stable(&object.to_string(), fixture))
        .expect("JSON stays JSON when names are replaced")
}

/// Checks what each reader makes of the live `what` (`dbm/<name>`, `cfgsync/<name>`), and
/// compares its Argo CD health with `testdata/<fixture>.json` (or records it there).
fn check_readings(operator: &Operator, what: &str, fixture: &str, expected: &Expected) {
    let fx = &operator.fixture;
    let live: Value = serde_json::from_str(&fx.ok(&["get", what, "-o", "json"]))
        .expect("kubectl get -o json prints JSON");
    let kind = live["kind"].as_str().expect("an object has a kind");
    let shown = format!("{what} ({fixture}):\n{live:#}");

    let health = argocd_health::evaluate(&script(kind), &live).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(health.status, expected.argocd, "Argo CD health of {shown}");
    assert!(!health.message.is_empty(), "no health message for {shown}");
    let health = Health {
        message: stable(&health.message, fx),
        ..health
    };
    compare_with_recording(fixture, &recorded(&live, fx), &health);

    assert_eq!(kstatus(&live), expected.kstatus, "kstatus of {shown}");

    // the kubectl on PATH and the oldest one the tests drive
    for minor in [None, Some(OLDEST_MINOR)] {
        let wait = fx
            .kubectl(minor)
            .args(["wait", "--for=condition=Ready", what, "--timeout=1s"])
            .output()
            .expect("running kubectl wait");
        let stderr = String::from_utf8_lossy(&wait.stderr);
        if expected.ready {
            assert!(
                wait.status.success(),
                "kubectl {minor:?} wait: {stderr}\n{shown}"
            );
        } else {
            assert!(
                !wait.status.success() && stderr.contains("timed out waiting for the condition"),
                "kubectl {minor:?} wait --for=condition=Ready should time out on {shown}\n{stderr}"
            );
        }
    }
}

/// Compares `health` with the recorded one of `testdata/<fixture>.json`; with
/// `DBMIGRATE_RECORD_HEALTH` set, writes `object` and `health` there instead.
fn compare_with_recording(fixture: &str, object: &Value, health: &Health) {
    let path =
        Path::new(REPOSITORY).join(format!("charts/dbmigrate/argocd/testdata/{fixture}.json"));
    if std::env::var_os(RECORD).is_some() {
        let recording = serde_json::json!({"health": health, "object": object});
        let text = serde_json::to_string_pretty(&recording).expect("JSON") + "\n";
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        return;
    }
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "reading {}: {e}; record it with {RECORD}=1 cargo test -p e2e-harness --test gitops",
            path.display()
        )
    });
    let recording: Value = serde_json::from_str(&text).expect("a recording is JSON");
    let recorded: Health = serde_json::from_value(recording["health"].clone())
        .unwrap_or_else(|e| panic!("{}: no health: {e}", path.display()));
    assert_eq!(
        &recorded,
        health,
        "the live object's Argo CD health differs from {}'s; if the change is intended, \
         re-record with {RECORD}=1 cargo test -p e2e-harness --test gitops and review the diff",
        path.display()
    );
}

/// The ConfigSync `name` writing `rows` (YAML flow list) into `gitops_forums`, after
/// `forum-schema`.
fn config_sync(name: &str, rows: &str, extra: &str) -> String {
    format!(
        "apiVersion: dbmigrate.dev/v1alpha1
kind: ConfigSync
metadata:
  name: {name}
spec:
  database:
    urlSecretRef: {{name: db, key: url}}
  dependsOn:
  - {{kind: DatabaseMigration, name: forum-schema}}
{extra}  tables:
  - table: gitops_forums
    keyColumns: [slug]
    rows: {rows}
"
    )
}

/// The `forum-schema` migration: the table, then a step that takes a few seconds (so its
/// Progressing status can be read).
fn schema(create_table: &str) -> String {
    migration(
        "forum-schema",
        &[
            ("1_forums.sql", create_table),
            ("2_pause.sql", "SELECT pg_sleep(6);"),
        ],
        "",
    )
}

const CREATE_TABLE: &str =
    "CREATE TABLE gitops_forums (slug text PRIMARY KEY, title text NOT NULL);";

/// docs/gitops.md.
fn gitops_doc() -> String {
    let path = Path::new(REPOSITORY).join("docs/gitops.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The YAML block of docs/gitops.md holding `containing`, in `namespace` instead of `forum`.
fn doc_yaml(containing: &str, namespace: &str) -> String {
    code_block(&gitops_doc(), "yaml", containing)
        .unwrap_or_else(|| panic!("docs/gitops.md has no yaml block holding {containing:?}"))
        .replace("namespace: forum\n", &format!("namespace: {namespace}\n"))
}

/// The arguments of the init container of docs/gitops.md's Deployment.
fn init_container_args() -> Vec<String> {
    let deployment: Value = serde_yaml::from_str(&doc_yaml("kind: Deployment", "forum"))
        .expect("the Deployment of docs/gitops.md is YAML");
    let args = &deployment["spec"]["template"]["spec"]["initContainers"][0]["args"];
    serde_json::from_value(args.clone()).expect("the init container has args")
}

/// `dbmigrate <args>` as the pod's ServiceAccount would run it: its kubeconfig (and namespace),
/// no other setting.
fn dbmigrate_as(fixture: &Fixture, kubeconfig: &Path, args: &[String]) -> Command {
    let mut command = Command::new(fixture.env.bin_dir().join("dbmigrate"));
    command
        .args(args)
        .env("KUBECONFIG", kubeconfig)
        .env_remove("POD_NAMESPACE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Starts `dbmigrate wait` of `command` (killed if the test fails before it ends).
fn start(mut command: Command) -> KillOnDrop {
    KillOnDrop(command.spawn().expect("starting dbmigrate wait"))
}

/// Waits for `dbmigrate wait` to end, at most 60 s; its exit status and output.
fn finish(mut wait: KillOnDrop) -> Output {
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = wait.0.try_wait().expect("polling dbmigrate wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "dbmigrate wait did not end in 60 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    if let Some(mut pipe) = wait.0.stdout.take() {
        pipe.read_to_end(&mut stdout).expect("reading its stdout");
    }
    if let Some(mut pipe) = wait.0.stderr.take() {
        pipe.read_to_end(&mut stderr).expect("reading its stderr");
    }
    Output {
        status,
        stdout,
        stderr,
    }
}

#[test]
fn argo_cd_kstatus_kubectl_and_the_init_container_read_each_state_of_live_resources() {
    let mut operator = Operator::start("gitops");
    let fx = &operator.fixture;
    let in_progress = Expected {
        argocd: "Progressing",
        kstatus: "InProgress",
        ready: false,
    };
    let ready = Expected {
        argocd: "Healthy",
        kstatus: "Current",
        ready: true,
    };
    let failed = Expected {
        argocd: "Degraded",
        kstatus: "Failed",
        ready: false,
    };

    // the application's ServiceAccount, before the Role of docs/gitops.md: refused at once
    fx.ok(&["create", "serviceaccount", "forum-app"]);
    let app = fx
        .env
        .service_account_kubeconfig(&fx.namespace, "forum-app")
        .unwrap_or_else(|e| panic!("{e}"));
    let args = init_container_args();
    assert_eq!(args[0], "wait", "{args:?}");
    let refused = finish(start(dbmigrate_as(fx, &app, &args)));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !refused.status.success() && stderr.contains("forbidden"),
        "dbmigrate wait without the Role: {stderr}"
    );
    fx.apply(&doc_yaml("kind: Role", &fx.namespace));
    // with it, the init container starts before the resources exist and waits for them
    let init_container = start(dbmigrate_as(fx, &app, &args));

    // a ConfigSync whose DatabaseMigration does not exist yet waits for it
    fx.apply(&config_sync(
        "forums",
        "[{slug: general, title: General}]",
        "",
    ));
    operator.wait_for("cfgsync/forums", "condition=Blocked");
    check_readings(
        &operator,
        "cfgsync/forums",
        "configsync-waiting",
        &in_progress,
    );

    // steps running (past the status of the Job's creation, which names the Job)
    fx.apply(&schema(CREATE_TABLE));
    fx.eventually(
        "dbm/forum-schema",
        "{.status.observedGeneration}/{.status.phase}: {.status.message}",
        "1/Progressing: a step Job is running",
    );
    check_readings(
        &operator,
        "dbm/forum-schema",
        "databasemigration-progressing",
        &in_progress,
    );

    // Ready: the init container ends
    operator.wait_for("dbm/forum-schema", "condition=Ready");
    operator.wait_for("cfgsync/forums", "condition=Ready");
    check_readings(
        &operator,
        "dbm/forum-schema",
        "databasemigration-ready",
        &ready,
    );
    check_readings(&operator, "cfgsync/forums", "configsync-ready", &ready);
    let waited = finish(init_container);
    assert!(
        waited.status.success(),
        "{args:?} as forum-app: {}",
        String::from_utf8_lossy(&waited.stderr)
    );

    // a ConfigSync whose rows do not fit its table fails (no retry: backoffLimit 0)
    fx.apply(&config_sync(
        "broken",
        "[{slug: help, title: Help, colour: red}]",
        "  runner: {backoffLimit: 0}\n",
    ));
    operator.wait_for("cfgsync/broken", "condition=Failed");
    check_readings(&operator, "cfgsync/broken", "configsync-failed", &failed);

    // suspended: Argo CD says so; kstatus sees neither progress nor a stall
    fx.ok(&[
        "patch",
        "cfgsync/forums",
        "--type=merge",
        "-p",
        r#"{"spec":{"suspend":true}}"#,
    ]);
    fx.eventually(
        "cfgsync/forums",
        "{.status.observedGeneration}/{.status.conditions[?(@.type==\"Blocked\")].reason}",
        "2/Suspended",
    );
    let suspended = Expected {
        argocd: "Suspended",
        kstatus: "Current",
        ready: false,
    };
    check_readings(
        &operator,
        "cfgsync/forums",
        "configsync-suspended",
        &suspended,
    );

    // an edit the operator has not looked at yet: the Ready status is of generation 1
    operator.process.kill();
    let fx = &operator.fixture;
    let edited = CREATE_TABLE.replace("NOT NULL", "NOT NULL DEFAULT ''");
    fx.apply(&schema(&edited));
    assert_eq!(
        fx.jsonpath(
            "dbm/forum-schema",
            "{.metadata.generation}/{.status.observedGeneration}"
        ),
        "2/1"
    );
    check_readings(
        &operator,
        "dbm/forum-schema",
        "databasemigration-stale",
        &in_progress,
    );
    // a resource with no status yet: kstatus's generic rules read it as Current (the limit
    // docs/gitops.md names); Argo CD's script and kubectl wait do not
    fx.apply(&migration("forum-data", &[("1_noop.sql", "SELECT 1;")], ""));
    let no_status = Expected {
        argocd: "Progressing",
        kstatus: "Current",
        ready: false,
    };
    check_readings(
        &operator,
        "dbm/forum-data",
        "databasemigration-new",
        &no_status,
    );

    // the edit of an applied migration fails (ChecksumMismatch, not retried)
    operator.restart();
    let fx = &operator.fixture;
    operator.wait_for("dbm/forum-schema", "condition=Failed");
    check_readings(
        &operator,
        "dbm/forum-schema",
        "databasemigration-failed",
        &failed,
    );
    let failed_wait = finish(start(dbmigrate_as(fx, &app, &args)));
    let stderr = String::from_utf8_lossy(&failed_wait.stderr);
    assert!(
        !failed_wait.status.success()
            && stderr.contains("databasemigration/forum-schema is Failed (ChecksumMismatch)"),
        "{args:?} as forum-app on a Failed migration: {stderr}"
    );

    // dbmigrate wait made only the requests the Role of docs/gitops.md grants
    let user = format!("system:serviceaccount:{}:forum-app", fx.namespace);
    let role: Value = serde_yaml::from_str(
        doc_yaml("kind: Role", &fx.namespace)
            .split("\n---\n")
            .find(|document| document.contains("kind: Role\n"))
            .expect("the Role"),
    )
    .expect("the Role is YAML");
    let granted: Vec<String> =
        serde_json::from_value(role["rules"][0]["verbs"].clone()).expect("the Role's verbs");
    let audit = match fx.env.audit_log() {
        Ok(audit) => audit,
        // a cluster of KUBECONFIG keeps its audit log to itself: nothing more to check here
        Err(HarnessError::NoAuditLog { .. }) => return,
        Err(e) => panic!("{e}"),
    };
    let mut used: Vec<String> = audit
        .iter()
        .filter(|event| event.acting_user() == user && event.response_status.code < 300)
        .map(|event| event.verb.clone())
        .collect();
    used.sort();
    used.dedup();
    assert_eq!(
        used, granted,
        "the verbs dbmigrate wait used (left) are not those docs/gitops.md's Role grants"
    );
}
