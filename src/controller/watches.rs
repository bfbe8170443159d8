//! What wakes a resource: the watches' objects mapped to the resources they concern (by the
//! names a spec references, by a step pod's label, by `spec.dependsOn`), and the trimmed copies
//! of the resources the controller keeps.

use std::collections::BTreeSet;

use futures_util::Stream;
use k8s_openapi::api::core::v1::Pod;
use kube::core::PartialObjectMeta;
use kube::runtime::reflector::{ObjectRef, Store};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, Client, ResourceExt};
use serde::de::DeserializeOwned;

use super::kinds::Reconciled;
use crate::api::DependencyKind;
use crate::jobs::{LABEL_RESOURCE, resource_label};

/// The metadata of each `K` as it changes (watched with `config`), to wake resources by.
pub fn metadata_of<K>(
    client: &Client,
    namespace: Option<&str>,
    config: watcher::Config,
) -> impl Stream<Item = Result<PartialObjectMeta<K>, watcher::Error>> + Send + 'static
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>
        + Clone
        + std::fmt::Debug
        + DeserializeOwned
        + Send
        + 'static,
{
    watcher(scoped::<PartialObjectMeta<K>>(client, namespace), config)
        .default_backoff()
        .touched_objects()
}

/// What the operator never reads of a resource, dropped before the store keeps it: its
/// `managedFields` and `kubectl apply`'s last-applied copy of it.
pub fn trim<K: kube::Resource>(resource: &mut K) {
    resource.meta_mut().managed_fields = None;
    if let Some(annotations) = resource.meta_mut().annotations.as_mut() {
        annotations.remove(LAST_APPLIED);
    }
}

/// The annotation in which client-side `kubectl apply` keeps the whole object it applied.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// The resources in `namespace` that `select` picks, as references to reconcile.
fn matching<K: Reconciled>(
    store: &Store<K>,
    namespace: Option<String>,
    select: impl Fn(&K) -> bool,
) -> Vec<ObjectRef<K>> {
    store
        .state()
        .into_iter()
        .filter(|resource| resource.namespace() == namespace && select(resource))
        .map(|resource| ObjectRef::from_obj(resource.as_ref()))
        .collect()
}

/// Maps a changed object to the resources (of `store`) whose `names` include its name.
pub fn referencing<K: Reconciled, O: ResourceExt>(
    store: Store<K>,
    names: fn(&K) -> BTreeSet<&str>,
) -> impl Fn(O) -> Vec<ObjectRef<K>> {
    move |object| {
        let name = object.name_any();
        matching(&store, object.namespace(), |resource| {
            names(resource).contains(name.as_str())
        })
    }
}

/// The resources whose `spec.dependsOn` names `dependency` (of `kind`).
pub fn dependents<K: Reconciled, D: ResourceExt>(
    store: &Store<K>,
    kind: DependencyKind,
    dependency: &D,
) -> Vec<ObjectRef<K>> {
    let name = dependency.name_any();
    let namespace = dependency.namespace().unwrap_or_default();
    store
        .state()
        .into_iter()
        .filter(|resource| {
            let own = resource.namespace().unwrap_or_default();
            resource.depends_on().iter().any(|d| {
                d.kind == kind
                    && d.name == name
                    && d.namespace.as_deref().unwrap_or(&own) == namespace
            })
        })
        .map(|resource| ObjectRef::from_obj(resource.as_ref()))
        .collect()
}

/// An API of `K` in `namespace`, or in all namespaces.
pub fn scoped<K>(client: &Client, namespace: Option<&str>) -> Api<K>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>,
{
    match namespace {
        Some(namespace) => Api::namespaced(client.clone(), namespace),
        None => Api::all(client.clone()),
    }
}

/// Maps a step pod to the resource whose step it runs (by its resource label).
pub fn steps_of<K: Reconciled>(
    store: Store<K>,
) -> impl Fn(PartialObjectMeta<Pod>) -> Vec<ObjectRef<K>> {
    move |pod| {
        let label = pod.labels().get(LABEL_RESOURCE).cloned();
        matching(&store, pod.namespace(), |resource| {
            label.as_deref() == Some(resource_label(&resource.name_any()).as_str())
        })
    }
}
