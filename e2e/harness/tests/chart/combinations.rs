//! The documented combinations of the chart's values, and what each one's render must hold:
//! the RBAC of docs/rbac.md for its scope and Secret access, the Deployment's arguments, the
//! optional objects.

use std::collections::BTreeSet;

use e2e_harness::chart::RELEASE_NAMESPACE;
use e2e_harness::rbac_reference::{RbacReference, RbacRow, RbacScope};
use serde_yaml::Value;

use crate::manifests::{find, str_at};

/// Watched namespaces of the namespaced combinations.
pub const WATCHED: [&str; 2] = ["forum", "shop"];

/// The message of the render that must fail: namespaced Secret access over all namespaces.
pub const CLUSTER_WIDE_SECRETS_REFUSED: &str = "secretAccess: namespaced needs watchNamespaces";

/// What one combination of values asks for.
#[derive(Clone, Copy, Debug)]
pub struct Combination {
    all_namespaces: bool,
    secret_access: &'static str,
    leader_election: bool,
    optional_parts: bool,
}

impl Combination {
    /// Every documented combination: all namespaces or a list × secretAccess auto, namespaced
    /// and none × leader election on and off, and the optional parts (ServiceMonitor,
    /// NetworkPolicy, waitRBAC, runner defaults; PodDisruptionBudget off) on for both scopes.
    pub fn all() -> Vec<Self> {
        let mut combinations = Vec::new();
        for all_namespaces in [true, false] {
            for secret_access in ["auto", "namespaced", "none"] {
                for leader_election in [true, false] {
                    combinations.push(Self {
                        all_namespaces,
                        secret_access,
                        leader_election,
                        optional_parts: false,
                    });
                }
            }
            combinations.push(Self {
                all_namespaces,
                secret_access: "auto",
                leader_election: true,
                optional_parts: true,
            });
        }
        combinations
    }

    pub fn name(&self) -> String {
        format!(
            "{}-secrets-{}-leader-{}{}",
            if self.all_namespaces { "all" } else { "list" },
            self.secret_access,
            if self.leader_election { "on" } else { "off" },
            if self.optional_parts { "-optional" } else { "" },
        )
    }

    pub fn values(&self) -> String {
        let mut values = format!("secretAccess: {}\n", self.secret_access);
        if !self.all_namespaces {
            values += &format!("watchNamespaces: [{}]\n", WATCHED.join(", "));
        }
        if !self.leader_election {
            values += "leaderElection: {enabled: false}\nreplicas: 1\n";
        }
        if self.optional_parts {
            values += r#"
metrics: {serviceMonitor: {enabled: true, labels: {release: prometheus}}}
networkPolicy:
  enabled: true
  apiServerCIDRs: [10.96.0.1/32]
  metricsFrom: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]
waitRBAC:
  enabled: true
  serviceAccounts: [{namespace: forum, name: app}, {namespace: forum, name: worker}, {namespace: shop, name: web}]
podDisruptionBudget: {enabled: false}
runnerDefaults:
  image: registry.example/dbmigrate:pinned
  activeDeadlineSeconds: 1800
  ttlSecondsAfterFinished: 3600
  resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 512Mi}}
imagePullSecrets: [{name: registry}]
"#;
        }
        values
    }

    /// The Secret access in effect, or `None` when the render must fail.
    pub fn effective_secret_access(&self) -> Option<&'static str> {
        match (self.secret_access, self.all_namespaces) {
            ("namespaced", true) => None,
            ("auto", true) => Some("none"),
            ("auto", false) => Some("namespaced"),
            (mode, _) => Some(mode),
        }
    }
}

/// The resources a Role or ClusterRole grants, as `group/resource:verb` strings.
fn grants(role: &Value) -> BTreeSet<String> {
    let mut grants = BTreeSet::new();
    for rule in role["rules"].as_sequence().expect("rules") {
        let list = |key: &str| -> Vec<String> {
            rule[key]
                .as_sequence()
                .map(|items| {
                    items
                        .iter()
                        .map(|i| i.as_str().unwrap_or("").to_owned())
                        .collect()
                })
                .unwrap_or_default()
        };
        let names = list("resourceNames");
        for group in list("apiGroups") {
            for resource in list("resources") {
                for verb in list("verbs") {
                    let named = if names.is_empty() {
                        String::new()
                    } else {
                        format!("[{}]", names.join(","))
                    };
                    grants.insert(format!("{group}/{resource}{named}:{verb}"));
                }
            }
        }
    }
    grants
}

/// The grants of `rows` of docs/rbac.md (parsed by `e2e_harness::rbac_reference`, which also
/// builds the RBAC the e2e operator runs under), in the form of [`grants`]: so the chart grants
/// exactly what the e2e scenarios prove the operator needs.
fn table_grants<'a>(rows: impl Iterator<Item = &'a RbacRow>) -> BTreeSet<String> {
    rows.flat_map(|row| {
        let named = if row.resource_names.is_empty() {
            String::new()
        } else {
            format!("[{}]", row.resource_names.join(","))
        };
        row.verbs
            .iter()
            .map(move |verb| format!("{}/{}{named}:{verb}", row.api_group, row.resource))
    })
    .collect()
}

/// The operator's rows of `scope`, the `secrets` row only when it `reads_secrets`.
fn operator_grants(scope: RbacScope, reads_secrets: bool) -> BTreeSet<String> {
    let reference = RbacReference::of_repository().expect("docs/rbac.md");
    table_grants(
        reference
            .operator
            .iter()
            .filter(|row| row.scope == scope && (reads_secrets || row.resource != "secrets")),
    )
}

/// The rows of `dbmigrate wait` (the chart's `waitRBAC` Role).
fn wait_grants() -> BTreeSet<String> {
    let reference = RbacReference::of_repository().expect("docs/rbac.md");
    table_grants(reference.wait.iter())
}

/// Asserts the objects and the RBAC of one combination's render.
pub fn assert_render(combination: &Combination, docs: &[Value]) {
    let name = combination.name();
    let secrets = combination.effective_secret_access() == Some("namespaced");
    let ns = RELEASE_NAMESPACE;
    if combination.all_namespaces {
        let role = find(docs, "ClusterRole", "", "dbmigrate").expect("the ClusterRole");
        assert_eq!(
            grants(role),
            operator_grants(RbacScope::Watched, secrets),
            "{name}: ClusterRole"
        );
        assert!(
            find(docs, "ClusterRoleBinding", "", "dbmigrate").is_some(),
            "{name}"
        );
    } else {
        for watched in WATCHED {
            let role = find(docs, "Role", watched, "dbmigrate").expect("a Role per namespace");
            assert_eq!(
                grants(role),
                operator_grants(RbacScope::Watched, secrets),
                "{name}: Role in {watched}"
            );
            assert!(
                find(docs, "RoleBinding", watched, "dbmigrate").is_some(),
                "{name}"
            );
        }
        assert!(
            find(docs, "ClusterRole", "", "dbmigrate").is_none(),
            "{name}"
        );
    }
    for doc in docs
        .iter()
        .filter(|d| str_at(d, &["kind"]) == "ClusterRole")
    {
        let secret_rules: Vec<_> = grants(doc)
            .into_iter()
            .filter(|g| g.contains("secrets"))
            .collect();
        assert!(
            secret_rules.is_empty(),
            "{name}: a ClusterRole grants {secret_rules:?}"
        );
    }
    let lease_role = find(docs, "Role", ns, "dbmigrate-leader-election");
    if combination.leader_election {
        let expected = operator_grants(RbacScope::Own, false);
        assert_eq!(
            grants(lease_role.expect("the Lease Role")),
            expected,
            "{name}"
        );
    } else {
        assert!(
            lease_role.is_none(),
            "{name}: no leader election, no Lease rules"
        );
    }
    let deployment = find(docs, "Deployment", ns, "dbmigrate").expect("the Deployment");
    let args: Vec<&str> = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
        .as_sequence()
        .expect("args")
        .iter()
        .map(|a| a.as_str().unwrap_or(""))
        .collect();
    let effective = combination.effective_secret_access().unwrap_or_default();
    assert!(
        args.contains(&format!("--secret-access={effective}").as_str()),
        "{name}: {args:?}"
    );
    let leader = format!("--leader-election={}", combination.leader_election);
    assert!(args.contains(&leader.as_str()), "{name}: {args:?}");
    let namespaces = format!("--namespace={}", WATCHED.join(","));
    assert_eq!(
        args.contains(&namespaces.as_str()),
        !combination.all_namespaces,
        "{name}: {args:?}"
    );
    let optional = [
        ("ServiceMonitor", ns, "dbmigrate"),
        ("NetworkPolicy", ns, "dbmigrate"),
        ("Role", "forum", "dbmigrate-wait"),
        ("RoleBinding", "shop", "dbmigrate-wait"),
    ];
    for (kind, namespace, object) in optional {
        let present = find(docs, kind, namespace, object).is_some();
        assert_eq!(
            present, combination.optional_parts,
            "{name}: {kind} {namespace}/{object}"
        );
    }
    let pdb = find(docs, "PodDisruptionBudget", ns, "dbmigrate").is_some();
    assert_eq!(
        pdb, !combination.optional_parts,
        "{name}: PodDisruptionBudget"
    );
    if combination.optional_parts {
        let defaults = args
            .iter()
            .find_map(|a| a.strip_prefix("--runner-defaults="));
        let defaults: serde_json::Value =
            serde_json::from_str(defaults.expect("--runner-defaults")).expect("JSON");
        assert_eq!(defaults["activeDeadlineSeconds"], 1800, "{name}");
        assert_eq!(defaults["resources"]["limits"]["memory"], "512Mi", "{name}");
        // the step image comes from runnerDefaults alone (the operator refuses both)
        assert_eq!(
            defaults["image"], "registry.example/dbmigrate:pinned",
            "{name}"
        );
        assert!(
            !args.iter().any(|a| a.starts_with("--image=")),
            "{name}: {args:?}"
        );
    } else {
        let image = args.iter().find_map(|a| a.strip_prefix("--image="));
        assert!(
            image.is_some_and(|i| i.starts_with("ghcr.io/dbmigrate/dbmigrate:")),
            "{name}: {args:?}"
        );
    }
    if combination.optional_parts {
        let wait_role = find(docs, "Role", "forum", "dbmigrate-wait").expect("wait Role");
        assert_eq!(grants(wait_role), wait_grants(), "{name}: waitRBAC's Role");
        let binding = find(docs, "RoleBinding", "forum", "dbmigrate-wait").expect("wait binding");
        let subjects = binding["subjects"].as_sequence().expect("subjects");
        let names: Vec<&str> = subjects.iter().map(|s| str_at(s, &["name"])).collect();
        assert_eq!(
            names,
            ["app", "worker"],
            "{name}: the forum ServiceAccounts only"
        );
    }
}
