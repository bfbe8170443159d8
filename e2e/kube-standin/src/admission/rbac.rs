//! RBAC objects as kube-apiserver defaults them (pkg/apis/rbac/v1/defaults.go: the API group of
//! `roleRef` and of User/Group subjects) and validates them (pkg/apis/rbac/validation): rules
//! need verbs and either resources with API groups or non-resource URLs (these only in
//! ClusterRoles), bindings need a known role kind and well-formed subjects, and a binding's
//! `roleRef` cannot change.

use serde_json::{Value, json};

use crate::error::Cause;

/// The RBAC API group.
pub const GROUP: &str = "rbac.authorization.k8s.io";

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

/// `%#v` of a Go `[]string`.
fn go_strings(values: &[&str]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
    format!("[]string{{{}}}", quoted.join(", "))
}

/// Fills in the API groups kube-apiserver defaults on RBAC objects of `kind`.
pub fn default(kind: &str, object: &mut Value) {
    if !matches!(kind, "RoleBinding" | "ClusterRoleBinding") {
        return;
    }
    if object["roleRef"].is_object() && text(&object["roleRef"]["apiGroup"]).is_empty() {
        object["roleRef"]["apiGroup"] = json!(GROUP);
    }
    for subject in object["subjects"].as_array_mut().into_iter().flatten() {
        if text(&subject["apiGroup"]).is_empty()
            && matches!(text(&subject["kind"]), "User" | "Group")
        {
            subject["apiGroup"] = json!(GROUP);
        }
    }
}

/// `IsValidPathSegmentName`: what is wrong with an RBAC object's (or role reference's) name.
pub fn name_problems(name: &str) -> Vec<&'static str> {
    let mut problems = Vec::new();
    if name == "." || name == ".." {
        problems.push(if name == "." {
            "may not be '.'"
        } else {
            "may not be '..'"
        });
    }
    if name.contains('/') {
        problems.push("may not contain '/'");
    }
    if name.contains('%') {
        problems.push("may not contain '%'");
    }
    problems
}

/// The validation errors of an RBAC object of `kind` (`old` on updates).
pub fn validate(kind: &str, object: &Value, old: Option<&Value>) -> Vec<Cause> {
    let mut causes = Vec::new();
    let mut cause = |reason: &'static str, field: String, message: String| {
        causes.push(Cause {
            reason,
            field,
            message,
        });
    };
    match kind {
        "Role" | "ClusterRole" => {
            let namespaced = kind == "Role";
            for (i, rule) in object["rules"].as_array().into_iter().flatten().enumerate() {
                let path = format!("rules[{i}]");
                if strings(&rule["verbs"]).is_empty() {
                    cause(
                        "FieldValueRequired",
                        format!("{path}.verbs"),
                        "Required value: verbs must contain at least one value".to_owned(),
                    );
                }
                let urls = strings(&rule["nonResourceURLs"]);
                if !urls.is_empty() {
                    let field = format!("{path}.nonResourceURLs");
                    if namespaced {
                        cause(
                            "FieldValueInvalid",
                            field.clone(),
                            format!(
                                "Invalid value: {}: namespaced rules cannot apply to non-resource URLs",
                                go_strings(&urls)
                            ),
                        );
                    }
                    let resources = ["apiGroups", "resources", "resourceNames"];
                    if resources.iter().any(|f| !strings(&rule[*f]).is_empty()) {
                        cause(
                            "FieldValueInvalid",
                            field,
                            format!(
                                "Invalid value: {}: rules cannot apply to both regular resources and non-resource URLs",
                                go_strings(&urls)
                            ),
                        );
                    }
                    continue;
                }
                if strings(&rule["apiGroups"]).is_empty() {
                    cause(
                        "FieldValueRequired",
                        format!("{path}.apiGroups"),
                        "Required value: resource rules must supply at least one api group"
                            .to_owned(),
                    );
                }
                if strings(&rule["resources"]).is_empty() {
                    cause(
                        "FieldValueRequired",
                        format!("{path}.resources"),
                        "Required value: resource rules must supply at least one resource"
                            .to_owned(),
                    );
                }
            }
        }
        "RoleBinding" | "ClusterRoleBinding" => {
            let namespaced = kind == "RoleBinding";
            let role_ref = &object["roleRef"];
            if text(&role_ref["apiGroup"]) != GROUP {
                cause(
                    "FieldValueNotSupported",
                    "roleRef.apiGroup".to_owned(),
                    format!(
                        "Unsupported value: {:?}: supported values: {GROUP:?}",
                        text(&role_ref["apiGroup"])
                    ),
                );
            }
            let kinds: &[&str] = if namespaced {
                &["Role", "ClusterRole"]
            } else {
                &["ClusterRole"]
            };
            if !kinds.contains(&text(&role_ref["kind"])) {
                let supported: Vec<String> = kinds.iter().map(|k| format!("{k:?}")).collect();
                cause(
                    "FieldValueNotSupported",
                    "roleRef.kind".to_owned(),
                    format!(
                        "Unsupported value: {:?}: supported values: {}",
                        text(&role_ref["kind"]),
                        supported.join(", ")
                    ),
                );
            }
            let role = text(&role_ref["name"]);
            if role.is_empty() {
                cause(
                    "FieldValueRequired",
                    "roleRef.name".to_owned(),
                    "Required value".to_owned(),
                );
            }
            for problem in name_problems(role) {
                cause(
                    "FieldValueInvalid",
                    "roleRef.name".to_owned(),
                    format!("Invalid value: {role:?}: {problem}"),
                );
            }
            for (i, subject) in object["subjects"]
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
            {
                for (reason, field, message) in subject_problems(subject, namespaced) {
                    cause(reason, format!("subjects[{i}].{field}"), message);
                }
            }
            if let Some(old) = old
                && old["roleRef"] != object["roleRef"]
            {
                cause(
                    "FieldValueInvalid",
                    "roleRef".to_owned(),
                    format!(
                        "Invalid value: rbac.RoleRef{{APIGroup:{:?}, Kind:{:?}, Name:{:?}}}: cannot change roleRef",
                        text(&role_ref["apiGroup"]),
                        text(&role_ref["kind"]),
                        role
                    ),
                );
            }
        }
        _ => {}
    }
    causes
}

/// `ValidateRoleBindingSubject`: (reason, field under the subject, message).
fn subject_problems(
    subject: &Value,
    namespaced: bool,
) -> Vec<(&'static str, &'static str, String)> {
    let mut problems = Vec::new();
    let (kind, name, group) = (
        text(&subject["kind"]),
        text(&subject["name"]),
        text(&subject["apiGroup"]),
    );
    if name.is_empty() {
        problems.push(("FieldValueRequired", "name", "Required value".to_owned()));
    }
    match kind {
        "ServiceAccount" => {
            if !name.is_empty() && !super::valid_dns_name(name, false) {
                problems.push(("FieldValueInvalid", "name", format!(
                    "Invalid value: {name:?}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
                )));
            }
            if !group.is_empty() {
                problems.push(("FieldValueNotSupported", "apiGroup", format!(
                    "Unsupported value: {group:?}: supported values: \"\""
                )));
            }
            if !namespaced && text(&subject["namespace"]).is_empty() {
                problems.push(("FieldValueRequired", "namespace", "Required value".to_owned()));
            }
        }
        "User" | "Group" => {
            if group != GROUP {
                problems.push(("FieldValueNotSupported", "apiGroup", format!(
                    "Unsupported value: {group:?}: supported values: {GROUP:?}"
                )));
            }
        }
        other => problems.push(("FieldValueNotSupported", "kind", format!(
            "Unsupported value: {other:?}: supported values: \"ServiceAccount\", \"User\", \"Group\""
        ))),
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(kind: &str, object: Value, old: Option<&Value>) -> Vec<String> {
        validate(kind, &object, old)
            .into_iter()
            .map(|c| format!("{}: {}", c.field, c.message))
            .collect()
    }

    #[test]
    fn bindings_get_their_api_groups_and_keep_their_role() {
        let mut binding = json!({"roleRef": {"kind": "ClusterRole", "name": "view"},
            "subjects": [{"kind": "User", "name": "alice"}, {"kind": "ServiceAccount", "name": "sa"}]});
        default("ClusterRoleBinding", &mut binding);
        assert_eq!(binding["roleRef"]["apiGroup"], GROUP);
        assert_eq!(binding["subjects"][0]["apiGroup"], GROUP);
        assert!(binding["subjects"][1].get("apiGroup").is_none());
        assert_eq!(
            messages("ClusterRoleBinding", binding.clone(), None),
            ["subjects[1].namespace: Required value"]
        );
        let mut changed = binding.clone();
        changed["roleRef"]["name"] = json!("edit");
        changed["subjects"][1]["namespace"] = json!("ns");
        assert_eq!(
            messages("ClusterRoleBinding", changed, Some(&binding)),
            [
                "roleRef: Invalid value: rbac.RoleRef{APIGroup:\"rbac.authorization.k8s.io\", Kind:\"ClusterRole\", Name:\"edit\"}: cannot change roleRef"
            ]
        );
        let role_in_cluster_binding =
            json!({"roleRef": {"apiGroup": GROUP, "kind": "Role", "name": "r"}});
        assert_eq!(
            messages("ClusterRoleBinding", role_in_cluster_binding, None),
            ["roleRef.kind: Unsupported value: \"Role\": supported values: \"ClusterRole\""]
        );
    }

    #[test]
    fn rules_need_verbs_and_a_target() {
        let role = json!({"rules": [
            {"apiGroups": [""], "resources": ["pods"]},
            {"verbs": ["get"], "nonResourceURLs": ["/metrics"]},
            {"verbs": ["get"], "resources": ["pods"]},
        ]});
        assert_eq!(
            messages("Role", role, None),
            [
                "rules[0].verbs: Required value: verbs must contain at least one value",
                "rules[1].nonResourceURLs: Invalid value: []string{\"/metrics\"}: namespaced rules cannot apply to non-resource URLs",
                "rules[2].apiGroups: Required value: resource rules must supply at least one api group",
            ]
        );
        assert_eq!(name_problems("system:discovery"), Vec::<&str>::new());
        assert_eq!(name_problems("a/b"), ["may not contain '/'"]);
    }
}
