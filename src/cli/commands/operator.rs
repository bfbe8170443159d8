//! `dbmigrate operator`: the controllers, until SIGINT/SIGTERM or the loss of leadership.

use crate::cli::error::CliError;
use crate::controller::{self, LeaderElection, OperatorOptions};
use crate::jobs::JobSettings;

/// The command line of `dbmigrate operator`, parsed.
pub struct Options<'a> {
    /// `--namespace`.
    pub namespace: Option<String>,
    /// `--image`.
    pub image: &'a str,
    /// `--retry-limit`.
    pub retry_limit: u32,
    /// The Lease's namespace, with `--leader-election`.
    pub lease_namespace: Option<String>,
    /// `--max-concurrent-reconciles`.
    pub concurrency: u16,
    /// `--http-address`, unless `off`.
    pub http_address: Option<std::net::SocketAddr>,
}

/// Connects to the cluster (KUBECONFIG, else in-cluster) and runs the controllers; with a
/// Lease namespace, only while this replica holds the leader election Lease there.
pub async fn run(options: Options<'_>) -> Result<(), CliError> {
    let Options {
        namespace,
        image,
        retry_limit,
        lease_namespace,
        concurrency,
        http_address,
    } = options;
    let client = connect().await?;
    let settings = JobSettings {
        image: image.to_owned(),
        retry_limit,
        ..JobSettings::default()
    };
    let leader_election = lease_namespace.map(|namespace| LeaderElection {
        namespace,
        identity: identity(),
    });
    let options = OperatorOptions {
        namespace,
        settings,
        leader_election,
        concurrency,
        http_address,
    };
    controller::run(client, options)
        .await
        .map_err(|e| CliError::Operator(Box::new(e)))
}

/// A client of the cluster of KUBECONFIG (its current context), else of the pod's service
/// account.
pub async fn connect() -> Result<kube::Client, CliError> {
    kube::Client::try_default().await.map_err(|e| {
        CliError::Usage(format!(
            "cannot reach a Kubernetes API server: {e} (set KUBECONFIG, or run in a pod with a \
             service account)"
        ))
    })
}

/// This replica's name in the Lease: its pod (POD_NAME, HOSTNAME) and process id.
fn identity() -> String {
    let host = std::env::var("POD_NAME")
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_else(|_| "dbmigrate".to_owned());
    format!("{host}-{}", std::process::id())
}
