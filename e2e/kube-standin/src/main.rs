//! `kube-standin`: a test-only Kubernetes API server on loopback (see the crate docs).

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use kube_standin::{AuthorizationMode, Config, Server};

/// Test-only Kubernetes API server on 127.0.0.1, state in memory (dbmigrate's e2e tests).
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Port on 127.0.0.1; 0 picks a free one (printed on stdout as `127.0.0.1:<port>`).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Where to write a kubeconfig for this server (written once it listens).
    #[arg(long)]
    kubeconfig: Option<PathBuf>,
    /// Changes kept for watches; a watch from an older resourceVersion gets 410 Gone.
    #[arg(long, default_value_t = 10_000)]
    watch_history: usize,
    /// Seconds between bookmarks on watches that allow them.
    #[arg(long, default_value_t = 5)]
    bookmark_interval_secs: u64,
    /// `AlwaysAllow`, or `RBAC` (the system:masters group is allowed everything, as on a real
    /// server).
    #[arg(long, default_value = "AlwaysAllow")]
    authorization_mode: AuthorizationMode,
    /// Serve HTTPS with a CA and certificate made at start (the kubeconfig carries the CA);
    /// kubectl sends tokens only over HTTPS.
    #[arg(long)]
    tls: bool,
    /// Bearer token of `kubernetes-admin` (groups system:masters, system:authenticated); the
    /// written kubeconfig uses it.
    #[arg(long)]
    admin_token: Option<String>,
    /// Append an audit.k8s.io/v1 Event per request to this file (JSON lines, level Metadata).
    #[arg(long)]
    audit_log_path: Option<PathBuf>,
    /// Admission plugins to turn on, comma-separated; kube-standin knows
    /// `OwnerReferencesPermissionEnforcement`.
    #[arg(long, value_delimiter = ',')]
    enable_admission_plugins: Vec<AdmissionPlugin>,
}

/// The admission plugins that can be turned on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum AdmissionPlugin {
    /// Setting ownerReferences needs `delete` on the object; `blockOwnerDeletion` needs
    /// `update` on the owner's finalizers.
    #[value(name = "OwnerReferencesPermissionEnforcement")]
    OwnerReferencesPermissionEnforcement,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    let config = Config {
        watch_history: args.watch_history,
        bookmark_interval: Duration::from_secs(args.bookmark_interval_secs.max(1)),
        authorization_mode: args.authorization_mode,
        admin_token: args.admin_token,
        audit_log_path: args.audit_log_path,
        owner_references_permission_enforcement: args
            .enable_admission_plugins
            .contains(&AdmissionPlugin::OwnerReferencesPermissionEnforcement),
        tls: args.tls,
    };
    let server = Server::start(args.port, config).await?;
    if let Some(path) = &args.kubeconfig {
        server.write_kubeconfig(path)?;
    }
    let mut stdout = std::io::stdout();
    writeln!(stdout, "{}", server.address)?;
    stdout.flush()?;
    tracing::info!(address = %server.address, "kube-standin serving (test-only)");
    tokio::select! {
        () = server.wait() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(())
}
