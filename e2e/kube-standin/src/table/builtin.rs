//! Printers of the built-in kinds, after `pkg/printers/internalversion/printers.go`
//! (Kubernetes 1.33) with `GenerateOptions{Wide: true}`, as the API server renders them.

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::format_description;

use super::descriptions as d;
use super::format::{human_duration, since, timestamp};
use super::{Builtin, Row, column, pod};

/// The column definitions and rows of `objects` of a built-in kind.
pub(super) fn render(
    kind: Builtin,
    objects: &[Value],
    now: OffsetDateTime,
) -> (Vec<Value>, Vec<Row>) {
    let columns = definitions(kind);
    let rows = objects
        .iter()
        .map(|o| match kind {
            Builtin::Namespace => {
                vec![name(o), str_at(o, "/status/phase").into(), age(o, now)].into()
            }
            Builtin::Secret => vec![
                name(o),
                str_at(o, "/type").into(),
                count(&o["data"]).into(),
                age(o, now),
            ]
            .into(),
            Builtin::ConfigMap => vec![
                name(o),
                (count(&o["data"]) + count(&o["binaryData"])).into(),
                age(o, now),
            ]
            .into(),
            Builtin::ServiceAccount => {
                vec![name(o), count(&o["secrets"]).into(), age(o, now)].into()
            }
            Builtin::Lease => vec![
                name(o),
                str_at(o, "/spec/holderIdentity").into(),
                age(o, now),
            ]
            .into(),
            Builtin::CustomResourceDefinition => vec![name(o), created_at(o).into()].into(),
            Builtin::Node => node(o, now).into(),
            Builtin::Event => event(o, now).into(),
            Builtin::Job => job(o, now).into(),
            Builtin::Pod => pod::row(o, now),
        })
        .collect();
    (columns, rows)
}

fn definitions(kind: Builtin) -> Vec<Value> {
    let name = || column("Name", "string", "name", d::NAME, 0);
    let age = || column("Age", "string", "", d::CREATED, 0);
    let s = |n: &str, desc: &str| column(n, "string", "", desc, 0);
    let wide = |n: &str, desc: &str| column(n, "string", "", desc, 1);
    match kind {
        Builtin::Namespace => vec![name(), s("Status", "The status of the namespace"), age()],
        Builtin::Secret => vec![
            name(),
            s("Type", d::SECRET_TYPE),
            s("Data", d::SECRET_DATA),
            age(),
        ],
        Builtin::ConfigMap => vec![name(), s("Data", d::CM_DATA), age()],
        Builtin::ServiceAccount => vec![name(), s("Secrets", d::SA_SECRETS), age()],
        Builtin::Lease => vec![name(), s("Holder", d::LEASE_HOLDER), age()],
        Builtin::CustomResourceDefinition => {
            vec![name(), column("Created At", "date", "", d::CREATED, 0)]
        }
        Builtin::Node => vec![
            name(),
            s("Status", "The status of the node"),
            s("Roles", "The roles of the node"),
            age(),
            s("Version", d::KUBELET_VERSION),
            wide("Internal-IP", d::NODE_ADDRESSES),
            wide("External-IP", d::NODE_ADDRESSES),
            wide("OS-Image", d::OS_IMAGE),
            wide("Kernel-Version", d::KERNEL_VERSION),
            wide("Container-Runtime", d::RUNTIME_VERSION),
        ],
        Builtin::Event => vec![
            s("Last Seen", d::EV_LAST),
            s("Type", d::EV_TYPE),
            s("Reason", d::EV_REASON),
            s("Object", d::EV_OBJECT),
            wide("Subobject", d::EV_FIELD_PATH),
            wide("Source", d::EV_SOURCE),
            s("Message", d::EV_MESSAGE),
            wide("First Seen", d::EV_FIRST),
            wide("Count", d::EV_COUNT),
            column("Name", "string", "name", d::NAME, 1),
        ],
        Builtin::Job => vec![
            name(),
            s("Status", "Status of the job."),
            s("Completions", d::JOB_SUCCEEDED),
            s("Duration", "Time required to complete the job."),
            age(),
            wide("Containers", "Names of each container in the template."),
            wide(
                "Images",
                "Images referenced by each container in the template.",
            ),
            wide("Selector", d::JOB_SELECTOR),
        ],
        Builtin::Pod => vec![
            name(),
            s(
                "Ready",
                "The aggregate readiness state of this pod for accepting traffic.",
            ),
            s(
                "Status",
                "The aggregate status of the containers in this pod.",
            ),
            s(
                "Restarts",
                "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
            ),
            age(),
            wide("IP", d::POD_IP),
            wide("Node", d::NODE_NAME),
            wide("Nominated Node", d::NOMINATED_NODE),
            wide("Readiness Gates", d::READINESS_GATES),
        ],
    }
}

/// The string at a JSON pointer, `""` when absent or not a string.
pub(super) fn str_at<'v>(v: &'v Value, pointer: &str) -> &'v str {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The integer at a JSON pointer, 0 when absent.
pub(super) fn int_at(v: &Value, pointer: &str) -> i64 {
    v.pointer(pointer)
        .and_then(Value::as_i64)
        .unwrap_or_default()
}

/// The entries of a map or array, 0 for anything else.
fn count(v: &Value) -> i64 {
    match v {
        Value::Object(m) => m.len() as i64,
        Value::Array(a) => a.len() as i64,
        _ => 0,
    }
}

/// The items of the array at a JSON pointer (none when absent).
pub(super) fn items<'v>(v: &'v Value, pointer: &str) -> &'v [Value] {
    v.pointer(pointer)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn name(o: &Value) -> Value {
    str_at(o, "/metadata/name").into()
}

/// `translateTimestampSince(creationTimestamp)`.
pub(super) fn age(o: &Value, now: OffsetDateTime) -> Value {
    since(now, timestamp(&o["metadata"]["creationTimestamp"])).into()
}

/// The default table convertor's `Created At`: UTC, RFC 3339 without fractions.
fn created_at(o: &Value) -> String {
    let t =
        timestamp(&o["metadata"]["creationTimestamp"]).map(|t| t.to_offset(time::UtcOffset::UTC));
    let layout = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    t.and_then(|t| t.format(layout).ok())
        .unwrap_or_else(|| "0001-01-01T00:00:00Z".to_owned())
}

fn or(s: &str, default: &str) -> String {
    if s.is_empty() {
        default.to_owned()
    } else {
        s.to_owned()
    }
}

fn node(o: &Value, now: OffsetDateTime) -> Vec<Value> {
    // Only the Ready condition counts; a later duplicate wins, as in the Go map.
    let ready = items(o, "/status/conditions")
        .iter()
        .rev()
        .find(|c| c["type"] == "Ready");
    let mut status = vec![match ready {
        Some(c) if c["status"] == "True" => "Ready",
        Some(_) => "NotReady",
        None => "Unknown",
    }];
    if o.pointer("/spec/unschedulable").and_then(Value::as_bool) == Some(true) {
        status.push("SchedulingDisabled");
    }
    let mut roles: Vec<&str> = Vec::new();
    if let Some(labels) = o.pointer("/metadata/labels").and_then(Value::as_object) {
        for (k, v) in labels {
            if let Some(role) = k
                .strip_prefix("node-role.kubernetes.io/")
                .filter(|r| !r.is_empty())
            {
                roles.push(role);
            } else if k == "kubernetes.io/role" && v.as_str().is_some_and(|v| !v.is_empty()) {
                roles.push(v.as_str().unwrap_or_default());
            }
        }
    }
    roles.sort_unstable();
    roles.dedup();
    let address = |kind: &str| {
        let found = items(o, "/status/addresses")
            .iter()
            .find(|a| a["type"] == kind);
        found
            .map_or("<none>", |a| a["address"].as_str().unwrap_or_default())
            .to_owned()
    };
    vec![
        name(o),
        status.join(",").into(),
        or(&roles.join(","), "<none>").into(),
        age(o, now),
        str_at(o, "/status/nodeInfo/kubeletVersion").into(),
        address("InternalIP").into(),
        address("ExternalIP").into(),
        or(str_at(o, "/status/nodeInfo/osImage"), "<unknown>").into(),
        or(str_at(o, "/status/nodeInfo/kernelVersion"), "<unknown>").into(),
        or(
            str_at(o, "/status/nodeInfo/containerRuntimeVersion"),
            "<unknown>",
        )
        .into(),
    ]
}

fn event(o: &Value, now: OffsetDateTime) -> Vec<Value> {
    // events.k8s.io/v1 names the same fields differently.
    let new_api = o["apiVersion"]
        .as_str()
        .is_some_and(|v| v.starts_with("events.k8s.io/"));
    let field = |core: &str, events: &str| if new_api { &o[events] } else { &o[core] };
    let involved = field("involvedObject", "regarding");
    let source = field("source", "deprecatedSource");
    let first_ts = timestamp(field("firstTimestamp", "deprecatedFirstTimestamp"));
    let first = match first_ts {
        Some(t) => human_duration(now - t),
        None => since(now, timestamp(&o["eventTime"])),
    };
    let mut last = match timestamp(field("lastTimestamp", "deprecatedLastTimestamp")) {
        Some(t) => human_duration(now - t),
        None => first.clone(),
    };
    let mut count = field("count", "deprecatedCount")
        .as_i64()
        .unwrap_or_default();
    if o["series"].is_object() {
        last = since(now, timestamp(&o["series"]["lastObservedTime"]));
        count = o["series"]["count"].as_i64().unwrap_or_default();
    } else if count == 0 {
        count = 1;
    }
    let kind = involved["kind"].as_str().unwrap_or_default().to_lowercase();
    let target = match involved["name"].as_str().unwrap_or_default() {
        "" => kind,
        n => format!("{kind}/{n}"),
    };
    let first_non_empty = |a: &Value, b: &Value| {
        let a = a.as_str().unwrap_or_default();
        if a.is_empty() {
            b.as_str().unwrap_or_default().to_owned()
        } else {
            a.to_owned()
        }
    };
    let component = first_non_empty(&source["component"], &o["reportingController"]);
    let instance = first_non_empty(&source["host"], &o["reportingInstance"]);
    let source = if instance.is_empty() {
        component
    } else {
        format!("{component}, {instance}")
    };
    let message = field("message", "note").as_str().unwrap_or_default().trim();
    vec![
        last.into(),
        str_at(o, "/type").into(),
        str_at(o, "/reason").into(),
        target.into(),
        involved["fieldPath"].as_str().unwrap_or_default().into(),
        source.into(),
        message.into(),
        first.into(),
        count.into(),
        name(o),
    ]
}

/// `hasJobCondition`: the first condition of that type decides.
fn has_condition(o: &Value, condition: &str) -> bool {
    let found = items(o, "/status/conditions")
        .iter()
        .find(|c| c["type"] == condition);
    found.is_some_and(|c| c["status"] == "True")
}

fn job(o: &Value, now: OffsetDateTime) -> Vec<Value> {
    let succeeded = int_at(o, "/status/succeeded");
    let completions = match o.pointer("/spec/completions").and_then(Value::as_i64) {
        Some(c) => format!("{succeeded}/{c}"),
        None => match int_at(o, "/spec/parallelism") {
            p if p > 1 => format!("{succeeded}/1 of {p}"),
            _ => format!("{succeeded}/1"),
        },
    };
    let duration = match (
        timestamp(&o["status"]["startTime"]),
        timestamp(&o["status"]["completionTime"]),
    ) {
        (None, _) => String::new(),
        (Some(start), None) => human_duration(now - start),
        (Some(start), Some(end)) => human_duration(end - start),
    };
    let status = if has_condition(o, "Complete") {
        "Complete"
    } else if has_condition(o, "Failed") {
        "Failed"
    } else if !o["metadata"]["deletionTimestamp"].is_null() {
        "Terminating"
    } else if has_condition(o, "Suspended") {
        "Suspended"
    } else if has_condition(o, "FailureTarget") {
        "FailureTarget"
    } else {
        "Running"
    };
    let containers = items(o, "/spec/template/spec/containers");
    let join = |key: &str| {
        containers
            .iter()
            .map(|c| c[key].as_str().unwrap_or_default())
            .collect::<Vec<_>>()
            .join(",")
    };
    vec![
        name(o),
        status.into(),
        completions.into(),
        duration.into(),
        age(o, now),
        join("name").into(),
        join("image").into(),
        format_label_selector(o.pointer("/spec/selector")).into(),
    ]
}

/// `metav1.FormatLabelSelector`: requirements sorted by key, `<none>` when empty.
pub(super) fn format_label_selector(selector: Option<&Value>) -> String {
    let mut reqs: Vec<(String, String)> = Vec::new();
    let Some(selector) = selector.filter(|s| s.is_object()) else {
        return "<none>".to_owned();
    };
    if let Some(labels) = selector["matchLabels"].as_object() {
        for (k, v) in labels {
            reqs.push((k.clone(), format!("{k}={}", v.as_str().unwrap_or_default())));
        }
    }
    for expr in selector["matchExpressions"]
        .as_array()
        .map_or(&[][..], Vec::as_slice)
    {
        let key = expr["key"].as_str().unwrap_or_default();
        let mut values: Vec<&str> = items(expr, "/values")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        values.sort_unstable();
        let text = match expr["operator"].as_str().unwrap_or_default() {
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "Exists" => key.to_owned(),
            "DoesNotExist" => format!("!{key}"),
            _ => return "<error>".to_owned(),
        };
        reqs.push((key.to_owned(), text));
    }
    reqs.sort_by(|a, b| a.0.cmp(&b.0));
    let text = reqs
        .into_iter()
        .map(|(_, t)| t)
        .collect::<Vec<_>>()
        .join(",");
    if text.is_empty() {
        "<none>".to_owned()
    } else {
        text
    }
}

/// A `metav1.TableRowCondition` list of one `Completed` condition.
pub(super) fn completed_condition(reason: &str, message: &str) -> Value {
    json!([{"type": "Completed", "status": "True", "reason": reason, "message": message}])
}
