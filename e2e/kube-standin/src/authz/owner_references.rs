//! The OwnerReferencesPermissionEnforcement admission plugin (plugin/pkg/admission/gc), off by
//! default as in kube-apiserver: changing an object's ownerReferences needs `delete` on the
//! object (except when creating it), and a new `blockOwnerDeletion: true` needs `update` on
//! the owner's `finalizers` subresource.

use serde_json::Value;

use super::{Attributes, Mode, authorize};
use crate::authn::user::UserInfo;
use crate::error::ApiError;
use crate::registry::{Registry, ResourceType};
use crate::state::State;
use crate::store::Guard;

/// The write the plugin judges.
pub struct Write<'a> {
    /// Who writes.
    pub user: &'a UserInfo,
    /// The resource written.
    pub rt: &'a ResourceType,
    /// The subresource written ("" for the object itself).
    pub subresource: &'a str,
    /// The namespace ("" at the cluster scope).
    pub namespace: &'a str,
    /// The object's name.
    pub name: &'a str,
}

fn owner_references(object: &Value) -> &[Value] {
    object["metadata"]["ownerReferences"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
}

fn blocking(reference: &Value) -> bool {
    reference["blockOwnerDeletion"] == Value::Bool(true)
}

/// References that block their owner's deletion and did not before (new, or turned on).
fn new_blocking_references<'v>(new: &'v Value, old: Option<&Value>) -> Vec<&'v Value> {
    let old = old.map(owner_references).unwrap_or_default();
    owner_references(new)
        .iter()
        .filter(|r| blocking(r))
        .filter(|r| !old.iter().any(|o| o["uid"] == r["uid"] && blocking(o)))
        .collect()
}

/// Admits (or refuses with 403) a create (`old` None) or update of `new`, when the plugin is
/// on.
pub fn admit(
    state: &State,
    guard: &Guard,
    write: &Write,
    old: Option<&Value>,
    new: &Value,
) -> Result<(), ApiError> {
    if !state.config.owner_references_permission_enforcement {
        return Ok(());
    }
    judge(
        state.config.authorization_mode,
        guard,
        &state.registry(),
        write,
        old,
        new,
    )
}

/// The plugin's verdict on a write.
fn judge(
    mode: Mode,
    guard: &Guard,
    registry: &Registry,
    write: &Write,
    old: Option<&Value>,
    new: &Value,
) -> Result<(), ApiError> {
    let rt = write.rt;
    let exempt = rt.group.is_empty() && rt.plural == "pods" && write.subresource == "status";
    let changing = match old {
        None => !owner_references(new).is_empty(),
        Some(old) => owner_references(old) != owner_references(new),
    };
    if exempt || !changing {
        return Ok(());
    }
    let refuse = |cause: String| ApiError::forbidden_for(&rt.group, &rt.plural, write.name, &cause);
    let allowed = |attributes: &Attributes| authorize(mode, guard, write.user, attributes);
    if old.is_some() {
        let delete = Attributes::resource(
            "delete",
            &rt.group,
            write.namespace,
            &rt.plural,
            write.subresource,
            write.name,
        );
        let decision = allowed(&delete);
        if !decision.allowed {
            return Err(refuse(format!(
                "cannot set an ownerRef on a resource you can't delete: {}, <nil>",
                decision.reason
            )));
        }
    }
    let references = new_blocking_references(new, old);
    let finalize_anything = Attributes::resource("update", "*", "", "*", "finalizers", "*");
    if references.is_empty() || allowed(&finalize_anything).allowed {
        return Ok(());
    }
    for reference in references {
        let api_version = reference["apiVersion"].as_str().unwrap_or_default();
        let kind = reference["kind"].as_str().unwrap_or_default();
        let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
        let owners: Vec<_> = registry
            .all()
            .iter()
            .filter(|t| t.group == group && t.version == version && t.kind == kind)
            .collect();
        if owners.is_empty() {
            return Err(refuse(format!(
                "cannot set blockOwnerDeletion in this case because cannot find RESTMapping for APIVersion {api_version} Kind {kind}: no matches for kind {kind:?} in version {api_version:?}"
            )));
        }
        for owner in owners {
            let namespace = if owner.namespaced {
                write.namespace
            } else {
                ""
            };
            let finalize = Attributes::resource(
                "update",
                &owner.group,
                namespace,
                &owner.plural,
                "finalizers",
                reference["name"].as_str().unwrap_or_default(),
            );
            let decision = allowed(&finalize);
            if !decision.allowed {
                return Err(refuse(format!(
                    "cannot set blockOwnerDeletion if an ownerReference refers to a resource you can't set finalizers on: {}, <nil>",
                    decision.reason
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::store::{Key, Store};

    /// A user allowed `verbs` on `resources` in namespace `ns` (a ClusterRole bound there).
    fn allowed(guard: &mut Guard, rules: Value) -> UserInfo {
        let key = |storage: &str, namespace: &str, name: &str| Key {
            storage: format!("rbac.authorization.k8s.io/{storage}"),
            namespace: namespace.to_owned(),
            name: name.to_owned(),
        };
        guard.put(
            &key("clusterroles", "", "r"),
            json!({"metadata": {"name": "r"}, "rules": rules}),
        );
        guard.put(
            &key("rolebindings", "ns", "b"),
            json!({"metadata": {"name": "b", "namespace": "ns"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "r"},
                "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "u"}]}),
        );
        UserInfo {
            name: "u".to_owned(),
            ..UserInfo::default()
        }
    }

    fn config_map(owner_references: Value) -> Value {
        json!({"metadata": {"name": "child", "namespace": "ns", "ownerReferences": owner_references}})
    }

    #[test]
    fn changing_owners_needs_delete_and_blocking_needs_the_owners_finalizers() {
        let store = Store::new(10);
        let mut guard = store.lock();
        let user = allowed(
            &mut guard,
            json!([
                {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["create", "update"]},
            ]),
        );
        let registry = Registry::new();
        let rt = registry.find("", "v1", "configmaps").unwrap();
        let write = Write {
            user: &user,
            rt: &rt,
            subresource: "",
            namespace: "ns",
            name: "child",
        };
        let owner = json!({"apiVersion": "v1", "kind": "ConfigMap", "name": "parent", "uid": "p1"});
        let mut blocking = owner.clone();
        blocking["blockOwnerDeletion"] = json!(true);
        let verdict = |old: Option<&Value>, new: &Value| {
            judge(Mode::Rbac, &guard, &registry, &write, old, new)
        };
        // a create may set owners, but not block them without their finalizers
        assert!(verdict(None, &config_map(json!([owner]))).is_ok());
        let refused = verdict(None, &config_map(json!([blocking]))).unwrap_err();
        assert_eq!(
            refused.message,
            "configmaps \"child\" is forbidden: cannot set blockOwnerDeletion if an ownerReference refers to a resource you can't set finalizers on: , <nil>"
        );
        // an update that changes owners needs delete on the object
        let unowned = config_map(json!([]));
        let refused = verdict(Some(&unowned), &config_map(json!([owner]))).unwrap_err();
        assert!(
            refused
                .message
                .contains("cannot set an ownerRef on a resource you can't delete")
        );
        // an update that leaves them alone needs nothing
        assert!(
            verdict(
                Some(&config_map(json!([blocking]))),
                &config_map(json!([blocking]))
            )
            .is_ok()
        );
    }
}
