//! **Test-only.** `kube-standin` is a Kubernetes API server on loopback with its state in
//! memory, for dbmigrate's end-to-end tests on machines where no kube-apiserver, kind or k3s can
//! run. It follows the Kubernetes API conventions closely enough that the real `kubectl` and
//! kube-rs clients and controllers work unmodified: discovery and OpenAPI v3, built-in
//! resources and CRD-registered ones, every verb and patch type including server-side apply,
//! resourceVersion/generation/optimistic concurrency, the status subresource, selectors,
//! pagination, watches with bookmarks and `410 Gone`, finalizers and garbage collection,
//! server-side Tables, and CRD schema validation. It authenticates bearer tokens (a static
//! admin token and ServiceAccount tokens from the TokenRequest API), authorizes with RBAC as
//! kube-apiserver does (bootstrap policy, aggregation, access reviews, impersonation), and
//! writes an audit log. There is no TLS and no persistence. dbmigrate itself never depends on
//! it (see e2e/README.md).

mod admission;
mod api;
mod audit;
mod authn;
mod authz;
mod chain;
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
mod tls;
mod validation;
mod watch;

use std::net::SocketAddr;
use std::path::Path;

pub use authn::ADMIN;
pub use state::{AuthorizationMode, Config};

/// A running server.
pub struct Server {
    /// The address it listens on (127.0.0.1).
    pub address: SocketAddr,
    admin_token: Option<String>,
    /// The CA of its certificate (PEM), when it serves HTTPS.
    ca_pem: Option<String>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Binds 127.0.0.1:`port` (0 for any free port) and serves in the background.
    pub async fn start(port: u16, config: Config) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let address = listener.local_addr()?;
        let admin_token = config.admin_token.clone().filter(|t| !t.is_empty());
        let identity = if config.tls {
            Some(tls::identity().map_err(std::io::Error::other)?)
        } else {
            None
        };
        let state = state::State::new(config)?;
        lifecycle::bootstrap(&state).map_err(std::io::Error::other)?;
        tokio::spawn(lifecycle::run_controllers(state.clone()));
        let app = api::router(state, address);
        let ca_pem = identity.as_ref().map(|i| i.ca_pem.clone());
        let task = match identity {
            Some(identity) => tokio::spawn(tls::serve(listener, app, identity.config)),
            None => tokio::spawn(async move {
                let app = app.into_make_service_with_connect_info::<SocketAddr>();
                if let Err(e) = axum::serve(listener, app).await {
                    tracing::error!(error = %e, "server stopped");
                }
            }),
        };
        Ok(Self {
            address,
            admin_token,
            ca_pem,
            task,
        })
    }

    /// The server's URL: `https://127.0.0.1:<port>` with TLS, else `http://...`.
    pub fn url(&self) -> String {
        let scheme = if self.ca_pem.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.address)
    }

    /// Writes a kubeconfig for this server: its URL, its CA with TLS, and the admin token when
    /// there is one.
    pub fn write_kubeconfig(&self, path: &Path) -> std::io::Result<()> {
        kubeconfig::write(
            path,
            &self.url(),
            self.ca_pem.as_deref(),
            self.admin_token.as_deref(),
        )
    }

    /// Serves until the task ends (it does not, unless the listener fails).
    pub async fn wait(self) {
        let _ = self.task.await;
    }
}
