//! Tests of the Table rendering against what the real printers produce.

use serde_json::{Value, json};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use super::*;

const NOW: OffsetDateTime = datetime!(2025-01-01 12:00:00 UTC);

fn options(include_object: IncludeObject) -> TableOptions<'static> {
    TableOptions {
        api_version: "meta.k8s.io/v1",
        include_object,
        column_definitions: true,
        resource_version: "42",
        continue_token: None,
        now: NOW,
    }
}

fn table(printer: &Printer, objects: &[Value]) -> Value {
    render(printer, objects, &options(IncludeObject::Metadata))
}

fn cells(table: &Value, row: usize) -> Vec<Value> {
    table["rows"][row]["cells"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn names(table: &Value) -> Vec<String> {
    let defs = table["columnDefinitions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    defs.iter()
        .map(|c| c["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn ago(seconds: i64) -> String {
    let t = NOW - Duration::seconds(seconds);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

#[test]
fn durations_match_apimachinery() {
    let human = [
        (-3, "<invalid>"),
        (-1, "0s"),
        (0, "0s"),
        (59, "59s"),
        (119, "119s"),
        (120, "2m"),
        (150, "2m30s"),
        (599, "9m59s"),
        (600, "10m"),
        (3 * 3600 - 1, "179m"),
        (3 * 3600, "3h"),
        (5 * 3600 + 600, "5h10m"),
        (8 * 3600 + 600, "8h"),
        (47 * 3600, "47h"),
        (48 * 3600, "2d"),
        (3 * 86400 + 4 * 3600, "3d4h"),
        (8 * 86400 + 3600, "8d"),
        (729 * 86400, "729d"),
        (730 * 86400, "2y"),
        ((2 * 365 + 15) * 86400, "2y15d"),
        (9 * 365 * 86400, "9y"),
    ];
    for (seconds, want) in human {
        assert_eq!(
            human_duration(Duration::seconds(seconds)),
            want,
            "HumanDuration({seconds}s)"
        );
    }
    let short = [
        (-2, "<invalid>"),
        (-1, "0s"),
        (59, "59s"),
        (60, "1m"),
        (3599, "59m"),
        (3600, "1h"),
        (86400, "1d"),
        (366 * 86400, "1y"),
    ];
    for (seconds, want) in short {
        assert_eq!(
            short_human_duration(Duration::seconds(seconds)),
            want,
            "ShortHumanDuration({seconds}s)"
        );
    }
    assert_eq!(human_duration(Duration::milliseconds(-1500)), "0s");
}

fn db_columns() -> Vec<PrinterColumn> {
    serde_json::from_value(json!([
        {"name": "Ready", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status"},
        {"name": "Phase", "type": "string", "jsonPath": ".status.phase", "description": "The phase"},
        {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas", "format": "int32"},
        {"name": "Ratio", "type": "number", "jsonPath": ".spec.ratio"},
        {"name": "Paused", "type": "boolean", "jsonPath": ".spec.paused", "priority": 1},
        {"name": "Started", "type": "date", "jsonPath": "{.status.startedAt}"},
        {"name": "Host", "type": "string", "jsonPath": ".spec.hosts[*]"},
        {"name": "Size", "type": "string", "jsonPath": ".spec.replicas"},
        {"name": "Labels", "type": "string", "jsonPath": ".metadata.labels"},
        {"name": "App", "type": "string", "jsonPath": ".metadata.labels.app\\.kubernetes\\.io/name"},
    ]))
    .unwrap()
}

fn database(name: &str, status: Value) -> Value {
    json!({
        "apiVersion": "example.com/v1", "kind": "Database",
        "metadata": {"name": name, "namespace": "default", "creationTimestamp": ago(300), "resourceVersion": "7",
                     "labels": {"app.kubernetes.io/name": "pg", "tier": "<db>"}},
        "spec": {"replicas": 3, "ratio": 1.5, "paused": false, "hosts": ["a", "b"]},
        "status": status,
    })
}

#[test]
fn custom_columns_follow_the_tableconvertor() {
    let ready = database(
        "main",
        json!({"phase": "Running", "startedAt": ago(150),
               "conditions": [{"type": "Synced", "status": "False"}, {"type": "Ready", "status": "True"}]}),
    );
    let bare = json!({"apiVersion": "example.com/v1", "kind": "Database", "metadata": {"name": "bare"}, "spec": {"replicas": 2.9, "ratio": 2}});
    let t = table(&Printer::Columns(db_columns()), &[ready, bare]);
    assert_eq!(
        names(&t),
        [
            "Name", "Ready", "Phase", "Replicas", "Ratio", "Paused", "Started", "Host", "Size",
            "Labels", "App"
        ]
    );
    let defs = &t["columnDefinitions"];
    assert_eq!(
        defs[0],
        json!({"name": "Name", "type": "string", "format": "name", "description": descriptions::NAME, "priority": 0})
    );
    assert_eq!(
        defs[1]["description"],
        "Custom resource definition column (in JSONPath format): .status.conditions[?(@.type==\"Ready\")].status"
    );
    assert_eq!(defs[2]["description"], "The phase");
    assert_eq!(defs[3]["format"], "int32");
    assert_eq!(defs[5]["priority"], 1);
    assert_eq!(
        cells(&t, 0),
        [
            json!("main"),
            json!("True"),
            json!("Running"),
            json!(3),
            json!(1.5),
            json!(false),
            json!("2m30s"),
            json!("a"),
            json!("3"),
            json!("{\"app.kubernetes.io/name\":\"pg\",\"tier\":\"\\u003cdb\\u003e\"}"),
            json!("pg")
        ]
    );
    // Missing fields are null cells (kubectl prints them as empty); a float in an integer column truncates.
    assert_eq!(
        cells(&t, 1),
        [
            json!("bare"),
            Value::Null,
            Value::Null,
            json!(2),
            json!(2),
            Value::Null,
            Value::Null,
            Value::Null,
            json!("2.9"),
            Value::Null,
            Value::Null
        ]
    );
}

#[test]
fn custom_resource_without_columns_prints_age() {
    let t = table(
        &Printer::Columns(Vec::new()),
        &[
            database("x", json!({})),
            json!({"metadata": {"name": "new"}}),
        ],
    );
    assert_eq!(names(&t), ["Name", "Age"]);
    assert_eq!(t["columnDefinitions"][1]["type"], "date");
    assert_eq!(cells(&t, 0), [json!("x"), json!("5m")]);
    assert_eq!(cells(&t, 1), [json!("new"), Value::Null]);
}

#[test]
fn jsonpath_edge_cases_mirror_client_go() {
    let cols = |path: &str, kind: &str| {
        vec![PrinterColumn {
            name: "C".into(),
            column_type: kind.into(),
            format: None,
            description: None,
            priority: 0,
            json_path: path.into(),
        }]
    };
    let obj = json!({"metadata": {"name": "o", "annotations": {"a.b": "dotted"}},
                     "spec": {"list": [1, 2, 3], "empty": [], "nothing": null, "when": "not a date", "flag": "yes", "big": 123456789.0,
                              "items": [{"n": "x", "v": 1}, {"n": "y", "v": 2}]}});
    let cell = |path: &str, kind: &str| {
        cells(
            &table(
                &Printer::Columns(cols(path, kind)),
                std::slice::from_ref(&obj),
            ),
            0,
        )[1]
        .clone()
    };
    assert_eq!(cell(".spec.list[-1]", "integer"), json!(3));
    assert_eq!(
        cell(".spec.list[5]", "integer"),
        Value::Null,
        "out of range is an error"
    );
    assert_eq!(cell(".spec.list[1:]", "string"), json!("2"));
    assert_eq!(cell(".spec.empty[*]", "string"), Value::Null);
    assert_eq!(cell(".spec.nothing", "string"), json!("<no value>"));
    assert_eq!(cell(".spec.nothing", "integer"), Value::Null);
    assert_eq!(cell(".spec.when", "date"), json!("<invalid>"));
    assert_eq!(cell(".spec.flag", "boolean"), Value::Null);
    assert_eq!(cell(".spec.big", "string"), json!("1.23456789e+08"));
    assert_eq!(cell(".spec.items[?(@.v>1)].n", "string"), json!("y"));
    assert_eq!(cell(".spec.items[?(@.n!=\"x\")].v", "integer"), json!(2));
    assert_eq!(
        cell(".spec.items[?(@.n==1)].v", "integer"),
        Value::Null,
        "unlike types do not compare"
    );
    assert_eq!(cell(".spec.items[?(@.v)].n", "string"), json!("x"));
    assert_eq!(
        cell(".metadata.annotations['a.b']", "string"),
        Value::Null,
        "Go splits dotted dict keys"
    );
    assert_eq!(
        cell(".metadata.annotations[\"a.b\"]", "string"),
        json!("dotted")
    );
    assert_eq!(cell("$.spec..n", "string"), json!("x"));
    assert_eq!(cell(".spec.list[0,2]", "string"), json!("1"));
    // A column that does not parse drops itself and every later one, as tableconvertor.New does.
    let mut broken = cols(".spec.list[", "string");
    broken.insert(0, cols(".spec.flag", "string").remove(0));
    broken.extend(cols(".spec.flag", "string"));
    assert_eq!(
        names(&table(&Printer::Columns(broken), &[obj])),
        ["Name", "C"]
    );
}

#[test]
fn include_object_variants() {
    let obj = database("main", json!({}));
    let metadata = render(
        &Printer::Columns(Vec::new()),
        std::slice::from_ref(&obj),
        &options(IncludeObject::Metadata),
    );
    assert_eq!(metadata["kind"], "Table");
    assert_eq!(metadata["apiVersion"], "meta.k8s.io/v1");
    assert_eq!(metadata["metadata"], json!({"resourceVersion": "42"}));
    assert_eq!(
        metadata["rows"][0]["object"],
        json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"]})
    );
    let whole = render(
        &Printer::Columns(Vec::new()),
        std::slice::from_ref(&obj),
        &options(IncludeObject::Object),
    );
    assert_eq!(whole["rows"][0]["object"], obj);
    let none = render(
        &Printer::Columns(Vec::new()),
        std::slice::from_ref(&obj),
        &options(IncludeObject::None),
    );
    assert_eq!(
        none["rows"][0],
        json!({"cells": ["main", "5m"], "object": null})
    );

    let mut later = options(IncludeObject::Metadata);
    later.api_version = "meta.k8s.io/v1beta1";
    later.column_definitions = false;
    later.continue_token = Some("next");
    let t = render(&Printer::Builtin(Builtin::Lease), &[obj], &later);
    assert_eq!(t["columnDefinitions"], Value::Null);
    assert_eq!(
        t["metadata"],
        json!({"resourceVersion": "42", "continue": "next"})
    );
    assert_eq!(t["rows"][0]["object"]["apiVersion"], "meta.k8s.io/v1beta1");
    assert_eq!(
        render(
            &Printer::Builtin(Builtin::Pod),
            &[],
            &options(IncludeObject::None)
        )["rows"],
        json!([])
    );

    assert_eq!(IncludeObject::from_query(None), IncludeObject::Metadata);
    assert_eq!(IncludeObject::from_query(Some("None")), IncludeObject::None);
    assert_eq!(
        IncludeObject::from_query(Some("Object")),
        IncludeObject::Object
    );
    assert_eq!(
        IncludeObject::parse(Some("bogus")),
        Err(TableError::IncludeObject("bogus".into()))
    );
}

#[test]
fn printer_for_kind() {
    assert_eq!(
        Printer::for_kind("", "Pod", None),
        Printer::Builtin(Builtin::Pod)
    );
    assert_eq!(
        Printer::for_kind("batch", "Job", None),
        Printer::Builtin(Builtin::Job)
    );
    assert_eq!(
        Printer::for_kind("events.k8s.io", "Event", None),
        Printer::Builtin(Builtin::Event)
    );
    assert_eq!(
        Printer::for_kind("apiextensions.k8s.io", "CustomResourceDefinition", None),
        Printer::Builtin(Builtin::CustomResourceDefinition)
    );
    assert_eq!(
        Printer::for_kind("example.com", "Pod", None),
        Printer::Columns(Vec::new())
    );
    assert_eq!(
        Printer::for_kind("example.com", "Database", Some(db_columns())),
        Printer::Columns(db_columns())
    );
}
