//! Built-in kinds: defaulting as kube-apiserver does it, then decoding as the real types
//! (k8s-openapi) — a wrong type is `400 BadRequest`, fields the type does not have are unknown
//! (pruned, as the real server's decoder drops them) — then the validation the tests rely on.

use base64::Engine;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::error::{ApiError, Cause};

/// Applies kube-apiserver's defaults for `kind` to a new or updated object.
pub fn default(group: &str, kind: &str, object: &mut Value) {
    match (group, kind) {
        ("", "Secret") => default_secret(object),
        ("", "Namespace") => {
            let name = object["metadata"]["name"].clone();
            object["metadata"]["labels"]["kubernetes.io/metadata.name"] = name;
            if object["spec"]["finalizers"].is_null() {
                object["spec"]["finalizers"] = json!(["kubernetes"]);
            }
            if object["status"]["phase"].is_null() {
                object["status"]["phase"] = json!("Active");
            }
        }
        ("", "Pod") => {
            default_pod_spec(&mut object["spec"]);
            if object["status"]["phase"].is_null() {
                object["status"] = json!({"phase": "Pending", "qosClass": "BestEffort"});
            }
        }
        ("batch", "Job") => default_job(object),
        ("apiextensions.k8s.io", "CustomResourceDefinition") => default_crd(object),
        (super::rbac::GROUP, kind) => super::rbac::default(kind, object),
        _ => {}
    }
}

/// Names get their defaults; the CRD is accepted and established at once (names are not
/// checked against other CRDs), and keeps its instances' cleanup finalizer.
fn default_crd(crd: &mut Value) {
    let kind = crd["spec"]["names"]["kind"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    or_default(
        &mut crd["spec"]["names"],
        "singular",
        json!(kind.to_lowercase()),
    );
    or_default(
        &mut crd["spec"]["names"],
        "listKind",
        json!(format!("{kind}List")),
    );
    if crd["metadata"]["deletionTimestamp"].is_null() {
        let finalizers = &mut crd["metadata"]["finalizers"];
        let cleanup = json!("customresourcecleanup.apiextensions.k8s.io");
        match finalizers.as_array_mut() {
            Some(list) if list.contains(&cleanup) => {}
            Some(list) => list.push(cleanup),
            None => *finalizers = json!([cleanup]),
        }
    }
    let since = crd["metadata"]["creationTimestamp"].clone();
    let condition = |kind: &str, reason: &str, message: &str| json!({"type": kind, "status": "True", "lastTransitionTime": since, "reason": reason, "message": message});
    let stored: Vec<Value> = crd["spec"]["versions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| v["storage"] == true)
        .map(|v| v["name"].clone())
        .collect();
    crd["status"] = json!({
        "acceptedNames": crd["spec"]["names"],
        "conditions": [
            condition("NamesAccepted", "NoConflicts", "no conflicts found"),
            condition("Established", "InitialNamesAccepted", "the initial names have been accepted"),
        ],
        "storedVersions": stored,
    });
}

/// `stringData` is write-only: merged into `data` (base64), as the real server does.
fn default_secret(object: &mut Value) {
    if let Some(Value::Object(string_data)) =
        object.as_object_mut().and_then(|o| o.remove("stringData"))
    {
        for (key, value) in string_data {
            let text = value.as_str().unwrap_or_default();
            object["data"][key] = json!(base64::engine::general_purpose::STANDARD.encode(text));
        }
    }
    if object["type"].is_null() {
        object["type"] = json!("Opaque");
    }
}

fn or_default(target: &mut Value, field: &str, value: Value) {
    if target[field].is_null() {
        target[field] = value;
    }
}

fn default_pod_spec(spec: &mut Value) {
    or_default(spec, "restartPolicy", json!("Always"));
    or_default(spec, "terminationGracePeriodSeconds", json!(30));
    or_default(spec, "dnsPolicy", json!("ClusterFirst"));
    or_default(spec, "schedulerName", json!("default-scheduler"));
    or_default(spec, "securityContext", json!({}));
    or_default(spec, "serviceAccountName", json!("default"));
    or_default(spec, "enableServiceLinks", json!(true));
    for list in ["initContainers", "containers"] {
        for container in spec[list].as_array_mut().into_iter().flatten() {
            or_default(
                container,
                "terminationMessagePath",
                json!("/dev/termination-log"),
            );
            or_default(container, "terminationMessagePolicy", json!("File"));
            or_default(container, "resources", json!({}));
            let image = container["image"].as_str().unwrap_or_default();
            let tag = image.rsplit('/').next().unwrap_or_default();
            let policy = if !tag.contains(':') || tag.ends_with(":latest") {
                "Always"
            } else {
                "IfNotPresent"
            };
            or_default(container, "imagePullPolicy", json!(policy));
        }
    }
}

fn default_job(job: &mut Value) {
    let uid = job["metadata"]["uid"].clone();
    let name = job["metadata"]["name"].clone();
    let spec = &mut job["spec"];
    or_default(spec, "backoffLimit", json!(6));
    or_default(spec, "completions", json!(1));
    or_default(spec, "parallelism", json!(1));
    or_default(spec, "completionMode", json!("NonIndexed"));
    or_default(spec, "suspend", json!(false));
    or_default(spec, "podReplacementPolicy", json!("TerminatingOrFailed"));
    if spec["manualSelector"] != Value::Bool(true) && spec["selector"].is_null() {
        spec["selector"] = json!({"matchLabels": {"batch.kubernetes.io/controller-uid": uid}});
        let labels = &mut spec["template"]["metadata"]["labels"];
        for (key, value) in [
            ("batch.kubernetes.io/controller-uid", &uid),
            ("batch.kubernetes.io/job-name", &name),
            ("controller-uid", &uid),
            ("job-name", &name),
        ] {
            labels[key] = value.clone();
        }
    }
    default_pod_spec(&mut spec["template"]["spec"]);
    if job["metadata"]["labels"]
        .as_object()
        .is_none_or(|l| l.is_empty())
    {
        job["metadata"]["labels"] = job["spec"]["template"]["metadata"]["labels"].clone();
    }
}

/// Decodes `object` as the real type of `kind`; returns it re-encoded (unknown fields gone)
/// and the paths of the fields that were dropped.
pub fn decode(group: &str, kind: &str, object: &Value) -> Result<(Value, Vec<String>), ApiError> {
    use k8s_openapi::api;
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1 as ext;
    let decoded = match (group, kind) {
        ("", "Namespace") => roundtrip::<api::core::v1::Namespace>(object),
        ("", "Secret") => roundtrip::<api::core::v1::Secret>(object),
        ("", "ConfigMap") => roundtrip::<api::core::v1::ConfigMap>(object),
        ("", "ServiceAccount") => roundtrip::<api::core::v1::ServiceAccount>(object),
        ("", "Event") => roundtrip::<api::core::v1::Event>(object),
        ("", "Pod") => roundtrip::<api::core::v1::Pod>(object),
        ("", "Node") => roundtrip::<api::core::v1::Node>(object),
        ("batch", "Job") => roundtrip::<api::batch::v1::Job>(object),
        ("coordination.k8s.io", "Lease") => roundtrip::<api::coordination::v1::Lease>(object),
        ("events.k8s.io", "Event") => roundtrip::<api::events::v1::Event>(object),
        (super::rbac::GROUP, "Role") => roundtrip::<api::rbac::v1::Role>(object),
        (super::rbac::GROUP, "RoleBinding") => roundtrip::<api::rbac::v1::RoleBinding>(object),
        (super::rbac::GROUP, "ClusterRole") => roundtrip::<api::rbac::v1::ClusterRole>(object),
        (super::rbac::GROUP, "ClusterRoleBinding") => {
            roundtrip::<api::rbac::v1::ClusterRoleBinding>(object)
        }
        ("apiextensions.k8s.io", "CustomResourceDefinition") => {
            roundtrip::<ext::CustomResourceDefinition>(object)
        }
        _ => return Ok((object.clone(), Vec::new())),
    };
    let decoded =
        decoded.map_err(|e| ApiError::bad_request(format!("error decoding {kind}: {e}")))?;
    let mut unknown = Vec::new();
    dropped_fields(object, &decoded, "", &mut unknown);
    Ok((decoded, unknown))
}

fn roundtrip<T: DeserializeOwned + Serialize>(object: &Value) -> Result<Value, String> {
    let typed: T = serde_path_to_error::deserialize(object)
        .map_err(|e| format!("{}: {}", e.path(), e.inner()))?;
    serde_json::to_value(typed).map_err(|e| e.to_string())
}

/// Paths present (and not null) in `input` but missing from `output`.
fn dropped_fields(input: &Value, output: &Value, path: &str, out: &mut Vec<String>) {
    match (input, output) {
        (Value::Object(fields), Value::Object(kept)) => {
            for (name, value) in fields {
                let child = format!("{path}.{name}");
                match kept.get(name) {
                    Some(kept_value) => dropped_fields(value, kept_value, &child, out),
                    None if !value.is_null() => out.push(child),
                    None => {}
                }
            }
        }
        (Value::Array(items), Value::Array(kept)) => {
            for (index, (item, kept_item)) in items.iter().zip(kept).enumerate() {
                dropped_fields(item, kept_item, &format!("{path}[{index}]"), out);
            }
        }
        _ => {}
    }
}

/// The checks of kube-apiserver's validation that matter to clients of this server (`old` on
/// updates).
pub fn validate(group: &str, kind: &str, object: &Value, old: Option<&Value>) -> Vec<Cause> {
    let mut causes = Vec::new();
    let mut require = |field: &str, present: bool, message: &str| {
        if !present {
            causes.push(Cause {
                reason: "FieldValueRequired",
                field: field.to_owned(),
                message: format!("Required value{message}"),
            });
        }
    };
    match (group, kind) {
        ("batch", "Job") => {
            let pod = &object["spec"]["template"]["spec"];
            require(
                "spec.template.spec.containers",
                pod["containers"].as_array().is_some_and(|c| !c.is_empty()),
                "",
            );
            let restart = pod["restartPolicy"].as_str().unwrap_or_default();
            require(
                "spec.template.spec.restartPolicy",
                matches!(restart, "Never" | "OnFailure"),
                ": valid values: \"OnFailure\", \"Never\"",
            );
        }
        ("", "Pod") => require(
            "spec.containers",
            object["spec"]["containers"]
                .as_array()
                .is_some_and(|c| !c.is_empty()),
            "",
        ),
        ("", "ConfigMap" | "Secret") => {
            for field in ["data", "binaryData"] {
                for key in object[field]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, _)| k)
                {
                    if key.is_empty()
                        || !key
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
                    {
                        causes.push(Cause {
                            reason: "FieldValueInvalid",
                            field: format!("{field}[{key}]"),
                            message: format!("Invalid value: {key:?}: a valid config key must consist of alphanumeric characters, '-', '_' or '.'"),
                        });
                    }
                }
            }
        }
        ("apiextensions.k8s.io", "CustomResourceDefinition") => {
            let spec = &object["spec"];
            let expected = format!(
                "{}.{}",
                spec["names"]["plural"].as_str().unwrap_or_default(),
                spec["group"].as_str().unwrap_or_default()
            );
            if object["metadata"]["name"].as_str() != Some(expected.as_str()) {
                causes.push(Cause {
                    reason: "FieldValueInvalid",
                    field: "metadata.name".to_owned(),
                    message: format!(
                        "Invalid value: {:?}: must be spec.names.plural+\".\"+spec.group",
                        object["metadata"]["name"]
                    ),
                });
            }
            let storage = spec["versions"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|v| v["storage"] == true)
                .count();
            if storage != 1 {
                causes.push(Cause {
                    reason: "FieldValueInvalid",
                    field: "spec.versions".to_owned(),
                    message:
                        "Invalid value: must have exactly one version marked as storage version"
                            .to_owned(),
                });
            }
        }
        (super::rbac::GROUP, kind) => causes.extend(super::rbac::validate(kind, object, old)),
        _ => {}
    }
    causes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_merge_string_data() {
        let mut secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "stringData": {"url": "postgres://x"}});
        default("", "Secret", &mut secret);
        assert_eq!(secret["data"]["url"], "cG9zdGdyZXM6Ly94");
        assert_eq!(secret["type"], "Opaque");
        assert!(secret.get("stringData").is_none());
    }

    #[test]
    fn jobs_get_the_real_defaults_and_labels() {
        let mut job = json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j", "uid": "u1"},
            "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}}}});
        default("batch", "Job", &mut job);
        assert_eq!(job["spec"]["backoffLimit"], 6);
        assert_eq!(
            job["spec"]["selector"]["matchLabels"]["batch.kubernetes.io/controller-uid"],
            "u1"
        );
        assert_eq!(job["metadata"]["labels"]["job-name"], "j");
        let container = &job["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(container["terminationMessagePath"], "/dev/termination-log");
        assert_eq!(container["imagePullPolicy"], "Always");
        assert!(validate("batch", "Job", &job, None).is_empty());
    }

    #[test]
    fn decoding_reports_unknown_fields_and_type_errors() {
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": null}, "data": {"a": "b"}, "spec": {"x": 1}});
        let (decoded, unknown) = decode("", "ConfigMap", &cm).unwrap();
        assert_eq!(unknown, vec![".spec"]);
        assert_eq!(decoded["data"]["a"], "b");
        let wrong = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": 1}});
        let error = decode("", "ConfigMap", &wrong).unwrap_err();
        assert_eq!(error.code, 400);
        assert!(error.message.contains("data.a"), "{}", error.message);
    }
}
