//! The static runner where a script step runs it: in a root holding nothing but a static
//! busybox, an `/etc/hosts`, an `/etc/resolv.conf`, an `/etc/nsswitch.conf` naming an NSS
//! module that does not exist (so any libc name lookup would fail) and `/dev/null` (every OCI
//! container has it; the runner gives it to the script's stdin) — no `/dev/urandom`. `dbmigrate copy-self` puts
//! the binary `scripts/build-static` built into it, as the init container does; `chroot` runs
//! the copy, as user 65532, with a step Job's inputs against the test PostgreSQL by host name —
//! found in `/etc/hosts`, and through a DNS server the test runs on a loopback address — to
//! apply a SQL step, a script step whose command is busybox `sh -c`, and the last SQL step.
//!
//! Needs root (chroot, port 53): run as another user it fails saying so.

mod support;

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use dbmigrate::jobs::{NextStep, StepReport};
use e2e_harness::images;
use e2e_harness::os::{find_program, running_as_root};
use serde_json::json;
use support::dns::DnsServer;
use support::postgres;
use tempfile::TempDir;

/// Where the init container puts the runner (`jobs::SCRIPT_RUNNER_PATH`).
const RUNNER: &str = "/opt/dbmigrate/dbmigrate";
/// The step containers' user.
const USER: &str = "65532:65532";

/// The static `dbmigrate`, once the test is known to run as root.
fn static_dbmigrate() -> PathBuf {
    assert!(
        running_as_root(),
        "tests/static_runner.rs must run as root: it chroots into a busybox root and serves DNS \
         on port 53 (bash scripts/test runs as root in CI)"
    );
    images::static_dbmigrate(&e2e_harness::bin_dir()).unwrap_or_else(|e| panic!("{e}"))
}

/// A loopback address for this test's DNS server, apart from other runs' (`127.53.x.n`).
fn dns_address(n: u8) -> Ipv4Addr {
    let pid = std::process::id();
    Ipv4Addr::new(127, 53, u8::try_from(pid % 250).unwrap_or(0) + 1, n)
}

/// An image's root: busybox, the name-service files, and the runner copied in.
struct Root {
    dir: TempDir,
}

impl Root {
    fn new(hosts: &str, nameserver: Ipv4Addr) -> Self {
        let static_binary = static_dbmigrate();
        let dir = tempfile::tempdir().expect("a temporary directory");
        images::busybox_rootfs(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let etc = dir.path().join("etc");
        let files = [
            ("hosts", format!("127.0.0.1\tlocalhost\n{hosts}")),
            ("resolv.conf", format!("nameserver {nameserver}\n")),
            // a libc lookup would have to load this module: it does not exist
            (
                "nsswitch.conf",
                "hosts: dbmigrate-absent\npasswd: dbmigrate-absent\n".to_owned(),
            ),
        ];
        for (name, text) in files {
            std::fs::write(etc.join(name), text).expect("an /etc file");
        }
        let null = dir.path().join("dev/null");
        let made = Command::new("mknod")
            .arg("-m")
            .arg("666")
            .arg(&null)
            .args(["c", "1", "3"])
            .status()
            .expect("running mknod");
        assert!(made.success(), "mknod {}", null.display());
        let copied = dir.path().join(RUNNER.trim_start_matches('/'));
        std::fs::create_dir_all(copied.parent().expect("a parent")).expect("/opt/dbmigrate");
        let copy = Command::new(&static_binary)
            .arg("copy-self")
            .arg(&copied)
            .output()
            .expect("running copy-self");
        assert!(copy.status.success(), "copy-self: {copy:?}");
        assert!(
            images::is_static(&copied).expect("reading the copy"),
            "the copy is static"
        );
        let libs: Vec<_> = ["lib", "lib64", "usr/lib"]
            .iter()
            .filter(|d| dir.path().join(d).exists())
            .collect();
        assert!(
            libs.is_empty(),
            "no library directory in the root: {libs:?}"
        );
        Self { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs the copied runner in the root as the step container would: user 65532, working
    /// directory `/`, only the Job's environment.
    fn step(&self, database_url: &str, args: &[&str]) -> (Output, StepReport) {
        let chroot = find_program("chroot", &[PathBuf::from("/usr/sbin")]).expect("chroot");
        let report = self.path().join("tmp/termination-log");
        let _ = std::fs::remove_file(&report);
        let output = Command::new(chroot)
            .arg(format!("--userspec={USER}"))
            .arg(self.path())
            .arg(RUNNER)
            .args(args)
            .args(["--log-format", "text"])
            .env_clear()
            .envs([
                ("PATH", "/bin:/usr/bin:/sbin:/usr/sbin"),
                ("HOSTNAME", "static-runner"),
                ("DATABASE_URL", database_url),
                ("DBMIGRATE_TERMINATION_MESSAGE_PATH", "/tmp/termination-log"),
                ("DBMIGRATE_SECRETS", &secrets()),
                ("DBMIGRATE_RESOURCE", &resource()),
            ])
            .output()
            .expect("running chroot");
        let text = std::fs::read_to_string(&report).unwrap_or_else(|e| {
            panic!(
                "no report at {} ({e}): {}",
                report.display(),
                String::from_utf8_lossy(&output.stderr)
            )
        });
        let parsed = StepReport::from_termination_message(&text)
            .unwrap_or_else(|e| panic!("the report does not parse ({e}): {text}"));
        (output, parsed)
    }
}

fn secrets() -> String {
    json!([{ "name": "db", "key": "url", "env": "DATABASE_URL" }]).to_string()
}

/// A DatabaseMigration: a table, a script step run by busybox `sh`, a second table.
fn resource() -> String {
    let script = r#"test -n "$DATABASE_URL" && echo "ran as $(id -u) in $(pwd)" > /tmp/script-ran"#;
    json!({
        "apiVersion": "dbmigrate.dev/v1alpha1",
        "kind": "DatabaseMigration",
        "metadata": { "name": "static", "namespace": "apps", "generation": 1 },
        "spec": {
            "database": { "urlSecretRef": { "name": "db", "key": "url" } },
            "source": { "inline": [
                { "name": "1_users.sql", "sql": "CREATE TABLE users (id int PRIMARY KEY);" },
                { "name": "3_posts.sql", "sql": "CREATE TABLE posts (id int PRIMARY KEY);" },
            ] },
            "scripts": [{
                "version": "2", "name": "backfill", "image": "busybox:1.36",
                "command": ["sh", "-c", script],
            }],
        },
    })
    .to_string()
}

fn show(output: &Output, report: &StepReport) -> String {
    format!(
        "exit {:?}\n--- report\n{report:?}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The three steps of [`resource`] against the database of `base` (see [`database`]),
/// reached by the host name `host`.
async fn migrate_in(root: &Root, base: &str, host: &str) {
    let url = &base.replace(NAMES, host);
    let (output, report) = root.step(url, &["step", "--max-migrations", "5"]);
    assert!(output.status.success(), "{}", show(&output, &report));
    assert_eq!(
        (report.applied.as_slice(), &report.next),
        (
            ["1".to_owned()].as_slice(),
            &NextStep::Script {
                version: "2".to_owned()
            }
        ),
        "{}",
        show(&output, &report)
    );

    let (output, report) = root.step(url, &["step", "--script", "2"]);
    assert!(output.status.success(), "{}", show(&output, &report));
    assert_eq!(report.applied, ["2"], "{}", show(&output, &report));
    let ran = std::fs::read_to_string(root.path().join("tmp/script-ran"))
        .expect("the script step's file");
    assert_eq!(ran, "ran as 65532 in /\n", "busybox sh ran the script step");

    let (output, report) = root.step(url, &["step", "--max-migrations", "5"]);
    assert!(output.status.success(), "{}", show(&output, &report));
    assert_eq!(
        (report.applied.as_slice(), &report.next),
        (["3".to_owned()].as_slice(), &NextStep::Done),
        "{}",
        show(&output, &report)
    );

    let client = postgres::client(&base.replace(NAMES, "127.0.0.1")).await;
    let rows = client
        .query(
            "SELECT version FROM dbmigrate_history WHERE success ORDER BY version",
            &[],
        )
        .await
        .expect("reading the history");
    let versions: Vec<String> = rows.iter().map(|row| row.get(0)).collect();
    assert_eq!(versions, ["1", "2", "3"]);
}

/// The placeholder host of [`database`]'s URLs.
const NAMES: &str = "@@host@@";

/// A fresh database on the test server, its URL with the host left to fill in.
async fn database() -> String {
    let url = postgres::fresh_database().await;
    url.replacen("127.0.0.1", NAMES, 1)
}

#[tokio::test]
async fn the_copied_runner_resolves_the_database_by_etc_hosts_without_libc() {
    // the DNS server knows nothing: the name must come from /etc/hosts, without asking it
    let root = Root::new("127.0.0.1\tdb.hosts.test\n", dns_address(1));
    let dns = DnsServer::start(dns_address(1), "unused.dns.test", Ipv4Addr::LOCALHOST);
    migrate_in(&root, &database().await, "db.hosts.test").await;
    assert_eq!(dns.queries(), 0, "a name in /etc/hosts is not asked of DNS");
}

#[tokio::test]
async fn the_copied_runner_resolves_the_database_through_dns_without_libc() {
    let root = Root::new("", dns_address(2));
    let dns = DnsServer::start(dns_address(2), "db.dns.test", Ipv4Addr::LOCALHOST);
    migrate_in(&root, &database().await, "db.dns.test").await;
    assert!(
        dns.queries() > 0,
        "the name came from the test's DNS server"
    );
}

#[tokio::test]
async fn a_name_nobody_knows_is_database_unreachable_saying_it_did_not_resolve() {
    let root = Root::new("", dns_address(3));
    let dns = DnsServer::start(dns_address(3), "db.dns.test", Ipv4Addr::LOCALHOST);
    let url = database()
        .await
        .replace(NAMES, "nowhere.dns.test")
        .replacen("postgres@", "postgres:s3cret@", 1);
    let (output, report) = root.step(&url, &["step", "--max-migrations", "5"]);
    assert_eq!(output.status.code(), Some(5), "{}", show(&output, &report));
    let failure = report
        .migration
        .as_ref()
        .and_then(|status| status.failure.as_ref())
        .expect("a failure in the report");
    assert_eq!(failure.reason, "DatabaseUnreachable");
    let expected = format!(
        "host name `nowhere.dns.test` did not resolve: no address in /etc/hosts or DNS ({})",
        dns.address()
    );
    assert!(failure.message.contains(&expected), "{}", failure.message);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !failure.message.contains("s3cret") && !stderr.contains("s3cret"),
        "the password is never printed: {}",
        show(&output, &report)
    );
    assert!(dns.queries() > 0, "DNS was asked");
}
