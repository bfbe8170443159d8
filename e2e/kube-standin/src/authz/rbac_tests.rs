//! The RBAC authorizer against bindings in a store: a table of users, requests and the
//! decision and reason kube-apiserver gives.

use serde_json::{Value, json};

use super::*;
use crate::store::Store;

const G: &str = "rbac.authorization.k8s.io";

fn put(guard: &mut Guard, storage: &str, object: Value) {
    let key = Key {
        storage: storage.to_owned(),
        namespace: object["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        name: object["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    };
    guard.put(&key, object);
}

fn cluster_role(name: &str, rules: Value) -> Value {
    json!({"metadata": {"name": name}, "rules": rules})
}

fn binding(namespace: Option<&str>, name: &str, kind: &str, role: &str, subjects: Value) -> Value {
    let mut meta = json!({"name": name});
    if let Some(namespace) = namespace {
        meta["namespace"] = json!(namespace);
    }
    json!({"metadata": meta, "roleRef": {"apiGroup": G, "kind": kind, "name": role}, "subjects": subjects})
}

fn sa(namespace: &str, name: &str) -> Value {
    json!({"kind": "ServiceAccount", "name": name, "namespace": namespace})
}

/// The cluster of the table: an operator's ServiceAccount bound in `forum`, an application's
/// ServiceAccount with a Role for one ConfigMap, a group with a ClusterRoleBinding, and a
/// binding whose Role is missing.
fn fixture(store: &Store) {
    let mut guard = store.lock();
    let g = &mut guard;
    put(
        g,
        CLUSTER_ROLES,
        cluster_role(
            "job-runner",
            json!([
                {"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["create", "get", "list", "watch"]},
                {"apiGroups": ["dbmigrate.dev"], "resources": ["databasemigrations/status"], "verbs": ["patch"]},
                {"nonResourceURLs": ["/metrics"], "verbs": ["get"]},
            ]),
        ),
    );
    put(
        g,
        CLUSTER_ROLES,
        cluster_role(
            "node-reader",
            json!([
                {"apiGroups": [""], "resources": ["nodes"], "verbs": ["list"]},
                {"nonResourceURLs": ["/metrics"], "verbs": ["get"]},
            ]),
        ),
    );
    put(
        g,
        ROLES,
        json!({"metadata": {"name": "config-editor", "namespace": "forum"}, "rules": [
            {"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["forum-config"], "verbs": ["get", "update"]},
        ]}),
    );
    put(
        g,
        ROLE_BINDINGS,
        binding(
            Some("forum"),
            "runner",
            "ClusterRole",
            "job-runner",
            json!([sa("dbmigrate-system", "dbmigrate")]),
        ),
    );
    put(
        g,
        ROLE_BINDINGS,
        binding(
            Some("forum"),
            "app",
            "Role",
            "config-editor",
            json!([{"kind": "ServiceAccount", "name": "app"}]),
        ),
    );
    put(
        g,
        ROLE_BINDINGS,
        binding(
            Some("forum"),
            "broken",
            "Role",
            "missing",
            json!([{"apiGroup": G, "kind": "User", "name": "alice"}]),
        ),
    );
    put(
        g,
        CLUSTER_ROLE_BINDINGS,
        binding(
            None,
            "ops-nodes",
            "ClusterRole",
            "node-reader",
            json!([{"apiGroup": G, "kind": "Group", "name": "ops"}]),
        ),
    );
    // a ServiceAccount subject without a namespace names nobody in a ClusterRoleBinding
    put(
        g,
        CLUSTER_ROLE_BINDINGS,
        binding(
            None,
            "no-namespace",
            "ClusterRole",
            "node-reader",
            json!([{"kind": "ServiceAccount", "name": "app"}]),
        ),
    );
}

fn service_account(namespace: &str, name: &str) -> UserInfo {
    UserInfo::service_account(namespace, name).authenticated()
}

fn user(name: &str, groups: &[&str]) -> UserInfo {
    UserInfo {
        name: name.to_owned(),
        groups: groups.iter().map(|g| g.to_string()).collect(),
        ..UserInfo::default()
    }
    .authenticated()
}

fn resource(verb: &str, group: &str, namespace: &str, resource: &str, name: &str) -> Attributes {
    let (resource, subresource) = resource.split_once('/').unwrap_or((resource, ""));
    Attributes::resource(verb, group, namespace, resource, subresource, name)
}

#[test]
fn bindings_grant_what_kube_apiserver_grants() {
    let store = Store::new(100);
    fixture(&store);
    let operator = service_account("dbmigrate-system", "dbmigrate");
    let app = service_account("forum", "app");
    let runner = "RBAC: allowed by RoleBinding \"runner/forum\" of ClusterRole \"job-runner\" to ServiceAccount \"dbmigrate/dbmigrate-system\"";
    let editor = "RBAC: allowed by RoleBinding \"app/forum\" of Role \"config-editor\" to ServiceAccount \"app/forum\"";
    let ops = "RBAC: allowed by ClusterRoleBinding \"ops-nodes\" of ClusterRole \"node-reader\" to Group \"ops\"";
    let missing = "RBAC: role.rbac.authorization.k8s.io \"missing\" not found";
    let cases: Vec<(&str, UserInfo, Attributes, bool, &str)> = vec![
        (
            "a RoleBinding to a ClusterRole grants in its namespace",
            operator.clone(),
            resource("create", "batch", "forum", "jobs", ""),
            true,
            runner,
        ),
        (
            "... and nowhere else",
            operator.clone(),
            resource("create", "batch", "other", "jobs", ""),
            false,
            "",
        ),
        (
            "... not at the cluster scope either",
            operator.clone(),
            resource("list", "batch", "", "jobs", ""),
            false,
            "",
        ),
        (
            "a verb the role lacks",
            operator.clone(),
            resource("delete", "batch", "forum", "jobs", "j"),
            false,
            "",
        ),
        (
            "a subresource rule",
            operator.clone(),
            resource(
                "patch",
                "dbmigrate.dev",
                "forum",
                "databasemigrations/status",
                "m",
            ),
            true,
            runner,
        ),
        (
            "the main resource is not its subresource",
            operator.clone(),
            resource("patch", "dbmigrate.dev", "forum", "databasemigrations", "m"),
            false,
            "",
        ),
        (
            "a RoleBinding grants no non-resource URL",
            operator.clone(),
            Attributes::non_resource("get", "/metrics"),
            false,
            "",
        ),
        (
            "a ServiceAccount subject without namespace is one of the binding's namespace",
            app.clone(),
            resource("update", "", "forum", "configmaps", "forum-config"),
            true,
            editor,
        ),
        (
            "resourceNames: another name",
            app.clone(),
            resource("update", "", "forum", "configmaps", "other"),
            false,
            "",
        ),
        (
            "resourceNames: a list names nothing",
            app.clone(),
            resource("list", "", "forum", "configmaps", ""),
            false,
            "",
        ),
        (
            "the same name in another namespace is another ServiceAccount",
            service_account("other", "app"),
            resource("update", "", "forum", "configmaps", "forum-config"),
            false,
            "",
        ),
        (
            "a Group subject of a ClusterRoleBinding",
            user("bob", &["ops"]),
            resource("list", "", "", "nodes", ""),
            true,
            ops,
        ),
        (
            "... grants non-resource URLs too",
            user("bob", &["ops"]),
            Attributes::non_resource("get", "/metrics"),
            true,
            ops,
        ),
        (
            "... and in every namespace",
            user("bob", &["ops"]),
            resource("list", "", "forum", "nodes", ""),
            true,
            ops,
        ),
        (
            "a binding to a missing Role says so in the reason",
            user("alice", &[]),
            resource("get", "", "forum", "pods", "p"),
            false,
            missing,
        ),
        (
            "nobody else is allowed anything",
            user("carol", &[]),
            resource("get", "", "forum", "configmaps", "forum-config"),
            false,
            "",
        ),
    ];
    let guard = store.lock();
    for (what, user, attributes, allowed, reason) in cases {
        let decision = authorize(&guard, &user, &attributes);
        assert_eq!(
            (decision.allowed, decision.reason.as_str()),
            (allowed, reason),
            "{what}: {} {attributes:?}",
            user.name
        );
    }
}

#[test]
fn rules_for_lists_every_rule_of_a_user_in_a_namespace() {
    let store = Store::new(100);
    fixture(&store);
    let guard = store.lock();
    let operator = service_account("dbmigrate-system", "dbmigrate");
    let (rules, error) = rules_for(&guard, &operator, "forum");
    assert_eq!(rules.len(), 3);
    assert_eq!(error, "");
    assert!(rules_for(&guard, &operator, "other").0.is_empty());
    let (rules, error) = rules_for(&guard, &user("alice", &[]), "forum");
    assert!(rules.is_empty());
    assert_eq!(
        error,
        "role.rbac.authorization.k8s.io \"missing\" not found"
    );
}

#[test]
fn errors_are_aggregated_without_repeats() {
    assert_eq!(aggregate(&["a".into()]), "a");
    assert_eq!(aggregate(&["a".into(), "b".into(), "a".into()]), "[a, b]");
}
