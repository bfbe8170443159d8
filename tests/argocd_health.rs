//! The Argo CD health scripts of `charts/dbmigrate/argocd/`, run by the real `lua5.4` as Argo
//! CD runs them, on the objects recorded from e2e runs (`e2e/harness/tests/gitops.rs`) in
//! `charts/dbmigrate/argocd/testdata/`; and the `argocd-cm` snippet of docs/gitops.md, which
//! must hold exactly those scripts.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use e2e_harness::argocd_health::{Health, evaluate};
use e2e_harness::markdown::code_block;
use serde_json::Value;

const ARGOCD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/charts/dbmigrate/argocd");

/// Each kind, its script and the `argocd-cm` key it belongs under.
const SCRIPTS: [(&str, &str, &str); 2] = [
    (
        "DatabaseMigration",
        "databasemigration-health.lua",
        "resource.customizations.health.dbmigrate.dev_DatabaseMigration",
    ),
    (
        "ConfigSync",
        "configsync-health.lua",
        "resource.customizations.health.dbmigrate.dev_ConfigSync",
    ),
];

fn script_of(kind: &str) -> PathBuf {
    let (_, file, _) = SCRIPTS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .unwrap_or_else(|| panic!("no health script for kind {kind}"));
    Path::new(ARGOCD).join(file)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

#[test]
fn the_scripts_give_each_recorded_object_its_recorded_health() {
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    let testdata = Path::new(ARGOCD).join("testdata");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&testdata)
        .unwrap_or_else(|e| panic!("reading {}: {e}", testdata.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    for path in paths {
        let recording: Value = serde_json::from_str(&read(&path))
            .unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()));
        let object = &recording["object"];
        let kind = object["kind"]
            .as_str()
            .expect("a recorded object has a kind");
        let expected: Health = serde_json::from_value(recording["health"].clone())
            .unwrap_or_else(|e| panic!("{}: no health: {e}", path.display()));
        let health = evaluate(&script_of(kind), object).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(health, expected, "{}", path.display());
        seen.insert((kind.to_owned(), health.status));
    }
    let wanted = [
        ("DatabaseMigration", "Progressing"),
        ("DatabaseMigration", "Healthy"),
        ("DatabaseMigration", "Degraded"),
        ("ConfigSync", "Progressing"),
        ("ConfigSync", "Healthy"),
        ("ConfigSync", "Degraded"),
        ("ConfigSync", "Suspended"),
    ];
    for (kind, status) in wanted {
        assert!(
            seen.contains(&(kind.to_owned(), status.to_owned())),
            "no recorded {kind} that is {status} in {}: record them with \
             DBMIGRATE_RECORD_HEALTH=1 cargo test -p e2e-harness --test gitops",
            testdata.display()
        );
    }
}

#[test]
fn the_argocd_cm_snippet_of_the_gitops_doc_holds_exactly_the_scripts() {
    let doc_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/gitops.md");
    let snippet = code_block(&read(&doc_path), "yaml", "name: argocd-cm")
        .expect("docs/gitops.md shows the argocd-cm ConfigMap in a yaml block");
    let config_map: serde_yaml::Value =
        serde_yaml::from_str(&snippet).expect("the argocd-cm snippet is YAML");
    let data = config_map["data"]
        .as_mapping()
        .expect("the argocd-cm snippet has data");
    assert_eq!(data.len(), SCRIPTS.len(), "{snippet}");
    for (_, file, key) in SCRIPTS {
        let script = read(&Path::new(ARGOCD).join(file));
        assert_eq!(
            data.get(key).and_then(serde_yaml::Value::as_str),
            Some(script.as_str()),
            "docs/gitops.md's argocd-cm {key} is not charts/dbmigrate/argocd/{file}: paste the \
             file there again (indented by four spaces)"
        );
    }
}
