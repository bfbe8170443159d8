//! The program: command line, start-up (client, log server, Node, watchers, `ready` line), the
//! sync loop, and shutdown on SIGTERM/SIGINT.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::runtime::reflector::{self, Store};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, Client, ResourceExt};
use tokio::sync::Notify;
use tracing::{debug, info, warn};

use crate::config::{ConfigError, Images};
use crate::registry::{Kill, Registry};
use crate::{Context, job_sync, kubelet, logs, node};

/// TEST-ONLY kubelet + Job controller stand-in: runs batch/v1 Jobs as local processes for
/// dbmigrate's e2e tests. Never point it at a real cluster.
#[derive(Debug, Clone, clap::Parser)]
#[command(name = "job-runner", version)]
pub struct Args {
    /// Kubeconfig to use (default: KUBECONFIG, then in-cluster).
    #[arg(long)]
    pub kubeconfig: Option<PathBuf>,
    /// The images config (YAML): which local executables stand for which images.
    #[arg(long)]
    pub images: PathBuf,
    /// Where pod volumes, logs and termination messages are kept.
    #[arg(long)]
    pub state_dir: PathBuf,
    /// The Node this program registers and runs pods for.
    #[arg(long, default_value = "job-runner")]
    pub node_name: String,
    /// Namespace to watch Jobs and pods in (repeatable; default: all namespaces).
    #[arg(long = "namespace")]
    pub namespaces: Vec<String>,
    /// Label selector for the Jobs to run.
    #[arg(long)]
    pub selector: Option<String>,
    /// Address of the kubelet log server.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Delay before replacing the first failed pod (doubled per failure, capped at 360 s).
    #[arg(long, default_value_t = 10)]
    pub pod_backoff_secs: u64,
}

/// Why job-runner could not start.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The images config is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// No API client could be built.
    #[error("cannot build a Kubernetes client from {source_of}: {message}")]
    Client {
        /// The kubeconfig path or "the environment".
        source_of: String,
        /// What went wrong.
        message: String,
    },
    /// Local I/O failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Registering the Node failed.
    #[error("cannot register node {node}: {source}")]
    Node {
        /// The node.
        node: String,
        /// The API error.
        source: kube::Error,
    },
    /// The Job or pod watch did not start.
    #[error(
        "the Job and pod watches did not become ready within 60 s (is the API server reachable and does it serve list+watch for batch/v1 Jobs and v1 pods?)"
    )]
    WatchNotReady,
}

async fn client(args: &Args) -> Result<Client, RunError> {
    let config = match &args.kubeconfig {
        Some(path) => {
            let kc = kube::config::Kubeconfig::read_from(path).map_err(|e| RunError::Client {
                source_of: path.display().to_string(),
                message: e.to_string(),
            })?;
            kube::Config::from_custom_kubeconfig(kc, &kube::config::KubeConfigOptions::default())
                .await
                .map_err(|e| RunError::Client {
                    source_of: path.display().to_string(),
                    message: e.to_string(),
                })?
        }
        None => kube::Config::infer().await.map_err(|e| RunError::Client {
            source_of: "the environment".to_owned(),
            message: e.to_string(),
        })?,
    };
    Client::try_from(config).map_err(|e| RunError::Client {
        source_of: "the config".to_owned(),
        message: e.to_string(),
    })
}

/// `None` = all namespaces.
fn scopes(args: &Args) -> Vec<Option<String>> {
    if args.namespaces.is_empty() {
        vec![None]
    } else {
        args.namespaces.iter().cloned().map(Some).collect()
    }
}

fn api<K>(client: &Client, ns: &Option<String>) -> Api<K>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>,
    K::DynamicType: Default,
{
    match ns {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    }
}

/// Runs job-runner until SIGTERM/SIGINT.
pub async fn run(args: Args) -> Result<(), RunError> {
    let images = Images::load(&args.images)?;
    let io = |what: String| move |source| RunError::Io { what, source };
    std::fs::create_dir_all(args.state_dir.join("pods")).map_err(io(format!(
        "cannot create state dir {}",
        args.state_dir.display()
    )))?;
    let client = client(&args).await?;
    // SAFETY: geteuid has no preconditions.
    let as_root = unsafe { libc::geteuid() } == 0;
    let ctx = Arc::new(Context {
        client: client.clone(),
        node: args.node_name.clone(),
        images,
        state_dir: args.state_dir.clone(),
        registry: Arc::new(Registry::default()),
        backoff: Duration::from_secs(args.pod_backoff_secs),
        namespaces: args.namespaces.clone(),
        as_root,
    });

    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(io(format!("cannot listen on {}", args.listen)))?;
    let port = listener
        .local_addr()
        .map_err(io("local address".to_owned()))?
        .port();
    let router = logs::router(logs::LogSource {
        registry: ctx.registry.clone(),
        state_dir: ctx.state_dir.clone(),
    });
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            warn!(error = %e, "log server stopped");
        }
    });

    let nodes: Api<Node> = Api::all(client.clone());
    node::register(&nodes, &ctx.node, port)
        .await
        .map_err(|source| RunError::Node {
            node: ctx.node.clone(),
            source,
        })?;
    tokio::spawn(node::heartbeat(nodes, ctx.node.clone(), port));

    let notify = Arc::new(Notify::new());
    let mut stores = Vec::new();
    for scope in scopes(&args) {
        let mut cfg = watcher::Config::default();
        if let Some(sel) = &args.selector {
            cfg = cfg.labels(sel);
        }
        let (job_store, writer) = reflector::store();
        let jobs = reflector::reflector(
            writer,
            watcher(api::<Job>(&client, &scope), cfg).default_backoff(),
        );
        // the kubelet works from its pod watch, as a real one does; only a Job's own pods
        // are listed fresh, when it is synced (so that no pod is created twice)
        let (pod_store, writer) = reflector::store();
        let pods = reflector::reflector(
            writer,
            watcher(api::<Pod>(&client, &scope), watcher::Config::default()).default_backoff(),
        );
        for stream in [
            jobs.map(|e| e.map(|_| ())).boxed(),
            pods.map(|e| e.map(|_| ())).boxed(),
        ] {
            let notify = notify.clone();
            tokio::spawn(stream.for_each(move |e| {
                if let Err(e) = e {
                    debug!(error = %e, "watch error");
                }
                notify.notify_one();
                futures_util::future::ready(())
            }));
        }
        let ready = async {
            let (jobs, pods) =
                tokio::join!(job_store.wait_until_ready(), pod_store.wait_until_ready());
            jobs.and(pods)
        };
        tokio::time::timeout(Duration::from_secs(60), ready)
            .await
            .ok()
            .and_then(Result::ok)
            .ok_or(RunError::WatchNotReady)?;
        stores.push(Watched {
            jobs: job_store,
            pods: pod_store,
        });
    }

    println!("ready node={} kubelet=127.0.0.1:{port}", ctx.node);
    let _ = std::io::stdout().flush();
    info!(node = %ctx.node, port, as_root, "job-runner ready");

    let mut first = true;
    let mut next = Duration::ZERO;
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            () = notify.notified() => tokio::time::sleep(Duration::from_millis(50)).await,
            () = tokio::time::sleep(next) => {}
        }
        next = tick(&ctx, &stores, first).await;
        first = false;
    }

    info!("stopping: killing running containers");
    for pod in ctx.registry.all() {
        pod.stop(Kill::Shutdown);
    }
    for pod in ctx.registry.all() {
        let mut finished = pod.finished.subscribe();
        let _ = tokio::time::timeout(Duration::from_secs(5), finished.wait_for(|f| *f)).await;
    }
    Ok(())
}

/// The Jobs and pods of one scope, as their watches last saw them.
struct Watched {
    jobs: Store<Job>,
    pods: Store<Pod>,
}

/// One pass of the kubelet and the Job controller; when to pass again at the latest (every
/// second while a Job is unfinished; with only finished Jobs, at their TTL or after
/// [`IDLE_PASS`]: watch events bring every other pass).
async fn tick(ctx: &Arc<Context>, stores: &[Watched], first: bool) -> Duration {
    let mut next = IDLE_PASS;
    let pods: Vec<Arc<Pod>> = stores.iter().flat_map(|s| s.pods.state()).collect();
    kubelet::sync(ctx, &pods, first).await;
    let now = k8s_openapi::jiff::Timestamp::now();
    for job in stores.iter().flat_map(|s| s.jobs.state()) {
        if let Some(ttl) = job_sync::settled_for(&job, &pods, now) {
            if let Some(ttl) = ttl {
                next = next.min(ttl);
            }
            continue;
        }
        next = next.min(ACTIVE_PASS);
        let (ns, name) = (job.namespace().unwrap_or_default(), job.name_any());
        let span = tracing::info_span!("job", job = %format!("{ns}/{name}"));
        let _enter = span.enter();
        match job_sync::sync(ctx, &ns, &name).await {
            Ok(s) if s.changed => next = Duration::ZERO,
            Ok(s) => {
                if let Some(r) = s.requeue_after {
                    next = next.min(r);
                }
            }
            Err(e) => warn!(error = %e, "job sync failed"),
        }
    }
    next
}

/// How often the Jobs are looked at while one is unfinished, without a watch event.
const ACTIVE_PASS: Duration = Duration::from_secs(1);
/// How often they are looked at when all are finished, without a watch event.
const IDLE_PASS: Duration = Duration::from_secs(30);

async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = term => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}
