//! What kube-controller-manager and the apiextensions controllers do around deletion and
//! registration: finalizers and `deletionTimestamp`, garbage collection through
//! `ownerReferences` (background, foreground, orphan), namespace termination, default
//! ServiceAccounts, ClusterRole aggregation, CRD establishment and instance cleanup.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::registry::ResourceType;
use crate::state::{State, now};
use crate::store::{Guard, Key, owner_uids};

/// How a delete treats the object's dependents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Propagation {
    /// Delete the object now, its dependents afterwards.
    Background,
    /// Delete the dependents first, then the object.
    Foreground,
    /// Keep the dependents, removing their owner reference.
    Orphan,
}

const FOREGROUND: &str = "foregroundDeletion";
const ORPHAN: &str = "orphan";
const CRD_CLEANUP: &str = "customresourcecleanup.apiextensions.k8s.io";
const NAMESPACES: &str = "/namespaces";
const CRDS: &str = "apiextensions.k8s.io/customresourcedefinitions";

fn finalizers(object: &Value) -> Vec<String> {
    object["metadata"]["finalizers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// Deletes the object at `key`: gone at once, or marked with `deletionTimestamp` while
/// finalizers remain (returned then).
pub fn delete(guard: &mut Guard, key: &Key, policy: Propagation, now: &str) -> Option<Value> {
    let mut object = guard.get(key)?.clone();
    if !object["metadata"]["deletionTimestamp"].is_null() {
        return Some(object);
    }
    let mut pending = finalizers(&object);
    let extra = match policy {
        Propagation::Foreground => Some(FOREGROUND),
        Propagation::Orphan => Some(ORPHAN),
        Propagation::Background => None,
    };
    if let Some(extra) = extra
        && !pending.iter().any(|f| f == extra)
    {
        pending.push(extra.to_owned());
    }
    if key.storage == NAMESPACES {
        object["status"]["phase"] = json!("Terminating");
    }
    let namespace_finalizers = key.storage == NAMESPACES
        && object["spec"]["finalizers"]
            .as_array()
            .is_some_and(|f| !f.is_empty());
    if pending.is_empty() && !namespace_finalizers {
        return remove(guard, key).and(None);
    }
    object["metadata"]["finalizers"] = json!(pending);
    object["metadata"]["deletionTimestamp"] = json!(now);
    object["metadata"]["deletionGracePeriodSeconds"] = json!(0);
    if let Some(generation) = object["metadata"]["generation"].as_i64() {
        object["metadata"]["generation"] = json!(generation + 1);
    }
    Some(guard.put(key, object))
}

/// Removes the object for good.
pub fn remove(guard: &mut Guard, key: &Key) -> Option<Value> {
    guard.remove(key)
}

/// Follow-ups of a write to `rt`: CRDs (re-)register their resources.
pub fn after_write(state: &State, guard: &mut Guard, rt: &ResourceType) {
    if rt.storage == CRDS {
        state.refresh_custom_resources(&guard.list(CRDS, None));
    }
    state.controllers.notify_one();
}

/// Runs the controllers whenever something changed, and every second.
pub async fn run_controllers(state: Arc<State>) {
    loop {
        reconcile(&state);
        tokio::select! {
            () = state.controllers.notified() => {}
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}

/// One pass of every controller; repeats until nothing changes.
pub fn reconcile(state: &State) {
    for _ in 0..100 {
        let mut guard = state.store.lock();
        let before = guard.rv();
        let now = now();
        establish_crds(state, &mut guard);
        collect_garbage(&mut guard, &now);
        terminate_namespaces(&mut guard, &now);
        default_service_accounts(&mut guard, &now);
        crate::authz::aggregate_cluster_roles(&mut guard);
        if guard.rv() == before {
            return;
        }
    }
}

fn deleting(object: &Value) -> bool {
    !object["metadata"]["deletionTimestamp"].is_null()
}

/// CRDs get `Established`/`NamesAccepted` and, when deleted, lose their instances first.
fn establish_crds(state: &State, guard: &mut Guard) {
    for key in guard.deleting_keys(Some(CRDS)) {
        let Some(crd) = guard.get(&key) else { continue };
        let storage = format!(
            "{}/{}",
            crd["spec"]["group"].as_str().unwrap_or_default(),
            crd["spec"]["names"]["plural"].as_str().unwrap_or_default()
        );
        for instance_key in guard.keys_where(Some(&storage), |_| true) {
            delete(guard, &instance_key, Propagation::Background, &now());
        }
        if guard.list(&storage, None).is_empty() {
            drop_finalizer(guard, &key, CRD_CLEANUP);
            state.refresh_custom_resources(&guard.list(CRDS, None));
        }
    }
}

/// Removes `finalizer`; removes the object when it was being deleted and none is left.
fn drop_finalizer(guard: &mut Guard, key: &Key, finalizer: &str) {
    let Some(mut object) = guard.get(key).cloned() else {
        return;
    };
    let mut left = finalizers(&object);
    left.retain(|f| f != finalizer);
    object["metadata"]["finalizers"] = json!(left);
    if left.is_empty()
        && let Some(meta) = object["metadata"].as_object_mut()
    {
        meta.remove("finalizers");
    }
    let deleting = !object["metadata"]["deletionTimestamp"].is_null();
    let namespace_pending = key.storage == NAMESPACES
        && object["spec"]["finalizers"]
            .as_array()
            .is_some_and(|f| !f.is_empty());
    guard.put(key, object);
    if deleting && left.is_empty() && !namespace_pending {
        remove(guard, key);
    }
}

/// Dependents whose owners are all gone are deleted (background); foreground and orphan
/// deletions are carried out.
fn collect_garbage(guard: &mut Guard, now: &str) {
    for key in guard.take_orphan_candidates() {
        let Some(object) = guard.get(&key) else {
            continue;
        };
        let owners: Vec<&str> = owner_uids(object).collect();
        let alive = owners
            .iter()
            .filter(|uid| guard.key_of_uid(uid).is_some())
            .count();
        if alive == 0 {
            delete(guard, &key, Propagation::Background, now);
        } else if alive < owners.len() {
            let mut updated = object.clone();
            if let Some(refs) = updated["metadata"]["ownerReferences"].as_array_mut() {
                refs.retain(|r| {
                    r["uid"]
                        .as_str()
                        .is_some_and(|uid| guard.key_of_uid(uid).is_some())
                });
            }
            guard.put(&key, updated);
        }
    }
    for key in guard.deleting_keys(None) {
        let Some(object) = guard.get(&key) else {
            continue;
        };
        let uid = object["metadata"]["uid"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let pending = finalizers(object);
        let dependents = guard.dependents_of(&uid);
        if pending.iter().any(|f| f == ORPHAN) {
            for dependent_key in dependents {
                let Some(mut dependent) = guard.get(&dependent_key).cloned() else {
                    continue;
                };
                if let Some(refs) = dependent["metadata"]["ownerReferences"].as_array_mut() {
                    refs.retain(|r| r["uid"] != uid.as_str());
                }
                guard.put(&dependent_key, dependent);
            }
            drop_finalizer(guard, &key, ORPHAN);
        } else if pending.iter().any(|f| f == FOREGROUND) {
            if dependents.is_empty() {
                drop_finalizer(guard, &key, FOREGROUND);
            } else {
                for dependent_key in dependents {
                    delete(guard, &dependent_key, Propagation::Foreground, now);
                }
            }
        }
    }
}

/// A deleted namespace empties, then goes.
fn terminate_namespaces(guard: &mut Guard, now: &str) {
    for key in guard.deleting_keys(Some(NAMESPACES)) {
        let contents = guard.keys_in_namespace(&key.name);
        for content_key in &contents {
            delete(guard, content_key, Propagation::Background, now);
        }
        if contents.is_empty() {
            let Some(namespace) = guard.get(&key).cloned() else {
                continue;
            };
            let mut finalized = namespace.clone();
            finalized["spec"]["finalizers"] = json!([]);
            guard.put(&key, finalized);
            if finalizers(&namespace).is_empty() {
                remove(guard, &key);
            }
        }
    }
}

/// Every active namespace has a `default` ServiceAccount (the serviceaccounts controller).
fn default_service_accounts(guard: &mut Guard, now: &str) {
    for namespace in guard.keys_where(Some(NAMESPACES), |n| !deleting(n)) {
        let key = Key {
            storage: "/serviceaccounts".to_owned(),
            namespace: namespace.name.clone(),
            name: "default".to_owned(),
        };
        if guard.get(&key).is_none() {
            guard.put(
                &key,
                json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {
                    "name": "default", "namespace": namespace.name, "uid": crate::admission::new_uid(),
                    "creationTimestamp": now,
                }}),
            );
        }
    }
}

/// The namespaces every cluster starts with, and the RBAC bootstrap policy.
pub fn bootstrap(state: &State) -> Result<(), serde_yaml::Error> {
    let mut guard = state.store.lock();
    let now = now();
    for (key, object) in crate::authz::bootstrap::objects(&now)? {
        guard.put(&key, object);
    }
    for name in ["default", "kube-system", "kube-public", "kube-node-lease"] {
        let mut namespace = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {
            "name": name, "uid": crate::admission::new_uid(), "creationTimestamp": now,
        }});
        crate::admission::builtin_defaults("", "Namespace", &mut namespace);
        let key = Key {
            storage: NAMESPACES.to_owned(),
            namespace: String::new(),
            name: name.to_owned(),
        };
        guard.put(&key, namespace);
    }
    drop(guard);
    reconcile(state);
    Ok(())
}
