//! The operator's reconcilers: from a resource and its step Jobs to the next Job and the
//! status written back. `progress` is the decision core, free of any cluster access.

mod error;
mod found;
pub mod leader;
pub mod migration;
pub mod progress;
mod status;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use futures_util::StreamExt;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::runtime::controller::Controller;
use kube::runtime::events::{Recorder, Reporter};
use kube::runtime::reflector::ObjectRef;
use kube::runtime::watcher;
use kube::{Api, Client, ResourceExt};
use tracing::{info, warn};

pub use error::ReconcileError;
pub use migration::{Context, FIELD_MANAGER, RETRY_ANNOTATION};

use crate::api::DatabaseMigration;
use crate::jobs::{JobSettings, LABEL_RESOURCE, StepResource, resource_label};
use crate::server::{self, Health, ServeError};

/// Where and how the operator works.
#[derive(Debug, Clone)]
pub struct OperatorOptions {
    /// Only this namespace (all namespaces when `None`).
    pub namespace: Option<String>,
    /// Defaults of the step Jobs.
    pub settings: JobSettings,
    /// Take part in leader election (the Lease's namespace and this replica's identity).
    pub leader_election: Option<LeaderElection>,
    /// Where to serve `/healthz`, `/readyz` and `/metrics` (not at all when `None`).
    pub http_address: Option<SocketAddr>,
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
/// lost): DatabaseMigrations, woken by their Jobs and by the ConfigMaps they reference.
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
    let namespace = options.namespace.as_deref();
    let migrations = scoped::<DatabaseMigration>(&client, namespace);
    let jobs = scoped::<Job>(&client, namespace);
    let config_maps = scoped::<ConfigMap>(&client, namespace);
    let pods = scoped::<Pod>(&client, namespace);
    let reporter = Reporter {
        controller: FIELD_MANAGER.to_owned(),
        instance: std::env::var("POD_NAME").ok(),
    };
    let context = Arc::new(Context {
        recorder: Recorder::new(client.clone(), reporter),
        client,
        settings: options.settings,
        health,
    });
    let controller = Controller::new(migrations, watcher::Config::default());
    let store = controller.store();
    let pod_store = store.clone();
    info!(namespace = ?options.namespace, "dbmigrate operator running");
    let managed =
        watcher::Config::default().labels("app.kubernetes.io/managed-by=dbmigrate-operator");
    let reconciling = controller
        .owns(jobs, managed.clone())
        .watches(config_maps, watcher::Config::default(), move |config_map| {
            let namespace = config_map.namespace();
            let name = config_map.name_any();
            store
                .state()
                .into_iter()
                .filter(|dbm| {
                    dbm.namespace() == namespace && dbm.config_map_names().contains(name.as_str())
                })
                .map(|dbm| ObjectRef::from_obj(dbm.as_ref()))
                .collect::<Vec<_>>()
        })
        // a step's pod can fail (missing Secret, image) while its Job still runs
        .watches(pods, managed.clone(), move |pod| {
            let namespace = pod.namespace();
            let label = pod.labels().get(LABEL_RESOURCE).cloned();
            pod_store
                .state()
                .into_iter()
                .filter(|dbm| {
                    dbm.namespace() == namespace
                        && label.as_deref() == Some(resource_label(&dbm.name_any()).as_str())
                })
                .map(|dbm| ObjectRef::from_obj(dbm.as_ref()))
                .collect::<Vec<_>>()
        })
        .shutdown_on_signal()
        .run(migration::reconcile, migration::error_policy, context)
        .for_each(|result| async move {
            if let Err(error) = result {
                warn!(%error, "reconcile error");
            }
        });
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

/// An API of `K` in `namespace`, or in all namespaces.
fn scoped<K>(client: &Client, namespace: Option<&str>) -> Api<K>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>,
{
    match namespace {
        Some(namespace) => Api::namespaced(client.clone(), namespace),
        None => Api::all(client.clone()),
    }
}
