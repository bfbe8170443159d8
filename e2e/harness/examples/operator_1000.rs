//! Benchmark of `dbmigrate operator` at scale (run by `bench/operator_1000.sh`): `count`
//! DatabaseMigrations (default 1000) in steady state on kube-standin, their step Jobs run by
//! job-runner against PostgreSQL. Measures, in the same run:
//! - the operator's resident memory with no resource (the baseline) and with all of them Ready;
//! - its CPU while nothing changes, against kube-standin's over the same window;
//! - how long a changed resource takes to get its new Job: from the change's own watch event
//!   (what the operator hears) and from its request, to the Job's ADDED event; against a
//!   ConfigMap's create request -> its ADDED event (the API server's and the watch's share).
//!
//! Usage: `cargo run --release -p e2e-harness --example operator_1000 -- [count]`.

use std::collections::HashMap;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use e2e_harness::Environment;
use e2e_harness::os::KillOnDrop;
use futures_util::StreamExt;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::ResourceExt;
use kube::api::{Api, ApiResource, DynamicObject, Patch, PatchParams, PostParams};
use kube::runtime::watcher;
use tokio::sync::mpsc;

const NAMESPACE: &str = "bench";
/// Resources created (and waited for) at a time: the PostgreSQL server takes 100 connections.
const BATCH: usize = 50;
/// Changes whose latency is measured.
const SAMPLES: usize = 20;
/// How long the idle CPU is measured.
const IDLE: Duration = Duration::from_secs(30);

#[tokio::main]
async fn main() {
    let count: usize = std::env::args()
        .nth(1)
        .map_or(1000, |n| n.parse().expect("count: a number"));
    let env = Environment::start().unwrap_or_else(|e| panic!("{e}"));
    kubectl(&env, &["create", "namespace", NAMESPACE], None);
    let crds = concat!(env!("CARGO_MANIFEST_DIR"), "/../../crds");
    kubectl(&env, &["apply", "-f", crds], None);
    kubectl(
        &env,
        &[
            "wait",
            "--for=condition=Established",
            "crd/databasemigrations.dbmigrate.dev",
        ],
        None,
    );
    let operator = start_operator(&env);
    let pid = operator.0.id();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let empty_rss = rss_kib(pid);

    let started = Instant::now();
    let client = env.client().await;
    let migrations = Api::<DynamicObject>::namespaced_with(client.clone(), NAMESPACE, &dbm());
    for first in (0..count).step_by(BATCH) {
        let last = (first + BATCH).min(count);
        let manifests: String = (first..last).map(|i| resource(&env, i)).collect();
        kubectl(&env, &["apply", "-f", "-"], Some(&manifests));
        wait_ready(&migrations, last).await;
        eprintln!("{last}/{count} Ready after {:.0?}", started.elapsed());
    }
    let to_steady = started.elapsed();
    tokio::time::sleep(Duration::from_secs(10)).await;

    let standin = env.pids().first().copied().expect("kube-standin's pid");
    let (operator_cpu, standin_cpu) = idle_cpu(pid, standin).await;
    let steady_rss = rss_kib(pid);

    let latencies = latencies(&client, &migrations).await;
    let log = env.dir().join("operator.log");
    let errors = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("\"level\":\"ERROR\""))
        .count();

    println!("resources:                   {count} DatabaseMigrations, each with its Secret");
    println!("to steady state:             {to_steady:.1?} (created {BATCH} at a time)");
    println!(
        "operator RSS, no resource:   {:.1} MiB (baseline)",
        mib(empty_rss)
    );
    println!(
        "operator RSS, all Ready:     {:.1} MiB ({:.2}x the baseline; target <= 30 MiB)",
        mib(steady_rss),
        steady_rss as f64 / empty_rss as f64
    );
    println!(
        "idle CPU over {IDLE:?}:       operator {operator_cpu:.2}% of a core, kube-standin {standin_cpu:.2}%"
    );
    let (from_event, from_request) = (&latencies.from_event, &latencies.from_request);
    println!(
        "change's watch event -> Job:  median {:.1} ms, p95 {:.1} ms over {SAMPLES} changes (target < 100 ms)",
        median(from_event),
        p95(from_event)
    );
    println!(
        "change's request -> Job:      median {:.1} ms, p95 {:.1} ms",
        median(from_request),
        p95(from_request)
    );
    println!(
        "create -> watch event:        median {:.1} ms, p95 {:.1} ms (baseline: API server and watch)",
        median(&latencies.baseline),
        p95(&latencies.baseline)
    );
    println!("operator log errors:         {errors} ({})", log.display());
}

fn dbm() -> ApiResource {
    ApiResource {
        group: "dbmigrate.dev".to_owned(),
        version: "v1alpha1".to_owned(),
        api_version: "dbmigrate.dev/v1alpha1".to_owned(),
        kind: "DatabaseMigration".to_owned(),
        plural: "databasemigrations".to_owned(),
    }
}

/// Resource `i` and its Secret (a Secret each: 1000 resources are 1000 databases, so no step
/// waits for another's database).
fn resource(env: &Environment, i: usize) -> String {
    format!(
        "apiVersion: v1
kind: Secret
metadata: {{name: db-{i}, namespace: {NAMESPACE}}}
stringData: {{url: \"{url}\"}}
---
apiVersion: dbmigrate.dev/v1alpha1
kind: DatabaseMigration
metadata: {{name: app-{i}, namespace: {NAMESPACE}}}
spec:
  database:
    urlSecretRef: {{name: db-{i}, key: url}}
  historyTable: app_{i}_history
  source:
    inline:
    - name: 1_items.sql
      sql: CREATE TABLE items_{i} (id bigint PRIMARY KEY, label text NOT NULL);
---
",
        url = env.database_url()
    )
}

fn start_operator(env: &Environment) -> KillOnDrop {
    let log = std::fs::File::create(env.dir().join("operator.log")).expect("operator.log");
    let child = Command::new(env.bin_dir().join("dbmigrate"))
        .args([
            "operator",
            "--image",
            "dbmigrate:bench",
            "--namespace",
            NAMESPACE,
        ])
        .args(["--http-address", "off", "--log-format", "json"])
        .env("KUBECONFIG", env.kubeconfig())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("starting dbmigrate operator");
    KillOnDrop(child)
}

fn kubectl(env: &Environment, args: &[&str], input: Option<&str>) {
    let mut child = env
        .kubectl()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running kubectl");
    let mut stdin = child.stdin.take().expect("kubectl's stdin");
    stdin
        .write_all(input.unwrap_or_default().as_bytes())
        .expect("writing to kubectl");
    drop(stdin);
    let output = child.wait_with_output().expect("waiting for kubectl");
    assert!(
        output.status.success(),
        "kubectl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Waits until `expected` DatabaseMigrations are Ready (30 min at most).
async fn wait_ready(migrations: &Api<DynamicObject>, expected: usize) {
    let deadline = Instant::now() + Duration::from_secs(1800);
    loop {
        let list = migrations.list(&Default::default()).await.expect("listing");
        let mut phases: HashMap<String, usize> = HashMap::new();
        for item in &list.items {
            let phase = item.data["status"]["phase"].as_str().unwrap_or("none");
            *phases.entry(phase.to_owned()).or_default() += 1;
        }
        if phases.get("Ready").copied().unwrap_or(0) >= expected {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "not all Ready in time: {phases:?}"
        );
        assert!(
            !phases.contains_key("Failed"),
            "a resource failed: {phases:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Resident memory of `pid`, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("VmRSS")
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// CPU time of `pid` so far, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("proc stat");
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name
    let field = |i: usize| fields[i].parse::<u64>().unwrap_or(0);
    field(11) + field(12)
}

/// Percent of one core each process used over [`IDLE`].
async fn idle_cpu(operator: u32, standin: u32) -> (f64, f64) {
    let ticks_per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    let before = (cpu_ticks(operator), cpu_ticks(standin));
    tokio::time::sleep(IDLE).await;
    let after = (cpu_ticks(operator), cpu_ticks(standin));
    let percent = |ticks: u64| ticks as f64 / ticks_per_second / IDLE.as_secs_f64() * 100.0;
    (percent(after.0 - before.0), percent(after.1 - before.1))
}

/// Latencies of [`SAMPLES`] changes, in milliseconds.
struct Latencies {
    /// The change's watch event (the benchmark's own DatabaseMigration watch) -> its new Job's
    /// ADDED event: what the operator takes once it hears of the change.
    from_event: Vec<f64>,
    /// The change's request sent -> its new Job's ADDED event.
    from_request: Vec<f64>,
    /// A ConfigMap's create request sent -> its ADDED event: the API server's and the watch's
    /// share of any change.
    baseline: Vec<f64>,
}

/// Changes [`SAMPLES`] resources one after the other (a new `dbmigrate.dev/retry` value each)
/// and creates as many ConfigMaps, timing each as [`Latencies`] says.
async fn latencies(client: &kube::Client, migrations: &Api<DynamicObject>) -> Latencies {
    let jobs = Api::<Job>::namespaced(client.clone(), NAMESPACE);
    let config_maps = Api::<ConfigMap>::namespaced(client.clone(), NAMESPACE);
    let (mut new_jobs, mut new_config_maps, mut retries) = tokio::join!(
        seen(jobs, |_| None),
        seen(config_maps.clone(), |_| None),
        seen(migrations.clone(), |dbm: &DynamicObject| {
            dbm.annotations().get("dbmigrate.dev/retry").cloned()
        }),
    );
    let mut latencies = Latencies {
        from_event: Vec::new(),
        from_request: Vec::new(),
        baseline: Vec::new(),
    };
    for sample in 0..SAMPLES {
        let name = format!("app-{sample}");
        let retry = format!("bench-{sample}");
        let patch =
            serde_json::json!({"metadata": {"annotations": {"dbmigrate.dev/retry": retry}}});
        let sent = Instant::now();
        migrations
            .patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .expect("patching a DatabaseMigration");
        let heard = wait_for(&mut retries, |value| *value == retry).await;
        let added = wait_for(&mut new_jobs, |job| {
            job.starts_with(&format!("{name}-s0-a1-"))
        })
        .await;
        latencies.from_event.push(millis(added - heard));
        latencies.from_request.push(millis(added - sent));

        let probe = format!("probe-{sample}");
        let config_map: ConfigMap =
            serde_json::from_value(serde_json::json!({"metadata": {"name": probe}}))
                .expect("a ConfigMap");
        let sent = Instant::now();
        config_maps
            .create(&PostParams::default(), &config_map)
            .await
            .expect("creating a ConfigMap");
        let added = wait_for(&mut new_config_maps, |name| *name == probe).await;
        latencies.baseline.push(millis(added - sent));
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    latencies
}

fn millis(elapsed: Duration) -> f64 {
    elapsed.as_secs_f64() * 1000.0
}

/// What a watch of `api` sees from now on, with when it saw it: `pick`'s value of each changed
/// object, and the name of each new one.
async fn seen<K>(
    api: Api<K>,
    pick: impl Fn(&K) -> Option<String> + Send + 'static,
) -> mpsc::UnboundedReceiver<(String, Instant)>
where
    K: kube::Resource
        + Clone
        + k8s_openapi::serde::de::DeserializeOwned
        + std::fmt::Debug
        + Send
        + 'static,
{
    let (sender, receiver) = mpsc::unbounded_channel();
    let (ready_sender, ready) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let mut ready_sender = Some(ready_sender);
        let mut known = std::collections::HashSet::new();
        let mut events = watcher(api, watcher::Config::default()).boxed();
        while let Some(event) = events.next().await {
            match event {
                Ok(watcher::Event::InitApply(object)) => {
                    known.insert(object.meta().name.clone().unwrap_or_default());
                }
                Ok(watcher::Event::InitDone) => {
                    if let Some(ready) = ready_sender.take() {
                        let _ = ready.send(());
                    }
                }
                Ok(watcher::Event::Apply(object)) => {
                    let at = Instant::now();
                    let name = object.meta().name.clone().unwrap_or_default();
                    if let Some(value) = pick(&object) {
                        let _ = sender.send((value, at));
                    }
                    if known.insert(name.clone()) {
                        let _ = sender.send((name, at));
                    }
                }
                _ => {}
            }
        }
    });
    ready.await.expect("the watch started");
    receiver
}

/// When the first value `wanted` picks was seen.
async fn wait_for(
    seen: &mut mpsc::UnboundedReceiver<(String, Instant)>,
    wanted: impl Fn(&String) -> bool,
) -> Instant {
    let wait = async {
        while let Some((value, at)) = seen.recv().await {
            if wanted(&value) {
                return at;
            }
        }
        panic!("the watch ended");
    };
    tokio::time::timeout(Duration::from_secs(30), wait)
        .await
        .expect("seen within 30 s")
}

fn median(values: &[f64]) -> f64 {
    percentile(values, 0.5)
}

fn p95(values: &[f64]) -> f64 {
    percentile(values, 0.95)
}

fn percentile(values: &[f64], fraction: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted.get(index).copied().unwrap_or(f64::NAN)
}
