//! Tests of the built-in printers (Pod, Job, Event, Node and the simple kinds).

use serde_json::{Value, json};
use time::Duration;
use time::macros::datetime;

use super::*;

const NOW: time::OffsetDateTime = datetime!(2025-01-01 12:00:00 UTC);

fn ago(seconds: i64) -> String {
    (NOW - Duration::seconds(seconds))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

fn row(kind: Builtin, object: Value) -> Value {
    let options = TableOptions {
        api_version: "meta.k8s.io/v1",
        include_object: IncludeObject::None,
        column_definitions: true,
        resource_version: "1",
        continue_token: None,
        now: NOW,
    };
    render(&Printer::Builtin(kind), &[object], &options)["rows"][0].clone()
}

fn headers(kind: Builtin) -> Vec<(String, i64)> {
    let t = render(
        &Printer::Builtin(kind),
        &[],
        &TableOptions {
            api_version: "meta.k8s.io/v1",
            include_object: IncludeObject::None,
            column_definitions: true,
            resource_version: "",
            continue_token: None,
            now: NOW,
        },
    );
    let defs = t["columnDefinitions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    defs.iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap_or_default().to_owned(),
                c["priority"].as_i64().unwrap_or(-1),
            )
        })
        .collect()
}

fn pod(spec: Value, status: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "creationTimestamp": ago(3600)}, "spec": spec, "status": status})
}

fn one_container() -> Value {
    json!({"containers": [{"name": "app", "image": "app:1"}], "nodeName": "node-1"})
}

fn pod_cells(spec: Value, status: Value) -> Vec<Value> {
    row(Builtin::Pod, pod(spec, status))["cells"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Ready, Status, Restarts of a pod.
fn pod_summary(spec: Value, status: Value) -> (String, String, String) {
    let c = pod_cells(spec, status);
    let s = |i: usize| c[i].as_str().unwrap_or_default().to_owned();
    (s(1), s(2), s(3))
}

#[test]
fn pod_columns() {
    let want = [
        ("Name", 0),
        ("Ready", 0),
        ("Status", 0),
        ("Restarts", 0),
        ("Age", 0),
        ("IP", 1),
        ("Node", 1),
        ("Nominated Node", 1),
        ("Readiness Gates", 1),
    ];
    assert_eq!(headers(Builtin::Pod), want.map(|(n, p)| (n.to_owned(), p)));
}

#[test]
fn pod_in_several_states() {
    let running = json!({"phase": "Running", "podIPs": [{"ip": "10.0.0.5"}], "conditions": [{"type": "Ready", "status": "True"}],
        "containerStatuses": [{"name": "app", "ready": true, "restartCount": 0, "state": {"running": {}}}]});
    assert_eq!(
        pod_cells(one_container(), running),
        [
            json!("p"),
            json!("1/1"),
            json!("Running"),
            json!("0"),
            json!("60m"),
            json!("10.0.0.5"),
            json!("node-1"),
            json!("<none>"),
            json!("<none>")
        ]
    );

    let waiting = |reason: &str| json!({"phase": "Pending", "containerStatuses": [{"name": "app", "ready": false, "restartCount": 0, "state": {"waiting": {"reason": reason}}}]});
    assert_eq!(
        pod_summary(one_container(), waiting("CreateContainerConfigError")).1,
        "CreateContainerConfigError"
    );
    assert_eq!(
        pod_summary(one_container(), waiting("ErrImagePull")).1,
        "ErrImagePull"
    );
    assert_eq!(
        pod_summary(one_container(), json!({"phase": "Pending"})),
        ("0/1".into(), "Pending".into(), "0".into())
    );

    let done = json!({"phase": "Succeeded", "containerStatuses": [{"name": "app", "ready": false, "restartCount": 0,
        "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]});
    let r = row(Builtin::Pod, pod(one_container(), done));
    assert_eq!(r["cells"][2], "Completed");
    assert_eq!(
        r["conditions"],
        json!([{"type": "Completed", "status": "True", "reason": "Succeeded", "message": "The pod has completed successfully."}])
    );

    let crashed = json!({"phase": "Running", "containerStatuses": [{"name": "app", "ready": false, "restartCount": 3,
        "state": {"waiting": {"reason": "CrashLoopBackOff"}},
        "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": ago(300)}}}]});
    assert_eq!(
        pod_summary(one_container(), crashed),
        ("0/1".into(), "CrashLoopBackOff".into(), "3 (5m ago)".into())
    );

    let failed = json!({"phase": "Failed", "containerStatuses": [{"name": "app", "state": {"terminated": {"exitCode": 2, "reason": "Error"}}}]});
    assert_eq!(pod_summary(one_container(), failed).1, "Error");
    let killed = json!({"phase": "Failed", "containerStatuses": [{"name": "app", "state": {"terminated": {"exitCode": 137, "signal": 9}}}]});
    assert_eq!(pod_summary(one_container(), killed).1, "Signal:9");

    let mut with_init = one_container();
    with_init["initContainers"] = json!([{"name": "migrate", "image": "m:1"}]);
    let init_running = json!({"phase": "Pending", "initContainerStatuses": [{"name": "migrate", "state": {"running": {}}}],
        "containerStatuses": [{"name": "app", "state": {"waiting": {"reason": "PodInitializing"}}}]});
    assert_eq!(pod_summary(with_init.clone(), init_running).1, "Init:0/1");
    let init_pull = json!({"phase": "Pending", "initContainerStatuses": [{"name": "migrate", "restartCount": 2, "state": {"waiting": {"reason": "ErrImagePull"}}}]});
    assert_eq!(
        pod_summary(with_init.clone(), init_pull),
        ("0/1".into(), "Init:ErrImagePull".into(), "2".into())
    );
    let init_failed = json!({"phase": "Pending", "initContainerStatuses": [{"name": "migrate", "state": {"terminated": {"exitCode": 3}}}]});
    assert_eq!(
        pod_summary(with_init.clone(), init_failed).1,
        "Init:ExitCode:3"
    );

    // A sidecar (restartable init container) counts towards Ready.
    let mut sidecar = one_container();
    sidecar["initContainers"] =
        json!([{"name": "proxy", "image": "p:1", "restartPolicy": "Always"}]);
    let both = json!({"phase": "Running", "initContainerStatuses": [{"name": "proxy", "ready": true, "started": true, "state": {"running": {}}}],
        "containerStatuses": [{"name": "app", "ready": true, "state": {"running": {}}}]});
    assert_eq!(pod_summary(sidecar, both).0, "2/2");

    let mut deleting = pod(one_container(), json!({"phase": "Running"}));
    deleting["metadata"]["deletionTimestamp"] = json!(ago(1));
    assert_eq!(row(Builtin::Pod, deleting)["cells"][2], "Terminating");

    let mut gated = one_container();
    gated["readinessGates"] = json!([{"conditionType": "example.com/ready"}]);
    let c = pod_cells(
        gated,
        json!({"phase": "Pending", "nominatedNodeName": "n2",
        "conditions": [{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}, {"type": "example.com/ready", "status": "True"}]}),
    );
    assert_eq!(
        (c[2].clone(), c[7].clone(), c[8].clone()),
        (json!("SchedulingGated"), json!("n2"), json!("1/1"))
    );
}

fn job(spec: Value, status: Value) -> Vec<Value> {
    let mut spec = spec;
    spec["template"] = json!({"spec": {"containers": [{"name": "work", "image": "busybox"}, {"name": "side", "image": "envoy"}]}});
    spec["selector"] = json!({"matchLabels": {"batch.kubernetes.io/controller-uid": "u1"}});
    let object = json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j", "creationTimestamp": ago(600)}, "spec": spec, "status": status});
    row(Builtin::Job, object)["cells"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn job_running_complete_failed() {
    let names: Vec<String> = headers(Builtin::Job).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "Name",
            "Status",
            "Completions",
            "Duration",
            "Age",
            "Containers",
            "Images",
            "Selector"
        ]
    );
    let running = job(
        json!({"completions": 1}),
        json!({"startTime": ago(150), "active": 1}),
    );
    assert_eq!(
        running,
        [
            json!("j"),
            json!("Running"),
            json!("0/1"),
            json!("2m30s"),
            json!("10m"),
            json!("work,side"),
            json!("busybox,envoy"),
            json!("batch.kubernetes.io/controller-uid=u1")
        ]
    );
    let complete = job(
        json!({"completions": 1}),
        json!({"startTime": ago(500), "completionTime": ago(455), "succeeded": 1,
               "conditions": [{"type": "SuccessCriteriaMet", "status": "True"}, {"type": "Complete", "status": "True"}]}),
    );
    assert_eq!(
        complete[1..4],
        [json!("Complete"), json!("1/1"), json!("45s")]
    );
    let failed = job(
        json!({"parallelism": 3}),
        json!({"startTime": ago(500), "failed": 4, "conditions": [{"type": "FailureTarget", "status": "True"}, {"type": "Failed", "status": "True"}]}),
    );
    assert_eq!(
        failed[1..4],
        [json!("Failed"), json!("0/1 of 3"), json!("8m20s")]
    );
    let target = job(
        json!({}),
        json!({"startTime": ago(5), "conditions": [{"type": "FailureTarget", "status": "True"}]}),
    );
    assert_eq!(
        target[1..4],
        [json!("FailureTarget"), json!("0/1"), json!("5s")]
    );
    let suspended = job(
        json!({"completions": 2}),
        json!({"conditions": [{"type": "Suspended", "status": "True"}]}),
    );
    assert_eq!(
        suspended[1..4],
        [json!("Suspended"), json!("0/2"), json!("")]
    );
}

#[test]
fn events_nodes_and_simple_kinds() {
    let names: Vec<String> = headers(Builtin::Event)
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(
        names,
        [
            "Last Seen",
            "Type",
            "Reason",
            "Object",
            "Subobject",
            "Source",
            "Message",
            "First Seen",
            "Count",
            "Name"
        ]
    );
    let event = json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e1"}, "type": "Warning", "reason": "BackOff",
        "involvedObject": {"kind": "Pod", "name": "p", "fieldPath": "spec.containers{app}"}, "message": "  Back-off restarting\n",
        "source": {"component": "kubelet", "host": "node-1"}, "firstTimestamp": ago(7200), "lastTimestamp": ago(30), "count": 5});
    assert_eq!(
        row(Builtin::Event, event)["cells"],
        json!([
            "30s",
            "Warning",
            "BackOff",
            "pod/p",
            "spec.containers{app}",
            "kubelet, node-1",
            "Back-off restarting",
            "120m",
            5,
            "e1"
        ])
    );
    let new_api = json!({"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "e2"}, "type": "Normal", "reason": "Migrated",
        "regarding": {"kind": "Database"}, "note": "done", "eventTime": ago(90), "reportingController": "dbmigrate"});
    assert_eq!(
        row(Builtin::Event, new_api)["cells"],
        json!([
            "90s",
            "Normal",
            "Migrated",
            "database",
            "",
            "dbmigrate",
            "done",
            "90s",
            1,
            "e2"
        ])
    );

    let node = json!({"metadata": {"name": "n1", "creationTimestamp": ago(86400 * 3),
            "labels": {"node-role.kubernetes.io/control-plane": "", "kubernetes.io/role": "worker"}},
        "spec": {"unschedulable": true},
        "status": {"conditions": [{"type": "Ready", "status": "False"}], "nodeInfo": {"kubeletVersion": "v1.33.0"},
                   "addresses": [{"type": "InternalIP", "address": "172.18.0.2"}]}});
    assert_eq!(
        row(Builtin::Node, node)["cells"],
        json!([
            "n1",
            "NotReady,SchedulingDisabled",
            "control-plane,worker",
            "3d",
            "v1.33.0",
            "172.18.0.2",
            "<none>",
            "<unknown>",
            "<unknown>",
            "<unknown>"
        ])
    );

    let meta = json!({"name": "x", "creationTimestamp": ago(45)});
    let cases = [
        (
            Builtin::Namespace,
            json!({"metadata": meta, "status": {"phase": "Active"}}),
            json!(["x", "Active", "45s"]),
        ),
        (
            Builtin::Secret,
            json!({"metadata": meta, "type": "Opaque", "data": {"a": "", "b": ""}}),
            json!(["x", "Opaque", 2, "45s"]),
        ),
        (
            Builtin::ConfigMap,
            json!({"metadata": meta, "data": {"a": ""}, "binaryData": {"b": ""}}),
            json!(["x", 2, "45s"]),
        ),
        (
            Builtin::ServiceAccount,
            json!({"metadata": meta}),
            json!(["x", 0, "45s"]),
        ),
        (
            Builtin::Lease,
            json!({"metadata": meta, "spec": {"holderIdentity": "pod-a"}}),
            json!(["x", "pod-a", "45s"]),
        ),
        (
            Builtin::CustomResourceDefinition,
            json!({"metadata": {"name": "dbs.example.com", "creationTimestamp": "2024-05-06T07:08:09Z"}}),
            json!(["dbs.example.com", "2024-05-06T07:08:09Z"]),
        ),
        (
            Builtin::CustomResourceDefinition,
            json!({"metadata": {"name": "new"}}),
            json!(["new", "0001-01-01T00:00:00Z"]),
        ),
    ];
    for (kind, object, want) in cases {
        assert_eq!(row(kind, object)["cells"], want, "{kind:?}");
    }
    assert_eq!(
        headers(Builtin::ServiceAccount),
        [
            ("Name".to_owned(), 0),
            ("Secrets".to_owned(), 0),
            ("Age".to_owned(), 0)
        ]
    );
    assert_eq!(
        headers(Builtin::CustomResourceDefinition)[1],
        ("Created At".to_owned(), 0)
    );
}

#[test]
fn label_selectors_format_like_metav1() {
    use super::builtin::format_label_selector;
    assert_eq!(format_label_selector(None), "<none>");
    assert_eq!(format_label_selector(Some(&json!({}))), "<none>");
    let selector = json!({"matchLabels": {"b": "2"}, "matchExpressions": [
        {"key": "a", "operator": "In", "values": ["y", "x"]}, {"key": "c", "operator": "DoesNotExist"}, {"key": "d", "operator": "Exists"}]});
    assert_eq!(
        format_label_selector(Some(&selector)),
        "a in (x,y),b=2,!c,d"
    );
}
