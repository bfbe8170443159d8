//! The RBAC authorizer over the objects in the store: `VisitRulesFor` of
//! pkg/registry/rbac/validation/rule.go (ClusterRoleBindings everywhere, RoleBindings in the
//! request's namespace, each to a Role of its namespace or a ClusterRole; User, Group and
//! ServiceAccount subjects) and `Authorize`/`RulesFor` of plugin/pkg/auth/authorizer/rbac.

use k8s_openapi::api::rbac::v1::{
    ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef, Subject,
};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::Decision;
use super::attributes::Attributes;
use super::rules::rule_allows;
use crate::authn::user::{UserInfo, service_account_username};
use crate::store::{Guard, Key};

/// Storage of ClusterRoles.
pub const CLUSTER_ROLES: &str = "rbac.authorization.k8s.io/clusterroles";
/// Storage of ClusterRoleBindings.
pub const CLUSTER_ROLE_BINDINGS: &str = "rbac.authorization.k8s.io/clusterrolebindings";
const ROLES: &str = "rbac.authorization.k8s.io/roles";
const ROLE_BINDINGS: &str = "rbac.authorization.k8s.io/rolebindings";

/// One thing the visitor sees: a rule and the binding that grants it, or why a binding's
/// rules could not be read.
enum Visit<'a> {
    Rule {
        source: &'a str,
        rule: &'a PolicyRule,
    },
    Error(String),
}

fn typed<T: DeserializeOwned>(object: Value) -> Option<T> {
    serde_json::from_value(object).ok()
}

/// `VisitRulesFor`: every rule that applies to `user` in `namespace` ("" for cluster-scoped
/// requests), until `visit` returns false.
fn visit_rules_for(
    guard: &Guard,
    user: &UserInfo,
    namespace: &str,
    mut visit: impl FnMut(Visit<'_>) -> bool,
) {
    for binding in guard.list(CLUSTER_ROLE_BINDINGS, None) {
        let Some(binding) = typed::<ClusterRoleBinding>(binding) else {
            continue;
        };
        let subjects = binding.subjects.as_deref().unwrap_or_default();
        let Some(subject) = applies_to(user, subjects, "") else {
            continue;
        };
        let source = format!(
            "ClusterRoleBinding {:?} of {} {:?} to {}",
            binding.metadata.name.as_deref().unwrap_or_default(),
            binding.role_ref.kind,
            binding.role_ref.name,
            describe_subject(subject, "")
        );
        if !visit_role(guard, &binding.role_ref, "", &source, &mut visit) {
            return;
        }
    }
    if namespace.is_empty() {
        return;
    }
    for binding in guard.list(ROLE_BINDINGS, Some(namespace)) {
        let Some(binding) = typed::<RoleBinding>(binding) else {
            continue;
        };
        let subjects = binding.subjects.as_deref().unwrap_or_default();
        let Some(subject) = applies_to(user, subjects, namespace) else {
            continue;
        };
        let source = format!(
            "RoleBinding {:?} of {} {:?} to {}",
            format!(
                "{}/{namespace}",
                binding.metadata.name.as_deref().unwrap_or_default()
            ),
            binding.role_ref.kind,
            binding.role_ref.name,
            describe_subject(subject, namespace)
        );
        if !visit_role(guard, &binding.role_ref, namespace, &source, &mut visit) {
            return;
        }
    }
}

/// Visits the rules of the role a binding refers to; false once `visit` said stop.
fn visit_role(
    guard: &Guard,
    role_ref: &RoleRef,
    namespace: &str,
    source: &str,
    visit: &mut impl FnMut(Visit<'_>) -> bool,
) -> bool {
    match role_reference_rules(guard, role_ref, namespace) {
        Ok(rules) => rules.iter().all(|rule| visit(Visit::Rule { source, rule })),
        Err(error) => visit(Visit::Error(error)),
    }
}

/// `GetRoleReferenceRules`: the rules of a Role in `namespace` or of a ClusterRole.
fn role_reference_rules(
    guard: &Guard,
    role_ref: &RoleRef,
    namespace: &str,
) -> Result<Vec<PolicyRule>, String> {
    let (storage, namespace, singular) = match role_ref.kind.as_str() {
        "Role" => (ROLES, namespace, "role"),
        "ClusterRole" => (CLUSTER_ROLES, "", "clusterrole"),
        other => return Err(format!("unsupported role reference kind: {other:?}")),
    };
    let key = Key {
        storage: storage.to_owned(),
        namespace: namespace.to_owned(),
        name: role_ref.name.clone(),
    };
    let not_found = || {
        format!(
            "{singular}.rbac.authorization.k8s.io {:?} not found",
            role_ref.name
        )
    };
    let object = guard.get(&key).cloned().ok_or_else(not_found)?;
    let rules = if storage == ROLES {
        typed::<Role>(object).map(|role| role.rules)
    } else {
        typed::<ClusterRole>(object).map(|role| role.rules)
    };
    Ok(rules.flatten().unwrap_or_default())
}

/// `appliesTo`: the first subject that names `user` (a ServiceAccount subject without a
/// namespace means one in the binding's namespace).
fn applies_to<'s>(
    user: &UserInfo,
    subjects: &'s [Subject],
    namespace: &str,
) -> Option<&'s Subject> {
    subjects.iter().find(|subject| match subject.kind.as_str() {
        "User" => user.name == subject.name,
        "Group" => user.in_group(&subject.name),
        "ServiceAccount" => {
            let sa_namespace = subject
                .namespace
                .as_deref()
                .filter(|n| !n.is_empty())
                .unwrap_or(namespace);
            !sa_namespace.is_empty()
                && user.name == service_account_username(sa_namespace, &subject.name)
        }
        _ => false,
    })
}

fn describe_subject(subject: &Subject, binding_namespace: &str) -> String {
    if subject.kind == "ServiceAccount" {
        let namespace = subject
            .namespace
            .as_deref()
            .filter(|n| !n.is_empty())
            .unwrap_or(binding_namespace);
        format!(
            "{} {:?}",
            subject.kind,
            format!("{}/{namespace}", subject.name)
        )
    } else {
        format!("{} {:?}", subject.kind, subject.name)
    }
}

/// `utilerrors.NewAggregate(errs).Error()`: one message, or `[a, b]` without repeats.
fn aggregate(errors: &[String]) -> String {
    let mut distinct: Vec<&str> = Vec::new();
    for error in errors {
        if !distinct.contains(&error.as_str()) {
            distinct.push(error);
        }
    }
    match distinct.as_slice() {
        [one] => (*one).to_owned(),
        many => format!("[{}]", many.join(", ")),
    }
}

/// The RBAC authorizer's decision: allowed by the first rule that matches (the reason names
/// its binding), else no opinion, with `RBAC: <errors>` when bindings referred to roles that
/// could not be read.
pub fn authorize(guard: &Guard, user: &UserInfo, attributes: &Attributes) -> Decision {
    let mut allowed_by = None;
    let mut errors = Vec::new();
    visit_rules_for(guard, user, &attributes.namespace, |visit| match visit {
        Visit::Rule { source, rule } => {
            if rule_allows(attributes, rule) {
                allowed_by = Some(format!("RBAC: allowed by {source}"));
                return false;
            }
            true
        }
        Visit::Error(error) => {
            errors.push(error);
            true
        }
    });
    match allowed_by {
        Some(reason) => Decision {
            allowed: true,
            reason,
        },
        None => Decision {
            allowed: false,
            reason: if errors.is_empty() {
                String::new()
            } else {
                format!("RBAC: {}", aggregate(&errors))
            },
        },
    }
}

/// `RulesFor`: every rule that applies to `user` in `namespace`, and the errors met on the way.
pub fn rules_for(guard: &Guard, user: &UserInfo, namespace: &str) -> (Vec<PolicyRule>, String) {
    let mut rules = Vec::new();
    let mut errors = Vec::new();
    visit_rules_for(guard, user, namespace, |visit| {
        match visit {
            Visit::Rule { rule, .. } => rules.push(rule.clone()),
            Visit::Error(error) => errors.push(error),
        }
        true
    });
    let error = if errors.is_empty() {
        String::new()
    } else {
        aggregate(&errors)
    };
    (rules, error)
}

#[cfg(test)]
#[path = "rbac_tests.rs"]
mod tests;
