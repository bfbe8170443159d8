//! Tests of the patch formats: JSON patch, merge patch, strategic merge patch and list types.

use serde_json::json;

use super::*;

#[test]
fn content_types() {
    assert_eq!(
        PatchType::from_content_type("application/json-patch+json"),
        Some(PatchType::Json)
    );
    assert_eq!(
        PatchType::from_content_type("application/merge-patch+json; charset=utf-8"),
        Some(PatchType::Merge)
    );
    assert_eq!(
        PatchType::from_content_type("application/strategic-merge-patch+json"),
        Some(PatchType::StrategicMerge)
    );
    assert_eq!(
        PatchType::from_content_type("application/apply-patch+yaml;charset=utf-8"),
        Some(PatchType::Apply)
    );
    assert_eq!(PatchType::from_content_type("application/json"), None);
}

#[test]
fn json_patch_applies_and_names_the_failing_op() {
    let doc = json!({"spec": {"replicas": 1, "args": ["a"]}});
    let patch = json!([
        {"op": "replace", "path": "/spec/replicas", "value": 3},
        {"op": "add", "path": "/spec/args/-", "value": "b"},
        {"op": "test", "path": "/spec/replicas", "value": 3},
    ]);
    assert_eq!(
        json_patch(&doc, &patch).unwrap(),
        json!({"spec": {"replicas": 3, "args": ["a", "b"]}})
    );

    let failing =
        json!([{"op": "add", "path": "/a", "value": 1}, {"op": "remove", "path": "/spec/missing"}]);
    let err = json_patch(&doc, &failing).unwrap_err();
    assert!(
        matches!(
            err,
            PatchError::JsonPatchOperation {
                index: 1,
                op: "remove",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("/spec/missing"), "{err}");
    assert!(matches!(
        json_patch(&doc, &json!({"op": "add"})),
        Err(PatchError::InvalidJsonPatch(_))
    ));
}

#[test]
fn merge_patch_is_rfc_7386() {
    let doc = json!({"metadata": {"labels": {"a": "1", "b": "2"}}, "spec": {"args": ["x", "y"]}});
    let patch = json!({"metadata": {"labels": {"a": null, "c": "3"}}, "spec": {"args": ["z"]}});
    assert_eq!(
        merge_patch(&doc, &patch),
        json!({"metadata": {"labels": {"b": "2", "c": "3"}}, "spec": {"args": ["z"]}})
    );
}

fn pod() -> serde_json::Value {
    json!({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "finalizers": ["a"]},
        "spec": {
            "containers": [
                {"name": "a", "image": "x:1", "args": ["1", "2"],
                 "env": [{"name": "E1", "value": "1"}, {"name": "E2", "value": "2"}],
                 "ports": [{"containerPort": 80, "protocol": "TCP"}]},
                {"name": "b", "image": "y:1"}
            ],
            "tolerations": [{"key": "k"}]
        }
    })
}

#[test]
fn strategic_merges_map_lists_by_key() {
    let patch = json!({"spec": {"containers": [
        {"name": "a", "image": "x:2", "env": [{"name": "E3", "value": "3"}], "ports": [{"containerPort": 80, "name": "http"}]},
        {"name": "c", "image": "z:1"}
    ]}});
    let out = strategic_merge_patch(&pod(), &patch, &BuiltinListTypes).unwrap();
    let containers = &out["spec"]["containers"];
    assert_eq!(containers.as_array().unwrap().len(), 3);
    assert_eq!(containers[0]["image"], "x:2");
    assert_eq!(containers[0]["args"], json!(["1", "2"]));
    assert_eq!(containers[0]["env"].as_array().unwrap().len(), 3);
    assert_eq!(
        containers[0]["ports"],
        json!([{"containerPort": 80, "protocol": "TCP", "name": "http"}])
    );
    assert_eq!(containers[1]["name"], "b");
    assert_eq!(containers[2], json!({"name": "c", "image": "z:1"}));
}

#[test]
fn strategic_atomic_and_set_lists() {
    let patch = json!({"metadata": {"finalizers": ["b", "a"]}, "spec": {"tolerations": [{"key": "j"}],
        "containers": [{"name": "a", "args": ["3"]}]}});
    let out = strategic_merge_patch(&pod(), &patch, &BuiltinListTypes).unwrap();
    assert_eq!(out["metadata"]["finalizers"], json!(["a", "b"]));
    assert_eq!(out["spec"]["tolerations"], json!([{"key": "j"}]));
    assert_eq!(out["spec"]["containers"][0]["args"], json!(["3"]));
}

#[test]
fn strategic_patch_directives() {
    let patch = json!({
        "metadata": {"$deleteFromPrimitiveList/finalizers": ["a"], "labels": {"x": "1"}},
        "spec": {"containers": [
            {"name": "b", "$patch": "delete"},
            {"name": "a", "$patch": "replace", "image": "x:3"}
        ]}
    });
    let out = strategic_merge_patch(&pod(), &patch, &BuiltinListTypes).unwrap();
    assert_eq!(out["metadata"]["finalizers"], json!([]));
    assert_eq!(out["metadata"]["labels"], json!({"x": "1"}));
    assert_eq!(
        out["spec"]["containers"],
        json!([{"name": "a", "image": "x:3"}])
    );

    let replace_list =
        json!({"spec": {"containers": [{"$patch": "replace"}, {"name": "n", "image": "i"}]}});
    let out = strategic_merge_patch(&pod(), &replace_list, &BuiltinListTypes).unwrap();
    assert_eq!(
        out["spec"]["containers"],
        json!([{"name": "n", "image": "i"}])
    );

    let replace_map = json!({"spec": {"$patch": "replace", "containers": [{"name": "only"}]}});
    let out = strategic_merge_patch(&pod(), &replace_map, &BuiltinListTypes).unwrap();
    assert_eq!(out["spec"], json!({"containers": [{"name": "only"}]}));

    let retain = json!({"spec": {"$retainKeys": ["containers"], "containers": [{"name": "a", "image": "x:9"}]}});
    let out = strategic_merge_patch(&pod(), &retain, &BuiltinListTypes).unwrap();
    assert!(out["spec"].get("tolerations").is_none());
    assert_eq!(out["spec"]["containers"][0]["image"], "x:9");
    assert_eq!(out["spec"]["containers"].as_array().unwrap().len(), 2);

    let bad = json!({"spec": {"$patch": "explode"}});
    assert!(matches!(
        strategic_merge_patch(&pod(), &bad, &BuiltinListTypes),
        Err(PatchError::InvalidStrategic { .. })
    ));
}

#[test]
fn strategic_set_element_order() {
    let patch = json!({"spec": {
        "$setElementOrder/containers": [{"name": "c"}, {"name": "a"}],
        "containers": [{"name": "c", "image": "z:1"}]
    }});
    let out = strategic_merge_patch(&pod(), &patch, &BuiltinListTypes).unwrap();
    let names: Vec<_> = out["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].clone())
        .collect();
    assert_eq!(names, vec![json!("c"), json!("a"), json!("b")]);
    assert!(
        out["spec"]
            .as_object()
            .unwrap()
            .keys()
            .all(|k| !k.starts_with('$'))
    );
}

#[test]
fn kubectl_three_way_patch_for_job_containers() {
    let job = json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"},
        "spec": {"template": {"spec": {"restartPolicy": "Never",
            "containers": [{"name": "a", "image": "x:1", "command": ["run"]}]}}}});
    let patch = json!({"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"a"}],"containers":[{"name":"a","image":"x:2"}]}}}});
    let out = strategic_merge_patch(&job, &patch, &BuiltinListTypes).unwrap();
    assert_eq!(
        out["spec"]["template"]["spec"],
        json!({"restartPolicy": "Never", "containers": [{"name": "a", "image": "x:2", "command": ["run"]}]})
    );
}

#[test]
fn schema_list_types() {
    let schema = json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {
        "items": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["id"],
            "items": {"type": "object", "properties": {"tags": {"type": "array", "x-kubernetes-list-type": "set",
                "items": {"type": "string"}}}}},
        "plain": {"type": "array", "items": {"type": "string"}},
        "containers": {"type": "array", "items": {"type": "object"}}
    }}}});
    let lists = SchemaListTypes::new(schema);
    assert_eq!(
        lists.list_type(&["spec", "items"]),
        ListType::Map(vec!["id".into()])
    );
    assert_eq!(lists.list_type(&["spec", "items", "tags"]), ListType::Set);
    assert_eq!(lists.list_type(&["spec", "plain"]), ListType::Atomic);
    assert_eq!(lists.list_type(&["spec", "containers"]), ListType::Atomic);
    assert_eq!(lists.list_type(&["metadata", "finalizers"]), ListType::Set);
    assert_eq!(
        lists.list_type(&["spec", "unknown", "env"]),
        ListType::Map(vec!["name".into()])
    );

    let doc = json!({"spec": {"items": [{"id": 1, "v": "a", "tags": ["x"]}]}});
    let patch = json!({"spec": {"items": [{"id": 1, "tags": ["y"]}, {"id": 2}]}});
    let out = strategic_merge_patch(&doc, &patch, &lists).unwrap();
    assert_eq!(
        out["spec"]["items"],
        json!([{"id": 1, "v": "a", "tags": ["x", "y"]}, {"id": 2}])
    );
}

#[test]
fn builtin_list_types() {
    let b = BuiltinListTypes;
    assert_eq!(
        b.list_type(&["spec", "template", "spec", "containers", "env"]),
        ListType::Map(vec!["name".into()])
    );
    assert_eq!(
        b.list_type(&["spec", "containers", "ports"]),
        ListType::Map(vec!["containerPort".into(), "protocol".into()])
    );
    assert_eq!(
        b.list_type(&["metadata", "ownerReferences"]),
        ListType::Map(vec!["uid".into()])
    );
    assert_eq!(
        b.list_type(&["spec", "containers", "args"]),
        ListType::Atomic
    );
    assert_eq!(b.list_type(&["metadata", "finalizers"]), ListType::Set);
}
