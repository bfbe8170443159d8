//! The environment starts whole, answers kubectl (newest and oldest), the kube client and
//! PostgreSQL, gives ServiceAccounts kubeconfigs that RBAC governs and keeps an audit log, and
//! leaves nothing behind: not after drop, not after SIGKILL of the test process.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use e2e_harness::os::{CHILD_ENV, KillOnDrop, process_alive, rerun_this_test};
use e2e_harness::{Environment, HarnessError, kubectl_versions};
use k8s_openapi::api::core::v1::Namespace;
use kube::Api;
use kube::api::ListParams;

/// Prefix of the lines the child prints for its parent.
const CHILD_SAYS: &str = "e2e-harness-child:";

fn start() -> Environment {
    let started = Instant::now();
    let env = Environment::start().unwrap_or_else(|e| panic!("{e}"));
    eprintln!(
        "e2e environment started in {:.2?} ({})",
        started.elapsed(),
        env.dir().display()
    );
    env
}

fn kubectl_ok(env: &Environment, mut command: Command, args: &[&str]) -> String {
    let output = command
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n{}{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
        env.logs()
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Waits up to `limit` for the processes to be gone and the directory removed.
fn assert_all_gone(pids: &[u32], dir: &Path, limit: Duration, after: &str) {
    let deadline = Instant::now() + limit;
    loop {
        let alive: Vec<u32> = pids.iter().copied().filter(|&p| process_alive(p)).collect();
        if alive.is_empty() && !dir.exists() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{:?} after {after}: processes {alive:?} still alive, {} {}",
            limit,
            dir.display(),
            if dir.exists() {
                "still there"
            } else {
                "removed"
            }
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn environment_serves_kubectl_the_client_and_postgres_then_goes_away_on_drop() {
    let env = start();
    let namespaces = kubectl_ok(&env, env.kubectl(), &["get", "namespaces"]);
    assert!(
        namespaces.contains("default"),
        "kubectl get namespaces:\n{namespaces}"
    );
    for minor in kubectl_versions() {
        let namespaces = kubectl_ok(&env, env.kubectl_version(minor), &["get", "namespaces"]);
        assert!(
            namespaces.contains("default"),
            "kubectl 1.{minor} get namespaces:\n{namespaces}"
        );
    }
    let ours = std::env::var_os("KUBECONFIG").is_none_or(|v| v.is_empty());
    let runner_on = env.has_job_runner();
    if ours && runner_on {
        let node = kubectl_ok(
            &env,
            env.kubectl(),
            &["get", "node", "job-runner", "-o", "name"],
        );
        assert_eq!(node.trim(), "node/job-runner", "{}", env.logs());
    }

    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    runtime.block_on(async {
        let names: Vec<String> = Api::<Namespace>::all(env.client().await)
            .list(&ListParams::default())
            .await
            .unwrap_or_else(|e| panic!("listing namespaces: {e}\n{}", env.logs()))
            .items
            .into_iter()
            .filter_map(|ns| ns.metadata.name)
            .collect();
        assert!(
            names.iter().any(|n| n == "default"),
            "namespaces: {names:?}"
        );

        let (client, connection) =
            tokio_postgres::connect(env.database_url(), tokio_postgres::NoTls)
                .await
                .unwrap_or_else(|e| {
                    panic!("connecting to {}: {e}\n{}", env.database_url(), env.logs())
                });
        tokio::spawn(connection);
        let row = client
            .query_one("SELECT 1 + 1", &[])
            .await
            .expect("SELECT 1 + 1");
        assert_eq!(row.get::<_, i32>(0), 2);
    });

    let pids = env.pids();
    let dir = env.dir().to_owned();
    let expected = usize::from(ours)
        + usize::from(runner_on)
        + usize::from(std::env::var_os("E2E_DATABASE_URL").is_none());
    assert_eq!(pids.len(), expected, "pids {pids:?}");
    assert!(
        pids.iter().all(|&p| process_alive(p)),
        "pids {pids:?} before drop"
    );
    let dropped = Instant::now();
    drop(env);
    eprintln!("e2e environment stopped in {:.2?}", dropped.elapsed());
    assert_all_gone(&pids, &dir, Duration::from_secs(1), "drop");
}

#[test]
fn a_service_account_kubeconfig_is_refused_until_bound_and_the_audit_log_shows_its_requests() {
    let env = start();
    let namespace = format!("access-{}", std::process::id());
    kubectl_ok(&env, env.kubectl(), &["create", "namespace", &namespace]);
    kubectl_ok(
        &env,
        env.kubectl(),
        &["create", "serviceaccount", "reader", "-n", &namespace],
    );
    let kubeconfig = env
        .service_account_kubeconfig(&namespace, "reader")
        .unwrap_or_else(|e| panic!("{e}\n{}", env.logs()));
    let as_reader = || {
        let mut command = env.kubectl();
        command.env("KUBECONFIG", &kubeconfig);
        command
    };
    let user = format!("system:serviceaccount:{namespace}:reader");
    let refused = as_reader()
        .args(["get", "configmaps"])
        .output()
        .expect("running kubectl");
    assert!(!refused.status.success());
    let expected = format!(
        "configmaps is forbidden: User \"{user}\" cannot list resource \"configmaps\" in API group \"\" in the namespace \"{namespace}\""
    );
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains(&expected), "{stderr}");

    let role = [
        "create",
        "role",
        "reader",
        "--verb=get,list",
        "--resource=configmaps",
    ];
    kubectl_ok(
        &env,
        env.kubectl(),
        &[&role[..], &["-n", &namespace]].concat(),
    );
    let serviceaccount = format!("--serviceaccount={namespace}:reader");
    let binding = [
        "create",
        "rolebinding",
        "reader",
        "--role=reader",
        &serviceaccount,
    ];
    kubectl_ok(
        &env,
        env.kubectl(),
        &[&binding[..], &["-n", &namespace]].concat(),
    );
    kubectl_ok(&env, as_reader(), &["get", "configmaps"]);

    // kube-rs with the same kubeconfig (HTTPS, the CA, the token)
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    runtime.block_on(async {
        let kubeconfig = kube::config::Kubeconfig::read_from(&kubeconfig).expect("the kubeconfig");
        let options = kube::config::KubeConfigOptions::default();
        let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
            .await
            .expect("a client config");
        let client = kube::Client::try_from(config).expect("a client");
        let secrets: Api<k8s_openapi::api::core::v1::Secret> = Api::namespaced(client, &namespace);
        match secrets.list(&ListParams::default()).await {
            Err(kube::Error::Api(status)) => assert_eq!(status.code, 403, "{status:?}"),
            other => panic!("listing secrets as {user}: {other:?}"),
        }
    });

    let events = match env.audit_log() {
        Ok(events) => events,
        // a cluster of KUBECONFIG keeps its own audit log
        Err(HarnessError::NoAuditLog { .. }) => return,
        Err(e) => panic!("{e}"),
    };
    let by_reader: Vec<_> = events.iter().filter(|e| e.acting_user() == user).collect();
    let configmaps: Vec<u16> = by_reader
        .iter()
        .filter(|e| e.resource() == "configmaps" && e.verb == "list")
        .map(|e| e.response_status.code)
        .collect();
    assert_eq!(configmaps, [403, 200], "{by_reader:#?}");
    assert!(
        by_reader
            .iter()
            .filter(|e| e.resource() == "secrets")
            .all(|e| e.response_status.code == 403),
        "{by_reader:#?}"
    );
    let token = events
        .iter()
        .find(|e| {
            e.object_ref
                .as_ref()
                .is_some_and(|r| r.subresource == "token")
        })
        .expect("the TokenRequest");
    assert_eq!(token.user.username, "kubernetes-admin");
    assert_eq!(token.response_status.code, 201);
}

/// Runs [`child_holds_an_environment`] as a child process with `envs`; returns it and the
/// lines it prints for its parent.
fn child(envs: &[(&str, &str)]) -> (KillOnDrop, impl Iterator<Item = String> + use<>) {
    let envs: Vec<(&str, &OsStr)> = envs.iter().map(|&(k, v)| (k, OsStr::new(v))).collect();
    let (child, lines) = rerun_this_test("child_holds_an_environment", &envs);
    let lines = lines
        .map_while(Result::ok)
        // libtest may print `test <name> ... ` on the same line first
        .filter_map(|line| line.split_once(CHILD_SAYS).map(|(_, said)| said.to_owned()));
    (child, lines)
}

/// Not a test of its own: the child of the tests below (does nothing unless [`CHILD_ENV`] is
/// set). Starts an environment, prints its directory and pids (or the error), and waits to be
/// killed.
#[test]
fn child_holds_an_environment() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    match Environment::start() {
        Ok(env) => {
            let pids: Vec<String> = env.pids().iter().map(u32::to_string).collect();
            println!("{CHILD_SAYS}dir={}", env.dir().display());
            println!("{CHILD_SAYS}pids={}", pids.join(","));
            std::thread::sleep(Duration::from_secs(120));
        }
        Err(e) => println!("{CHILD_SAYS}error={}", e.to_string().replace('\n', "\\n")),
    }
}

#[test]
fn sigkill_of_the_test_process_still_tears_everything_down() {
    let (mut child, mut lines) = child(&[]);
    let mut next = |key: &str| {
        let line = lines
            .next()
            .unwrap_or_else(|| panic!("the child printed no {key}"));
        line.strip_prefix(&format!("{key}="))
            .unwrap_or_else(|| panic!("expected {key}=…, the child printed {line}"))
            .to_owned()
    };
    let dir = PathBuf::from(next("dir"));
    let pids: Vec<u32> = next("pids")
        .split(',')
        .map(|p| p.parse().expect("a pid"))
        .collect();
    assert!(
        pids.iter().all(|&p| process_alive(p)),
        "pids {pids:?} before SIGKILL"
    );
    child.kill();
    assert_all_gone(
        &pids,
        &dir,
        Duration::from_secs(10),
        "SIGKILL of the test process",
    );
}

#[test]
fn a_missing_binary_says_what_to_build() {
    let empty = tempfile::tempdir().expect("a temporary directory");
    let bin_dir = empty.path().to_str().expect("a UTF-8 temporary path");
    let (_child, mut lines) = child(&[("E2E_BIN_DIR", bin_dir), ("KUBECONFIG", "")]);
    let line = lines.next().expect("the child printed nothing");
    assert!(
        line.starts_with("error=kube-standin not found at")
            && line.contains("cargo build -p kube-standin"),
        "{line}"
    );
}

#[test]
fn job_runners_dbmigrate_image_must_be_the_static_build() {
    let (_child, mut lines) = child(&[
        ("E2E_STATIC_DBMIGRATE", "/bin/ls"),
        ("KUBECONFIG", ""),
        ("E2E_JOB_RUNNER", "on"),
    ]);
    let line = lines.next().expect("the child printed nothing");
    assert!(
        line.starts_with("error=/bin/ls is not a static executable")
            && line.contains("scripts/build-static"),
        "{line}"
    );
    let missing = tempfile::tempdir().expect("a temporary directory");
    let absent = missing.path().join("dbmigrate");
    let absent = absent.to_str().expect("a UTF-8 temporary path");
    let (_child, mut lines) = child(&[("E2E_STATIC_DBMIGRATE", absent), ("KUBECONFIG", "")]);
    let line = lines.next().expect("the child printed nothing");
    assert!(
        line.contains("the static dbmigrate") && line.contains("bash scripts/build-static"),
        "{line}"
    );
}
