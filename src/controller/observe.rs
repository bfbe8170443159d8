//! Every API read of a reconcile: the resource's referenced ConfigMaps and Secrets (metadata
//! only, and only with [`SecretAccess::Namespaced`]) and its step Jobs and pods into a
//! [`Snapshot`]; and, before a step starts, its dependencies and the step Jobs on its database
//! into a [`Gate`]. Nothing here decides.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, Pod, Secret};
use kube::api::ListParams;
use kube::{Api, Client, ResourceExt};
use tokio::sync::OwnedMutexGuard;

use super::context::SecretAccess;
use super::error::ReconcileError;
use super::kinds::Reconciled;
use super::slots::DatabaseSlots;
use crate::api::{ConfigSync, DatabaseMigration, DependencyKind, DependsOn};
use crate::jobs::{LABEL_DATABASE, LABEL_KIND, LABEL_RESOURCE, resource_label};

/// What a reconcile read of one resource and the objects it references.
#[derive(Debug, Clone)]
pub struct Snapshot<K> {
    /// The resource, as the watch delivered it.
    pub resource: Arc<K>,
    /// Each ConfigMap the spec names, by name; `None` where it does not exist.
    pub config_maps: BTreeMap<String, Option<ConfigMap>>,
    /// The `resourceVersion` of each Secret its Jobs read, by name; `None` where it does not
    /// exist. Only metadata is read: the operator never sees Secret data. Empty with
    /// [`SecretAccess::None`].
    pub secrets: BTreeMap<String, Option<String>>,
    /// The Jobs labelled as its step Jobs.
    pub jobs: Vec<Job>,
    /// The pods labelled as its step pods.
    pub pods: Vec<Pod>,
}

/// A resource in `spec.dependsOn`, as found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    /// `Kind namespace/name`.
    pub subject: String,
    /// `None` when it does not exist; else whether it is Ready, or why not.
    pub readiness: Option<Result<(), String>>,
}

/// What decides whether a step may start now: its dependencies, and the step Jobs on its
/// database. Holding it holds this operator's turn on the database, so no other reconcile
/// starts a step there until the Job is created.
pub struct Gate {
    /// The dependencies, in `spec.dependsOn` order.
    pub dependencies: Vec<Dependency>,
    /// The step Jobs of every resource on the database.
    pub database_jobs: Vec<Job>,
    /// This operator's turn on the database.
    _turn: OwnedMutexGuard<()>,
}

#[cfg(test)]
impl Gate {
    /// A gate read as `dependencies` and `database_jobs`, holding a turn nobody else shares.
    pub fn read_as(dependencies: Vec<Dependency>, database_jobs: Vec<Job>) -> Self {
        let turn = Arc::new(tokio::sync::Mutex::new(()))
            .try_lock_owned()
            .expect("a new lock is free");
        Self {
            dependencies,
            database_jobs,
            _turn: turn,
        }
    }
}

/// Reads what a reconcile of `resource` needs: ConfigMaps, Secret versions (as
/// `secret_access` allows), step Jobs and pods.
pub async fn snapshot<K: Reconciled>(
    client: &Client,
    secret_access: SecretAccess,
    resource: Arc<K>,
) -> Result<Snapshot<K>, ReconcileError> {
    let namespace = resource.namespace().unwrap_or_default();
    let failed = |action| ReconcileError::kube(resource.as_ref(), action);
    let config_map_api = Api::<ConfigMap>::namespaced(client.clone(), &namespace);
    let mut config_maps = BTreeMap::new();
    for name in resource.config_map_names() {
        let found = config_map_api
            .get_opt(name)
            .await
            .map_err(failed("reading its ConfigMaps"))?;
        config_maps.insert(name.to_owned(), found);
    }
    let secret_api = Api::<Secret>::namespaced(client.clone(), &namespace);
    let mut secrets = BTreeMap::new();
    let secret_names = match secret_access {
        SecretAccess::Namespaced => resource.secret_names(),
        SecretAccess::None => BTreeSet::new(),
    };
    for name in secret_names {
        let found = secret_api
            .get_metadata_opt(name)
            .await
            .map_err(failed("reading its Secrets' metadata"))?;
        let version = found.and_then(|secret| secret.metadata.resource_version);
        secrets.insert(name.to_owned(), version);
    }
    let selector = format!(
        "{LABEL_KIND}={},{LABEL_RESOURCE}={}",
        K::kind(&()),
        resource_label(&resource.name_any())
    );
    let params = ListParams::default().labels(&selector);
    // both lists at once: a reconcile's time to its next Job is mostly these round trips
    let job_api = Api::<Job>::namespaced(client.clone(), &namespace);
    let pod_api = Api::<Pod>::namespaced(client.clone(), &namespace);
    let (jobs, pods) = tokio::join!(job_api.list(&params), pod_api.list(&params));
    let jobs = jobs.map_err(failed("listing its Jobs"))?.items;
    let pods = pods.map_err(failed("listing the pods of its Jobs"))?.items;
    Ok(Snapshot {
        config_maps,
        secrets,
        jobs,
        pods,
        resource,
    })
}

/// Reads the dependencies of `resource` and, holding this operator's turn on `database`, the
/// step Jobs labelled with it.
pub async fn gate<K: Reconciled>(
    client: &Client,
    slots: &DatabaseSlots,
    resource: &K,
    database: &str,
) -> Result<Gate, ReconcileError> {
    let namespace = resource.namespace().unwrap_or_default();
    let mut dependencies = Vec::new();
    for dependency in resource.depends_on() {
        let found = read_dependency(client, &namespace, dependency)
            .await
            .map_err(ReconcileError::kube(resource, "reading a dependency"))?;
        dependencies.push(found);
    }
    let turn = slots.claim(database).await;
    let params = ListParams::default().labels(&format!("{LABEL_DATABASE}={database}"));
    let database_jobs = Api::<Job>::namespaced(client.clone(), &namespace)
        .list(&params)
        .await
        .map_err(ReconcileError::kube(
            resource,
            "listing the step Jobs on its database",
        ))?
        .items;
    Ok(Gate {
        dependencies,
        database_jobs,
        _turn: turn,
    })
}

/// One dependency, looked up in its namespace (the resource's own when it names none).
async fn read_dependency(
    client: &Client,
    own_namespace: &str,
    dependency: &DependsOn,
) -> Result<Dependency, kube::Error> {
    let namespace = dependency.namespace.as_deref().unwrap_or(own_namespace);
    let name = dependency.name.as_str();
    let readiness = match dependency.kind {
        DependencyKind::DatabaseMigration => {
            readiness_of::<DatabaseMigration>(client, namespace, name).await?
        }
        DependencyKind::ConfigSync => readiness_of::<ConfigSync>(client, namespace, name).await?,
    };
    let kind = match dependency.kind {
        DependencyKind::DatabaseMigration => "DatabaseMigration",
        DependencyKind::ConfigSync => "ConfigSync",
    };
    Ok(Dependency {
        subject: format!("{kind} {namespace}/{name}"),
        readiness,
    })
}

async fn readiness_of<K: Reconciled>(
    client: &Client,
    namespace: &str,
    name: &str,
) -> Result<Option<Result<(), String>>, kube::Error> {
    let found = Api::<K>::namespaced(client.clone(), namespace)
        .get_opt(name)
        .await?;
    Ok(found.as_ref().map(Reconciled::readiness))
}
