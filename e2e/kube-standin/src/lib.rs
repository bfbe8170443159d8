//! **Test-only.** `kube-standin` is a Kubernetes API server on loopback with its state in
//! memory, for dbmigrate's end-to-end tests on machines where no kube-apiserver, kind or k3s can
//! run. It follows the Kubernetes API conventions closely enough that the real `kubectl` and
//! kube-rs clients and controllers work unmodified: discovery and OpenAPI v3, built-in
//! resources and CRD-registered ones, every verb and patch type including server-side apply,
//! resourceVersion/generation/optimistic concurrency, the status subresource, selectors,
//! pagination, watches with bookmarks and `410 Gone`, finalizers and garbage collection,
//! server-side Tables, and CRD schema validation. There is no authentication, no
//! authorization, no TLS and no persistence. dbmigrate itself never depends on it
//! (see e2e/README.md).

mod admission;
mod api;
mod convert;
mod discovery;
pub mod error;
mod http;
mod kubeconfig;
mod lifecycle;
mod logs;
mod objects;
mod openapi;
mod openapi_v2;
pub mod patch;
mod protobuf;
mod registry;
mod request;
mod selectors;
pub mod state;
mod store;
pub mod table;
mod validation;
mod watch;

use std::net::SocketAddr;
use std::path::Path;

pub use state::Config;

/// A running server.
pub struct Server {
    /// The address it listens on (127.0.0.1).
    pub address: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Binds 127.0.0.1:`port` (0 for any free port) and serves in the background.
    pub async fn start(port: u16, config: Config) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let address = listener.local_addr()?;
        let state = state::State::new(config);
        lifecycle::bootstrap(&state);
        tokio::spawn(lifecycle::run_controllers(state.clone()));
        let app = api::router(state, address);
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "server stopped");
            }
        });
        Ok(Self { address, task })
    }

    /// Writes a kubeconfig pointing at this server.
    pub fn write_kubeconfig(&self, path: &Path) -> std::io::Result<()> {
        kubeconfig::write(path, &self.address.to_string())
    }

    /// Serves until the task ends (it does not, unless the listener fails).
    pub async fn wait(self) {
        let _ = self.task.await;
    }
}
