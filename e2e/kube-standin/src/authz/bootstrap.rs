//! The bootstrap policy kube-apiserver writes at start (bootstrappolicy/policy.go), from
//! `bootstrap.yaml`: so that discovery, `/version`, `/openapi/*` and the self-reviews work for
//! every authenticated user, `/healthz`-style paths for anyone, and system:masters has
//! cluster-admin, as on a real cluster.

use serde_json::{Value, json};

use super::rbac::{CLUSTER_ROLE_BINDINGS, CLUSTER_ROLES};
use crate::store::Key;

const POLICY: &str = include_str!("bootstrap.yaml");

/// The bootstrap ClusterRoles and ClusterRoleBindings, keyed for the store, with the label and
/// annotation kube-apiserver gives them.
pub fn objects(now: &str) -> Result<Vec<(Key, Value)>, serde_yaml::Error> {
    let items: Vec<Value> = serde_yaml::from_str(POLICY)?;
    Ok(items
        .into_iter()
        .map(|mut object| {
            let storage = match object["kind"].as_str() {
                Some("ClusterRoleBinding") => CLUSTER_ROLE_BINDINGS,
                _ => CLUSTER_ROLES,
            };
            let meta = &mut object["metadata"];
            meta["labels"]["kubernetes.io/bootstrapping"] = json!("rbac-defaults");
            meta["annotations"]["rbac.authorization.kubernetes.io/autoupdate"] = json!("true");
            meta["uid"] = json!(crate::admission::new_uid());
            meta["creationTimestamp"] = json!(now);
            let key = Key {
                storage: storage.to_owned(),
                namespace: String::new(),
                name: meta["name"].as_str().unwrap_or_default().to_owned(),
            };
            (key, object)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_parses_into_roles_and_bindings_that_decode() {
        let objects = objects("2026-01-01T00:00:00Z").unwrap();
        let names: Vec<&str> = objects.iter().map(|(key, _)| key.name.as_str()).collect();
        for name in [
            "cluster-admin",
            "system:discovery",
            "system:basic-user",
            "system:public-info-viewer",
        ] {
            assert_eq!(
                names.iter().filter(|n| **n == name).count(),
                2,
                "{name}: role and binding"
            );
        }
        for (key, object) in &objects {
            let decoded = if key.storage == CLUSTER_ROLES {
                serde_json::from_value::<k8s_openapi::api::rbac::v1::ClusterRole>(object.clone())
                    .map(|_| ())
            } else {
                serde_json::from_value::<k8s_openapi::api::rbac::v1::ClusterRoleBinding>(
                    object.clone(),
                )
                .map(|_| ())
            };
            assert!(decoded.is_ok(), "{}: {decoded:?}", key.name);
        }
    }
}
