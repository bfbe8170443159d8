//! `dbmigrate wait`, as an application's init container runs it, against the e2e API server:
//! Ready at the current generation ends the wait, an older generation's Ready does not, a
//! Failed resource ends it at once with its failure (even while another is still missing), and
//! a timeout says where each one stands.
//! The statuses are written with kubectl (no operator runs here).

mod support;

use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::Fixture;
use support::operator::migration;

/// The environment with the CRDs and a DatabaseMigration `forum` (generation 1).
fn fixture() -> Fixture {
    let fixture = Fixture::start("wait");
    fixture.install_crds();
    fixture.apply(&migration(
        "forum",
        &[("1_users.sql", "CREATE TABLE users (id int);")],
        "",
    ));
    fixture
}

/// `dbmigrate wait <args> -n <namespace>` with the environment's kubeconfig.
fn wait(fixture: &Fixture, args: &[&str]) -> Command {
    let mut command = Command::new(fixture.env.bin_dir().join("dbmigrate"));
    command
        .arg("wait")
        .args(args)
        .args(["-n", &fixture.namespace])
        .env("KUBECONFIG", fixture.env.kubeconfig())
        .env_remove("POD_NAMESPACE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Waits (30 s at most) for `child` to end.
fn finish(child: Child) -> Output {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut child = child;
    while child.try_wait().expect("polling dbmigrate wait").is_none() {
        assert!(Instant::now() < deadline, "dbmigrate wait did not end");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("dbmigrate wait's output")
}

/// Writes `status` (JSON) on the `forum` DatabaseMigration.
fn set_status(fixture: &Fixture, status: &str) {
    let patch = format!(r#"{{"status": {status}}}"#);
    fixture.ok(&[
        "patch",
        "dbm/forum",
        "--subresource=status",
        "--type=merge",
        "-p",
        &patch,
    ]);
}

/// A status of `phase` for `generation` with the Ready condition `ready`.
fn status(phase: &str, generation: i64, ready: bool, extra: &str) -> String {
    let ready = if ready { "True" } else { "False" };
    format!(
        r#"{{"phase": "{phase}", "observedGeneration": {generation}, "message": "{phase} at {generation}",
            "conditions": [{{"type": "Ready", "status": "{ready}", "reason": "Applied", "message": "",
            "observedGeneration": {generation}, "lastTransitionTime": "2026-12-04T10:00:00Z"}}]{extra}}}"#
    )
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn wait_ends_on_ready_at_the_current_generation_on_failure_at_once_and_at_its_timeout() {
    let fixture = fixture();

    let timed_out = wait(
        &fixture,
        &["dbm/forum", "cfgsync/themes", "--timeout", "2s"],
    )
    .output()
    .expect("running dbmigrate wait");
    let stderr = text(&timed_out.stderr);
    assert_eq!(timed_out.status.code(), Some(8), "{stderr}");
    assert!(stderr.contains("not Ready after 2s"), "{stderr}");
    assert!(
        stderr.contains("databasemigration/forum not Ready: no status yet"),
        "{stderr}"
    );
    assert!(
        stderr.contains("configsync/themes does not exist"),
        "{stderr}"
    );

    let waiting = wait(&fixture, &["dbm/forum", "--timeout", "60s"])
        .spawn()
        .expect("starting dbmigrate wait");
    std::thread::sleep(Duration::from_millis(500));
    set_status(&fixture, &status("Ready", 1, true, ""));
    let ready = finish(waiting);
    assert_eq!(ready.status.code(), Some(0), "{}", text(&ready.stderr));
    assert_eq!(text(&ready.stdout).trim(), "databasemigration/forum Ready");

    // a new spec: the Ready status is of generation 1, the resource is at 2
    fixture.ok(&[
        "patch",
        "dbm/forum",
        "--type=merge",
        "-p",
        r#"{"spec": {"targetVersion": "1"}}"#,
    ]);
    let stale = wait(&fixture, &["databasemigration/forum", "--timeout", "2s"])
        .output()
        .expect("running dbmigrate wait");
    let stderr = text(&stale.stderr);
    assert_eq!(stale.status.code(), Some(8), "{stderr}");
    assert!(
        stderr.contains("has not looked at its newest spec yet"),
        "{stderr}"
    );

    let waiting = wait(&fixture, &["dbm/forum", "--timeout", "60s"])
        .spawn()
        .expect("starting dbmigrate wait");
    std::thread::sleep(Duration::from_millis(500));
    let failure = r#", "failure": {"reason": "MigrationFailed", "message": "syntax error at or near \"CREAT\"", "version": "1", "attempt": 4}"#;
    set_status(&fixture, &status("Failed", 2, false, failure));
    let failed = finish(waiting);
    let stderr = text(&failed.stderr);
    assert_eq!(
        failed.status.code(),
        Some(1),
        "exit code of MigrationFailed: {stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "{}/databasemigration/forum is Failed (MigrationFailed): Failed at 2",
            fixture.namespace
        )),
        "{stderr}"
    );

    // one Failed resource ends the wait at once, while another is still missing
    let started = Instant::now();
    let failed = wait(
        &fixture,
        &["cfgsync/themes", "dbm/forum", "--timeout", "60s"],
    )
    .output()
    .expect("running dbmigrate wait");
    let stderr = text(&failed.stderr);
    assert_eq!(failed.status.code(), Some(1), "{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "waited {:?} for the missing one: {stderr}",
        started.elapsed()
    );
    assert!(
        stderr.contains("databasemigration/forum is Failed") && text(&failed.stdout).is_empty(),
        "nothing is Ready: {stderr}"
    );
}
