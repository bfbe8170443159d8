//! Tests of server-side apply and managedFields bookkeeping.

use serde_json::{Value, json};

use super::*;

const MAIN: Scope = Scope::Main {
    status_subresource: true,
};

fn who(manager: &str, operation: Operation, time: &str) -> FieldManager<'static> {
    let manager: &'static str = Box::leak(manager.to_owned().into_boxed_str());
    let time: &'static str = Box::leak(time.to_owned().into_boxed_str());
    FieldManager {
        manager,
        operation,
        subresource: MAIN,
        api_version: "apps/v1",
        time,
    }
}

fn apply(
    live: Option<&Value>,
    config: &Value,
    manager: &str,
    time: &str,
) -> Result<Value, ApplyError> {
    server_side_apply(
        live,
        config,
        &who(manager, Operation::Apply, time),
        false,
        &BuiltinListTypes,
    )
}

fn entries(object: &Value) -> &Vec<Value> {
    object["metadata"]["managedFields"].as_array().unwrap()
}

fn entry<'v>(object: &'v Value, manager: &str, operation: &str) -> Option<&'v Value> {
    entries(object)
        .iter()
        .find(|e| e["manager"] == manager && e["operation"] == operation)
}

fn deployment(replicas: i64, image: &str) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "d", "namespace": "ns", "labels": {"app": "d"}},
        "spec": {"replicas": replicas, "template": {"spec": {"containers": [{"name": "a", "image": image}]}}}
    })
}

#[test]
fn apply_creates_with_one_entry_in_fields_v1() {
    let out = apply(None, &deployment(1, "x:1"), "mgr", "t1").unwrap();
    assert_eq!(out["spec"], deployment(1, "x:1")["spec"]);
    let entries = entries(&out);
    assert_eq!(entries.len(), 1);
    assert_eq!(
        entries[0],
        json!({"manager": "mgr", "operation": "Apply", "apiVersion": "apps/v1", "time": "t1", "fieldsType": "FieldsV1",
        "fieldsV1": {
            "f:metadata": {"f:labels": {"f:app": {}}},
            "f:spec": {"f:replicas": {}, "f:template": {"f:spec": {"f:containers": {
                "k:{\"name\":\"a\"}": {".": {}, "f:image": {}, "f:name": {}}
            }}}}
        }})
    );
}

#[test]
fn apply_twice_is_a_no_op() {
    let first = apply(None, &deployment(1, "x:1"), "mgr", "t1").unwrap();
    let second = apply(Some(&first), &deployment(1, "x:1"), "mgr", "t2").unwrap();
    assert_eq!(second, first);
    assert_eq!(entry(&second, "mgr", "Apply").unwrap()["time"], "t1");

    let third = apply(Some(&first), &deployment(1, "x:2"), "mgr", "t3").unwrap();
    assert_eq!(
        third["spec"]["template"]["spec"]["containers"][0]["image"],
        "x:2"
    );
    assert_eq!(
        entry(&third, "mgr", "Apply").unwrap()["time"],
        "t1",
        "same field set keeps the time"
    );
    let fourth = apply(
        Some(&third),
        &json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
        "spec": {"replicas": 1}}),
        "mgr",
        "t4",
    )
    .unwrap();
    assert_eq!(entry(&fourth, "mgr", "Apply").unwrap()["time"], "t4");
}

#[test]
fn apply_conflicts_with_other_managers_unless_forced() {
    let live = apply(
        None,
        &deployment(1, "x:1"),
        "kubectl-client-side-apply",
        "t1",
    )
    .unwrap();
    let err = apply(Some(&live), &deployment(3, "x:1"), "other", "t2").unwrap_err();
    let ApplyError::Conflicts(conflicts) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        conflicts,
        &vec![Conflict {
            manager: "kubectl-client-side-apply".into(),
            api_version: "apps/v1".into(),
            field: ".spec.replicas".into()
        }]
    );
    assert_eq!(
        err.to_string(),
        "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using apps/v1: .spec.replicas"
    );

    // Equal values are shared, not conflicts.
    let shared = apply(Some(&live), &deployment(1, "x:1"), "other", "t2").unwrap();
    assert_eq!(entries(&shared).len(), 2);

    let forced = server_side_apply(
        Some(&live),
        &deployment(3, "x:2"),
        &who("other", Operation::Apply, "t3"),
        true,
        &BuiltinListTypes,
    )
    .unwrap();
    assert_eq!(forced["spec"]["replicas"], 3);
    let old = &entry(&forced, "kubectl-client-side-apply", "Apply").unwrap()["fieldsV1"];
    assert!(old["f:spec"].get("f:replicas").is_none());
    assert!(
        old["f:spec"]["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"a\"}"]
            .get("f:image")
            .is_none()
    );
    assert!(old["f:metadata"]["f:labels"].get("f:app").is_some());
    let new = &entry(&forced, "other", "Apply").unwrap()["fieldsV1"];
    assert!(new["f:spec"].get("f:replicas").is_some());
}

#[test]
fn update_owners_conflict_and_several_conflicts_are_listed() {
    let created = deployment(1, "x:1");
    let mut live = created.clone();
    record_update(
        None,
        &mut live,
        &who("kubectl-edit", Operation::Update, "t1"),
        &BuiltinListTypes,
    );
    let err = apply(Some(&live), &deployment(2, "x:2"), "mgr", "t2").unwrap_err();
    assert_eq!(
        err.to_string(),
        "Apply failed with 2 conflicts: conflicts with \"kubectl-edit\" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name=\"a\"].image"
    );
}

#[test]
fn apply_keeps_a_label_another_manager_set_by_update() {
    let live = apply(None, &deployment(1, "x:1"), "mgr", "t1").unwrap();
    let mut labelled = live.clone();
    labelled["metadata"]["labels"]["team"] = json!("db");
    record_update(
        Some(&live),
        &mut labelled,
        &who("kubectl-label", Operation::Update, "t2"),
        &BuiltinListTypes,
    );
    let label_entry = entry(&labelled, "kubectl-label", "Update").unwrap();
    assert_eq!(
        label_entry["fieldsV1"],
        json!({"f:metadata": {"f:labels": {"f:team": {}}}})
    );

    let out = apply(Some(&labelled), &deployment(1, "x:1"), "mgr", "t3").unwrap();
    assert_eq!(out, labelled);
    assert_eq!(out["metadata"]["labels"], json!({"app": "d", "team": "db"}));
}

#[test]
fn apply_removes_fields_it_alone_owned_and_dropped() {
    let mut config = deployment(1, "x:1");
    config["metadata"]["labels"]["tier"] = json!("web");
    config["spec"]["template"]["spec"]["containers"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "b", "image": "y"}));
    let live = apply(None, &config, "mgr", "t1").unwrap();

    // Another manager also owns `replicas` (same value): it stays when mgr drops it.
    let live = apply(
        Some(&live),
        &json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
        "spec": {"replicas": 1}}),
        "hpa",
        "t2",
    )
    .unwrap();
    let mut dropped = deployment(1, "x:1");
    dropped["spec"].as_object_mut().unwrap().remove("replicas");
    let out = apply(Some(&live), &dropped, "mgr", "t3").unwrap();
    assert_eq!(out["metadata"]["labels"], json!({"app": "d"}));
    assert_eq!(
        out["spec"]["template"]["spec"]["containers"],
        json!([{"name": "a", "image": "x:1"}])
    );
    assert_eq!(out["spec"]["replicas"], 1);
    let mgr = &entry(&out, "mgr", "Apply").unwrap()["fieldsV1"];
    assert!(mgr["f:spec"].get("f:replicas").is_none());
    assert_eq!(entry(&out, "mgr", "Apply").unwrap()["time"], "t3");

    // Dropping every label removes the emptied map.
    let mut bare = dropped.clone();
    bare["metadata"].as_object_mut().unwrap().remove("labels");
    let out = apply(Some(&out), &bare, "mgr", "t4").unwrap();
    assert!(out["metadata"].get("labels").is_none(), "{out}");
}

#[test]
fn status_scope_apply_touches_only_status() {
    let live = apply(None, &deployment(1, "x:1"), "mgr", "t1").unwrap();
    let mut config = deployment(5, "evil:1");
    config["status"] =
        json!({"readyReplicas": 1, "conditions": [{"type": "Available", "status": "True"}]});
    let status_who = FieldManager {
        subresource: Scope::Status,
        ..who("ctrl", Operation::Apply, "t2")
    };
    let out =
        server_side_apply(Some(&live), &config, &status_who, false, &BuiltinListTypes).unwrap();
    assert_eq!(out["spec"], live["spec"]);
    assert_eq!(out["status"]["readyReplicas"], 1);
    let ctrl = entry(&out, "ctrl", "Apply").unwrap();
    assert_eq!(ctrl["subresource"], "status");
    assert_eq!(
        ctrl["fieldsV1"],
        json!({"f:status": {"f:readyReplicas": {}, "f:conditions": {"k:{\"type\":\"Available\"}": {".": {}, "f:type": {}, "f:status": {}}}}})
    );

    // The main resource of a type with a status subresource ignores status.
    let main = apply(Some(&out), &config, "mgr", "t3").unwrap();
    assert_eq!(main["spec"]["replicas"], 5);
    assert_eq!(main["status"], out["status"]);
    assert!(
        entry(&main, "mgr", "Apply").unwrap()["fieldsV1"]
            .get("f:status")
            .is_none()
    );
    let mut spec_only = deployment(1, "x:1");
    spec_only["status"] = json!({"readyReplicas": 7});
    let main = apply(Some(&out), &spec_only, "mgr", "t3").unwrap();
    assert_eq!(main, out);
}

#[test]
fn record_update_moves_ownership() {
    let live = apply(None, &deployment(1, "x:1"), "mgr", "t1").unwrap();
    let mut scaled = live.clone();
    scaled["spec"]["replicas"] = json!(4);
    scaled["spec"]["template"]["spec"]["containers"][0]
        .as_object_mut()
        .unwrap()
        .remove("image");
    record_update(
        Some(&live),
        &mut scaled,
        &who("kubectl-scale", Operation::Update, "t2"),
        &BuiltinListTypes,
    );
    let mgr = &entry(&scaled, "mgr", "Apply").unwrap()["fieldsV1"];
    assert!(mgr["f:spec"].get("f:replicas").is_none());
    assert_eq!(
        mgr["f:spec"]["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"a\"}"],
        json!({".": {}, "f:name": {}})
    );
    let scale = entry(&scaled, "kubectl-scale", "Update").unwrap();
    assert_eq!(scale["fieldsV1"], json!({"f:spec": {"f:replicas": {}}}));
    assert_eq!(scale["time"], "t2");
    assert_eq!(scale["apiVersion"], "apps/v1");

    // Nothing changed: managedFields untouched, even when the client left them out.
    let mut same = scaled.clone();
    same["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("managedFields");
    record_update(
        Some(&scaled),
        &mut same,
        &who("other", Operation::Update, "t3"),
        &BuiltinListTypes,
    );
    assert_eq!(same, scaled);

    // Taking every field of an entry drops the entry.
    let mut rescaled = scaled.clone();
    rescaled["spec"]["replicas"] = json!(2);
    record_update(
        Some(&scaled),
        &mut rescaled,
        &who("hpa", Operation::Update, "t4"),
        &BuiltinListTypes,
    );
    assert!(entry(&rescaled, "kubectl-scale", "Update").is_none());
    assert!(entry(&rescaled, "hpa", "Update").is_some());
}

#[test]
fn record_update_on_create_owns_everything_but_identity() {
    let mut object = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "c", "namespace": "n", "uid": "u", "resourceVersion": "1", "finalizers": ["f"]},
        "data": {"k": "v"}, "status": {"x": 1}});
    let creator = FieldManager {
        api_version: "",
        ..who("kubectl-create", Operation::Update, "t1")
    };
    record_update(None, &mut object, &creator, &BuiltinListTypes);
    let entry = entry(&object, "kubectl-create", "Update").unwrap();
    assert_eq!(entry["apiVersion"], "v1");
    assert_eq!(
        entry["fieldsV1"],
        json!({"f:data": {"f:k": {}}, "f:metadata": {"f:finalizers": {"v:\"f\"": {}}}})
    );
}

#[test]
fn apply_merges_map_lists_by_key_and_sets_by_union() {
    let live = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "finalizers": ["a"]},
        "spec": {"containers": [{"name": "z", "image": "z"}, {"name": "a", "image": "a:1",
            "ports": [{"containerPort": 80, "protocol": "TCP"}]}]}});
    let config = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "finalizers": ["b"]},
        "spec": {"containers": [{"name": "b", "image": "b"}, {"name": "a", "image": "a:2",
            "ports": [{"containerPort": 80, "name": "http"}]}]}});
    let out = apply(Some(&live), &config, "mgr", "t1").unwrap();
    assert_eq!(out["metadata"]["finalizers"], json!(["a", "b"]));
    assert_eq!(
        out["spec"]["containers"],
        json!([{"name": "z", "image": "z"},
            {"name": "a", "image": "a:2", "ports": [{"containerPort": 80, "protocol": "TCP", "name": "http"}]},
            {"name": "b", "image": "b"}])
    );
    let fields = &entry(&out, "mgr", "Apply").unwrap()["fieldsV1"];
    assert_eq!(
        fields["f:metadata"],
        json!({"f:finalizers": {"v:\"b\"": {}}})
    );
    assert!(
        fields["f:spec"]["f:containers"]
            .get("k:{\"name\":\"z\"}")
            .is_none()
    );

    // Dropping the finalizer and container it alone owned removes exactly those.
    let again = apply(
        Some(&out),
        &json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "a", "image": "a:2"}]}}),
        "mgr",
        "t2",
    )
    .unwrap();
    assert_eq!(again["metadata"]["finalizers"], json!(["a"]));
    let names: Vec<_> = again["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].clone())
        .collect();
    assert_eq!(names, vec![json!("z"), json!("a")]);
    // The port item was applied by mgr alone (nobody owned the live one), so it goes too.
    assert_eq!(
        again["spec"]["containers"][1],
        json!({"name": "a", "image": "a:2"})
    );
}

#[test]
fn invalid_configurations_are_refused() {
    let err = apply(None, &json!([1]), "mgr", "t").unwrap_err();
    assert!(matches!(err, ApplyError::Invalid(_)));
    let err = apply(
        None,
        &json!({"metadata": {"managedFields": []}}),
        "mgr",
        "t",
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid apply configuration: metadata.managedFields must be nil"
    );
}
