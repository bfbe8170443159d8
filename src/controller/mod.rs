//! The operator: one controller per kind, each reconcile a pipeline (see `reconcile`):
//! `observe` → `decide` (pure) → `act` → one `status` write. This module only wires the
//! controllers to their watches, the leader election and the HTTP port.

mod act;
mod context;
mod decide;
mod durations;
mod error;
mod events;
#[cfg(test)]
mod fixtures;
mod kinds;
pub mod leader;
mod observe;
mod reconcile;
mod slots;
mod status;
#[cfg(test)]
mod tests;
mod watches;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use futures_util::{FutureExt, StreamExt};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, Pod, Secret};
use kube::Client;
use kube::runtime::controller::{Config as ControllerConfig, Controller};
use kube::runtime::events::Reporter;
use kube::runtime::reflector;
use kube::runtime::{WatchStreamExt, watcher};
use tracing::{info, warn};

pub use self::context::SecretAccess;

use self::context::Context;
use self::durations::CountedJobs;
use self::events::Publisher;
use self::slots::DatabaseSlots;

use self::kinds::Reconciled;
use self::status::FIELD_MANAGER;
use self::watches::{dependents, metadata_of, referencing, scoped, steps_of, trim};

use crate::api::{ConfigSync, DatabaseMigration, DependencyKind};
use crate::jobs::JobSettings;
use crate::server::{self, Health, ServeError};

/// Where and how the operator works.
#[derive(Debug, Clone)]
pub struct OperatorOptions {
    /// Only these namespaces (all namespaces when empty).
    pub namespaces: Vec<String>,
    /// Defaults of the step Jobs.
    pub settings: JobSettings,
    /// Whether it reads the metadata of the Secrets its step Jobs use.
    pub secret_access: SecretAccess,
    /// Take part in leader election (the Lease's namespace and this replica's identity).
    pub leader_election: Option<LeaderElection>,
    /// Where to serve `/healthz`, `/readyz` and `/metrics` (not at all when `None`).
    pub http_address: Option<SocketAddr>,
    /// Reconciles of one kind that run at once.
    pub concurrency: u16,
}

/// Where the replicas' Lease is and who this replica is.
#[derive(Debug, Clone)]
pub struct LeaderElection {
    /// The Lease's namespace.
    pub namespace: String,
    /// This replica's identity (its pod name in a cluster).
    pub identity: String,
}

/// Why the operator stopped other than by a signal.
#[derive(Debug, thiserror::Error)]
pub enum OperatorError {
    /// Leader election could not run.
    #[error(transparent)]
    Leader(#[from] leader::LeaderError),
    /// The HTTP port could not be opened.
    #[error(transparent)]
    Serve(#[from] ServeError),
    /// The API server does not answer.
    #[error("the Kubernetes API server does not answer: {0}")]
    ApiServer(#[source] kube::Error),
    /// Another replica took the Lease: this one stops (to be restarted as a follower).
    #[error("lost the leadership of Lease {0}; stopping so that only the new leader acts")]
    LostLeadership(String),
}

/// Runs the controllers until SIGINT/SIGTERM (or, with leader election, until the Lease is
/// lost): one controller per kind, DatabaseMigration and ConfigSync, in all namespaces or one
/// pair per watched namespace (each with its own watches and store: a store fed by several
/// watchers would be emptied by each one's relist), all sharing one [`Context`] (client,
/// Events, metrics and the per-database turns).
pub async fn run(client: Client, options: OperatorOptions) -> Result<(), OperatorError> {
    let health = Arc::new(Health::default());
    if let Some(address) = options.http_address {
        server::serve(address, health.clone()).await?;
    }
    client
        .apiserver_version()
        .await
        .map_err(OperatorError::ApiServer)?;
    health.ready.store(true, Ordering::Relaxed);
    let leadership = match &options.leader_election {
        Some(election) => {
            Some(leader::acquire(client.clone(), &election.namespace, &election.identity).await?)
        }
        None => None,
    };
    let reporter = Reporter {
        controller: FIELD_MANAGER.to_owned(),
        instance: std::env::var("POD_NAME").ok(),
    };
    let context = Arc::new(Context {
        events: Publisher::new(client.clone(), reporter),
        client: client.clone(),
        settings: options.settings,
        secret_access: options.secret_access,
        health,
        databases: DatabaseSlots::default(),
        counted_jobs: CountedJobs::default(),
    });
    info!(
        namespaces = ?options.namespaces,
        secret_access = ?options.secret_access,
        "dbmigrate operator running"
    );
    let namespaces: Vec<Option<&str>> = if options.namespaces.is_empty() {
        vec![None]
    } else {
        options
            .namespaces
            .iter()
            .map(|n| Some(n.as_str()))
            .collect()
    };
    let controllers = namespaces.into_iter().flat_map(|namespace| {
        let scope = Scope {
            namespace,
            concurrency: options.concurrency,
        };
        [
            controller::<DatabaseMigration>(&client, scope, context.clone()).boxed(),
            controller::<ConfigSync>(&client, scope, context.clone()).boxed(),
        ]
    });
    let reconciling = futures_util::future::join_all(controllers).map(|_| ());
    match leadership {
        None => reconciling.await,
        Some(leadership) => {
            tokio::select! {
                () = reconciling => {}
                () = leadership.lost() => {
                    let lease = options.leader_election.map(|e| format!("{}/{}", e.namespace, leader::LEASE_NAME));
                    return Err(OperatorError::LostLeadership(lease.unwrap_or_default()));
                }
            }
        }
    }
    info!("dbmigrate operator stopped");
    Ok(())
}

/// Where a controller watches and how many reconciles it runs at once.
#[derive(Debug, Clone, Copy)]
struct Scope<'a> {
    namespace: Option<&'a str>,
    concurrency: u16,
}

/// The controller of one kind in one namespace (or all): woken by its resources, its Jobs and
/// their pods, the ConfigMaps and (with [`SecretAccess::Namespaced`]) Secrets they reference and
/// the resources they depend on.
async fn controller<K>(client: &Client, scope: Scope<'_>, context: Arc<Context>)
where
    K: Reconciled,
{
    let namespace = scope.namespace;
    // the store keeps what reconciles read: not managedFields, not kubectl's copy of the spec
    let (store, writer) = reflector::store();
    let resources = watcher(scoped::<K>(client, namespace), watcher::Config::default())
        .default_backoff()
        .modify(trim)
        .reflect(writer)
        .applied_objects();
    let controller = Controller::for_stream(resources, store.clone())
        .with_config(ControllerConfig::default().concurrency(scope.concurrency));
    // everything else only wakes resources: metadata is enough (no ConfigMap data, no specs)
    let config = watcher::Config::default;
    let managed = || config().labels("app.kubernetes.io/managed-by=dbmigrate-operator");
    let by_config_map = store.clone();
    let by_secret = store.clone();
    let by_pod = store.clone();
    let by_migration = store.clone();
    let by_sync = store;
    let controller = controller
        .owns_stream(metadata_of::<Job>(client, namespace, managed()))
        .watches_stream(
            metadata_of::<ConfigMap>(client, namespace, config()),
            referencing(by_config_map, K::config_map_names),
        );
    // a Secret's change is a new input (its resourceVersion is in the input hash)
    let controller = match context.secret_access {
        SecretAccess::Namespaced => controller.watches_stream(
            metadata_of::<Secret>(client, namespace, config()),
            referencing(by_secret, K::secret_names),
        ),
        SecretAccess::None => controller,
    };
    controller
        // a step's pod can fail (missing Secret, image) while its Job still runs
        .watches_stream(
            metadata_of::<Pod>(client, namespace, managed()),
            steps_of(by_pod),
        )
        // a dependency's status change lets its dependents start
        .watches_stream(
            metadata_of::<DatabaseMigration>(client, namespace, config()),
            move |dependency| {
                dependents(
                    &by_migration,
                    DependencyKind::DatabaseMigration,
                    &dependency,
                )
            },
        )
        .watches_stream(
            metadata_of::<ConfigSync>(client, namespace, config()),
            move |dependency| dependents(&by_sync, DependencyKind::ConfigSync, &dependency),
        )
        .shutdown_on_signal()
        .run(reconcile::reconcile, reconcile::error_policy, context)
        .for_each(|result| async move {
            if let Err(error) = result {
                warn!(%error, "reconcile error");
            }
        })
        .await;
}
