//! The operator's HTTP port: `/healthz`, `/readyz` and `/metrics`.

pub mod metrics;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use tracing::info;

pub use metrics::Metrics;

/// What the endpoints report.
#[derive(Debug, Default)]
pub struct Health {
    /// Set once the operator talks to the API server (a follower waiting for the Lease is
    /// ready too: it is healthy and can take over).
    pub ready: AtomicBool,
    /// The metrics.
    pub metrics: Metrics,
}

/// Why the HTTP port could not be opened.
#[derive(Debug, thiserror::Error)]
#[error("cannot listen on {address} for /healthz, /readyz and /metrics: {source}")]
pub struct ServeError {
    /// The address.
    address: SocketAddr,
    /// The cause.
    #[source]
    source: std::io::Error,
}

/// Binds `address` and serves the endpoints in the background; returns the bound address.
pub async fn serve(address: SocketAddr, health: Arc<Health>) -> Result<SocketAddr, ServeError> {
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|source| ServeError { address, source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| ServeError { address, source })?;
    let router = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(health);
    info!(address = %bound, "serving /healthz, /readyz and /metrics");
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, router).await {
            tracing::error!(%error, "the HTTP port stopped");
        }
    });
    Ok(bound)
}

async fn readyz(
    axum::extract::State(health): axum::extract::State<Arc<Health>>,
) -> impl IntoResponse {
    if health.ready.load(Ordering::Relaxed) {
        (StatusCode::OK, "ok")
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "not connected to the API server yet",
        )
    }
}

async fn metrics(
    axum::extract::State(health): axum::extract::State<Arc<Health>>,
) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        health.metrics.encode(),
    )
}
