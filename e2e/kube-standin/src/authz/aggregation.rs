//! The clusterrole-aggregation controller of kube-controller-manager
//! (pkg/controller/clusterroleaggregation): a ClusterRole with an `aggregationRule` gets the
//! rules of every other ClusterRole its selectors match, in name order, without repeats.

use serde_json::{Value, json};

use super::rbac::CLUSTER_ROLES;
use crate::selectors::LabelSelector;
use crate::store::{Guard, Key};

fn name(role: &Value) -> &str {
    role["metadata"]["name"].as_str().unwrap_or_default()
}

/// Brings the rules of every aggregated ClusterRole up to date.
pub fn aggregate_cluster_roles(guard: &mut Guard) {
    let roles = guard.list(CLUSTER_ROLES, None);
    for role in &roles {
        let Some(selectors) = role["aggregationRule"]["clusterRoleSelectors"].as_array() else {
            continue;
        };
        let Some(selectors) = selectors
            .iter()
            .map(LabelSelector::from_object)
            .collect::<Option<Vec<_>>>()
        else {
            tracing::warn!(role = name(role), "aggregationRule has an invalid selector");
            continue;
        };
        let mut matched: Vec<&Value> = selectors
            .iter()
            .flat_map(|selector| roles.iter().filter(|r| selector.matches(r)))
            .filter(|r| name(r) != name(role))
            .collect();
        matched.sort_by_key(|r| name(r));
        let mut rules: Vec<&Value> = Vec::new();
        for rule in matched
            .iter()
            .flat_map(|r| r["rules"].as_array().into_iter().flatten())
        {
            if !rules.contains(&rule) {
                rules.push(rule);
            }
        }
        let current: Vec<&Value> = role["rules"].as_array().into_iter().flatten().collect();
        if current != rules {
            let mut updated = role.clone();
            updated["rules"] = json!(rules);
            let key = Key {
                storage: CLUSTER_ROLES.to_owned(),
                namespace: String::new(),
                name: name(role).to_owned(),
            };
            guard.put(&key, updated);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn role(guard: &mut Guard, object: Value) {
        let key = Key {
            storage: CLUSTER_ROLES.to_owned(),
            namespace: String::new(),
            name: name(&object).to_owned(),
        };
        guard.put(&key, object);
    }

    #[test]
    fn aggregated_roles_collect_the_rules_of_the_roles_they_select() {
        let store = Store::new(100);
        let mut guard = store.lock();
        let read = json!({"apiGroups": ["dbmigrate.dev"], "resources": ["databasemigrations"], "verbs": ["get", "list", "watch"]});
        let write = json!({"apiGroups": ["dbmigrate.dev"], "resources": ["databasemigrations"], "verbs": ["create"]});
        role(
            &mut guard,
            json!({"metadata": {"name": "view"},
            "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"to-view": "true"}}]}}),
        );
        role(
            &mut guard,
            json!({"metadata": {"name": "b-viewer", "labels": {"to-view": "true"}}, "rules": [read]}),
        );
        role(
            &mut guard,
            json!({"metadata": {"name": "a-viewer", "labels": {"to-view": "true"}}, "rules": [read, write]}),
        );
        role(
            &mut guard,
            json!({"metadata": {"name": "other"}, "rules": [write]}),
        );
        aggregate_cluster_roles(&mut guard);
        let key = Key {
            storage: CLUSTER_ROLES.to_owned(),
            namespace: String::new(),
            name: "view".to_owned(),
        };
        assert_eq!(guard.get(&key).unwrap()["rules"], json!([read, write]));
        let rv = guard.rv();
        aggregate_cluster_roles(&mut guard);
        assert_eq!(guard.rv(), rv, "nothing changes when the rules are current");
    }
}
