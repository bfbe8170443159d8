//! The review APIs, create-only and never stored: `authorization.k8s.io/v1`
//! SelfSubjectAccessReview and SubjectAccessReview (`kubectl auth can-i [--as]`),
//! SelfSubjectRulesReview (`kubectl auth can-i --list`), and `authentication.k8s.io/v1`
//! SelfSubjectReview (`kubectl auth whoami`), answered as pkg/registry/authorization and
//! pkg/registry/authentication do.

use std::collections::BTreeMap;

use k8s_openapi::api::rbac::v1::PolicyRule;
use serde_json::{Map, Value, json};

use super::{Attributes, Mode, authorize, rules_for};
use crate::authn::user::UserInfo;
use crate::error::{ApiError, Cause};
use crate::store::Guard;

const GROUP: &str = "authorization.k8s.io";

/// The answer to a review of `kind` posted by `user` (kube-apiserver answers 201 Created).
pub fn create(
    mode: Mode,
    guard: &Guard,
    kind: &str,
    user: &UserInfo,
    mut review: Value,
) -> Result<Value, ApiError> {
    if let Some(sent) = review["kind"]
        .as_str()
        .filter(|k| !k.is_empty() && *k != kind)
    {
        return Err(ApiError::bad_request(format!(
            "the kind in the data ({sent}) does not match the expected kind ({kind})"
        )));
    }
    let status = match kind {
        "SelfSubjectAccessReview" => access(mode, guard, kind, user, &review["spec"])?,
        "SubjectAccessReview" => {
            let spec = &review["spec"];
            let strings = |v: &Value| -> Vec<String> {
                v.as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            };
            let subject = UserInfo {
                name: spec["user"].as_str().unwrap_or_default().to_owned(),
                uid: spec["uid"].as_str().unwrap_or_default().to_owned(),
                groups: strings(&spec["groups"]),
                extra: spec["extra"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| (k.clone(), strings(v)))
                    .collect::<BTreeMap<_, _>>(),
            };
            if subject.name.is_empty() && subject.groups.is_empty() {
                return Err(invalid(
                    kind,
                    "spec.user",
                    "Invalid value: \"\": at least one of user or group must be specified",
                ));
            }
            access(mode, guard, kind, &subject, spec)?
        }
        "SelfSubjectRulesReview" => {
            let namespace = review["spec"]["namespace"].as_str().unwrap_or_default();
            let (rules, error) = rules_for(mode, guard, user, namespace);
            rules_status(&rules, &error)
        }
        "SelfSubjectReview" => json!({"userInfo": user.to_json()}),
        other => {
            return Err(ApiError::internal(format!(
                "no review handler for kind {other}"
            )));
        }
    };
    review["metadata"] = json!({"creationTimestamp": null});
    review["status"] = status;
    Ok(review)
}

fn invalid(kind: &str, field: &str, message: &str) -> ApiError {
    ApiError::invalid(
        kind,
        GROUP,
        "",
        vec![Cause {
            reason: "FieldValueInvalid",
            field: field.to_owned(),
            message: message.to_owned(),
        }],
    )
}

/// `SubjectAccessReviewStatus` of a (self) subject access review's spec.
fn access(
    mode: Mode,
    guard: &Guard,
    kind: &str,
    user: &UserInfo,
    spec: &Value,
) -> Result<Value, ApiError> {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let resource = &spec["resourceAttributes"];
    let path = &spec["nonResourceAttributes"];
    let attributes = match (resource.is_object(), path.is_object()) {
        (true, false) => Attributes {
            verb: text(&resource["verb"]),
            resource_request: true,
            api_group: text(&resource["group"]),
            api_version: Some(text(&resource["version"]))
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| "*".to_owned()),
            namespace: text(&resource["namespace"]),
            resource: text(&resource["resource"]),
            subresource: text(&resource["subresource"]),
            name: text(&resource["name"]),
            path: String::new(),
        },
        (false, true) => Attributes::non_resource(&text(&path["verb"]), &text(&path["path"])),
        (true, true) => {
            return Err(invalid(
                kind,
                "spec.nonResourceAttributes",
                &format!(
                    "Invalid value: {path}: cannot be specified in combination with resourceAttributes"
                ),
            ));
        }
        (false, false) => {
            return Err(invalid(
                kind,
                "spec.resourceAttributes",
                "Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified",
            ));
        }
    };
    let decision = authorize(mode, guard, user, &attributes);
    let mut status = json!({"allowed": decision.allowed});
    if !decision.reason.is_empty() {
        status["reason"] = json!(decision.reason);
    }
    Ok(status)
}

/// `SubjectRulesReviewStatus`: resource rules and non-resource rules, as RBAC's `RulesFor`
/// splits them.
fn rules_status(rules: &[PolicyRule], error: &str) -> Value {
    let mut resource_rules = Vec::new();
    let mut non_resource_rules = Vec::new();
    for rule in rules {
        fn list(values: &Option<Vec<String>>) -> Option<&Vec<String>> {
            values.as_ref().filter(|v| !v.is_empty())
        }
        if let Some(resources) = list(&rule.resources) {
            let mut out = Map::new();
            out.insert("verbs".into(), json!(rule.verbs));
            if let Some(groups) = list(&rule.api_groups) {
                out.insert("apiGroups".into(), json!(groups));
            }
            out.insert("resources".into(), json!(resources));
            if let Some(names) = list(&rule.resource_names) {
                out.insert("resourceNames".into(), json!(names));
            }
            resource_rules.push(Value::Object(out));
        }
        if let Some(urls) = list(&rule.non_resource_urls) {
            non_resource_rules.push(json!({"verbs": rule.verbs, "nonResourceURLs": urls}));
        }
    }
    let mut status = json!({
        "resourceRules": resource_rules,
        "nonResourceRules": non_resource_rules,
        "incomplete": false,
    });
    if !error.is_empty() {
        status["evaluationError"] = json!(error);
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn access_reviews_need_exactly_one_kind_of_attributes() {
        let store = Store::new(10);
        let guard = store.lock();
        let user = UserInfo::anonymous();
        let review = |spec: Value| {
            create(
                Mode::Rbac,
                &guard,
                "SelfSubjectAccessReview",
                &user,
                json!({"spec": spec}),
            )
        };
        let neither = review(json!({})).unwrap_err();
        assert_eq!(
            neither.message,
            "SelfSubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.resourceAttributes: Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified"
        );
        let denied = review(json!({"resourceAttributes": {"verb": "get", "resource": "pods"}}));
        assert_eq!(denied.unwrap()["status"], json!({"allowed": false}));
        let nobody = create(
            Mode::Rbac,
            &guard,
            "SubjectAccessReview",
            &user,
            json!({"spec": {"nonResourceAttributes": {"verb": "get", "path": "/version"}}}),
        )
        .unwrap_err();
        assert!(
            nobody
                .message
                .contains("at least one of user or group must be specified")
        );
    }

    #[test]
    fn rules_reviews_split_resource_and_url_rules() {
        let store = Store::new(10);
        let guard = store.lock();
        let review = create(
            Mode::AlwaysAllow,
            &guard,
            "SelfSubjectRulesReview",
            &UserInfo::anonymous(),
            json!({"spec": {"namespace": "default"}}),
        )
        .unwrap();
        assert_eq!(
            review["status"],
            json!({
                "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
                "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
                "incomplete": false,
            })
        );
    }
}
