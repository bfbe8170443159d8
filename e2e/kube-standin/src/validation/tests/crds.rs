//! The repository's CRDs (`crds/*.yaml`): what a real API server refuses is refused, with its
//! words, and every DatabaseMigration and ConfigSync of `examples/` is accepted.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Value, json};

use super::{Found, found};
use crate::validation::Validator;

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every YAML document of `path`.
fn documents(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).expect("a readable YAML file");
    serde_yaml::Deserializer::from_str(&text)
        .map(|document| Value::deserialize(document).expect("a YAML document"))
        .filter(|document| !document.is_null())
        .collect()
}

/// The validator of the first version of the CRD of `kind`.
fn validator(kind: &str) -> Validator {
    let crds = std::fs::read_dir(repository().join("crds")).expect("the crds folder");
    let crd = crds
        .flatten()
        .flat_map(|entry| documents(&entry.path()))
        .find(|crd| crd["spec"]["names"]["kind"] == kind)
        .expect("a CRD of the kind");
    Validator::new(&crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"])
        .expect("the CRD schema compiles")
}

fn check(kind: &str, spec: Value) -> Vec<Found> {
    let object = json!({"apiVersion": "dbmigrate.dev/v1alpha1", "kind": kind,
        "metadata": {"name": "x", "namespace": "default"}, "spec": spec});
    validator(kind)
        .validate(&object, None)
        .into_iter()
        .map(|e| (e.field.to_string(), e.kind.reason(), e.body()))
        .collect()
}

fn url() -> Value {
    json!({"urlSecretRef": {"name": "db", "key": "url"}})
}

#[test]
fn every_example_resource_is_accepted() {
    let mut checked = 0;
    let examples = std::fs::read_dir(repository().join("examples")).expect("the examples folder");
    for folder in examples.flatten() {
        let files = std::fs::read_dir(folder.path())
            .into_iter()
            .flatten()
            .flatten();
        for file in files.filter(|f| f.path().extension().is_some_and(|e| e == "yaml")) {
            for document in documents(&file.path()) {
                let Some(kind @ ("DatabaseMigration" | "ConfigSync")) = document["kind"].as_str()
                else {
                    continue;
                };
                let errors = validator(kind).validate(&document, None);
                assert!(errors.is_empty(), "{}: {errors:?}", file.path().display());
                checked += 1;
            }
        }
    }
    assert!(checked >= 6, "only {checked} example resources found");
}

#[test]
fn a_bad_pattern_an_enum_and_a_wrong_type_are_refused() {
    let spec = json!({
        "database": {"urlSecretRef": {"name": "Bad_Name", "key": "url"}},
        "source": {"directory": "/m"},
        "format": "yaml"
    });
    assert_eq!(
        check("DatabaseMigration", spec),
        vec![
            found(
                "spec.database.urlSecretRef.name",
                "FieldValueInvalid",
                r#"Invalid value: "Bad_Name": spec.database.urlSecretRef.name in body should match '^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$'"#,
            ),
            found(
                "spec.format",
                "FieldValueNotSupported",
                r#"Unsupported value: "yaml": supported values: "auto", "native", "flyway", "updown", "drizzle", "prisma", "diesel""#,
            ),
            found(
                "<nil>",
                "FieldValueInvalid",
                r#"Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation"#,
            ),
        ]
    );
    let spec = json!({"database": url(), "source": {"directory": "/m"}, "timeouts": {"lock": 30}});
    assert_eq!(
        check("DatabaseMigration", spec)[0],
        found(
            "spec.timeouts.lock",
            "FieldValueTypeInvalid",
            r#"Invalid value: "integer": spec.timeouts.lock in body must be of type string: "integer""#,
        )
    );
}

#[test]
fn the_database_is_given_one_way_only() {
    let both = json!({
        "urlSecretRef": {"name": "db", "key": "url"},
        "connection": {"engine": "postgres", "host": "db", "database": "app", "user": "app"}
    });
    let spec = json!({"database": both, "source": {"directory": "/m"}});
    assert_eq!(
        check("DatabaseMigration", spec),
        vec![found(
            "<nil>",
            "FieldValueInvalid",
            r#"Invalid value: "": "spec.database" must validate one and only one schema (oneOf). Found 2 valid alternatives"#,
        )]
    );
}

#[test]
fn list_types_refuse_duplicates() {
    let table = json!({"table": "forums", "keyColumns": ["id", "id"], "rows": []});
    let spec = json!({"database": url(), "tables": [table, {"table": "forums", "keyColumns": ["id"], "rows": []}]});
    assert_eq!(
        check("ConfigSync", spec),
        vec![
            found(
                "spec.tables[1]",
                "FieldValueDuplicate",
                r#"Duplicate value: map[string]interface {}{"table":"forums"}"#
            ),
            found(
                "spec.tables[0].keyColumns[1]",
                "FieldValueDuplicate",
                r#"Duplicate value: "id""#
            ),
        ]
    );
}

#[test]
fn the_crd_rules_refuse_what_they_describe() {
    let twice = json!([{"kind": "ConfigSync", "name": "a"}, {"kind": "ConfigSync", "name": "a"}]);
    let spec = json!({"database": url(), "source": {"directory": "/m"}, "dependsOn": twice,
        "lint": {"deny": ["no-drop"], "disable": ["no-drop"]}});
    assert_eq!(
        check("DatabaseMigration", spec),
        vec![
            found(
                "spec.dependsOn",
                "FieldValueInvalid",
                r#"Invalid value: "array": dependsOn lists the same resource (kind, name, namespace) more than once"#,
            ),
            found(
                "spec.lint",
                "FieldValueInvalid",
                r#"Invalid value: "object": a lint rule cannot be both in deny and in disable"#,
            ),
        ]
    );
    let table = json!({"table": "t", "keyColumns": ["id"], "columns": {"name": "n"},
        "rowsFrom": {"configMap": "c", "key": "rows.txt"}});
    assert_eq!(
        check("ConfigSync", json!({"database": url(), "tables": [table]})),
        vec![
            found(
                "spec.tables[0]",
                "FieldValueInvalid",
                r#"Invalid value: "object": columns, when given, must map every key column (add each keyColumns entry to columns)"#,
            ),
            found(
                "spec.tables[0].rowsFrom",
                "FieldValueInvalid",
                r#"Invalid value: "object": rowsFrom.format is required when the key does not end in .yaml, .yml, .json or .csv"#,
            ),
        ]
    );
}
