//! The kustomize base and overlays (`deploy/`): equal to a fresh `scripts/render-deploy` of the
//! chart, built by `kubectl kustomize` 1.27 and 1.33 into the chart's objects, valid for
//! Kubernetes 1.27 and 1.33, and applied to kube-standin, where `kubectl auth can-i --as` the
//! operator shows what each overlay grants.

mod manifests;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use e2e_harness::chart::{self, RELEASE_NAMESPACE};
use serde_yaml::Value;

use manifests::{api_server, can_i, documents, kubernetes_validate, object_ids, str_at, succeed};

#[test]
fn deploy_is_the_chart_rendered_and_kustomize_builds_it() {
    let root = chart::repository_root();
    let fresh = tempfile::tempdir().expect("tempdir");
    succeed(
        Command::new("bash")
            .arg(root.join("scripts/render-deploy"))
            .arg(fresh.path())
            .env("CHART_RENDER", chart::renderer().expect("renderer")),
    );
    let fix = "deploy/ differs from the chart: run `bash scripts/render-deploy` and commit deploy/";
    let expected = tree(fresh.path());
    let committed = tree(&root.join("deploy"));
    assert_eq!(
        committed.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "{fix}"
    );
    for (path, text) in &expected {
        assert!(committed[path] == *text, "deploy/{path}: {fix}");
    }

    let env = api_server(&["forum", "other"]);
    let out = tempfile::tempdir().expect("tempdir");
    let mut built = Vec::new();
    for overlay in ["cluster-wide", "namespaced"] {
        let dir = root.join("deploy/overlays").join(overlay);
        let mut outputs = Vec::new();
        for minor in e2e_harness::kubectl_versions() {
            outputs.push(documents(&succeed(
                env.kubectl_version(minor).arg("kustomize").arg(&dir),
            )));
        }
        assert_eq!(
            outputs[0], outputs[1],
            "{overlay}: kubectl 1.27 and 1.33 build the same"
        );
        let file = out.path().join(format!("{overlay}.yaml"));
        let text: Vec<String> = outputs[0]
            .iter()
            .map(|d| serde_yaml::to_string(d).expect("yaml"))
            .collect();
        std::fs::write(&file, text.join("---\n")).expect("write");
        built.push((overlay, outputs.remove(0), file));
    }
    kubernetes_validate(
        &built
            .iter()
            .map(|(_, _, file)| file.clone())
            .collect::<Vec<_>>(),
    );

    // each overlay holds the chart's objects for the same values, the Namespace and the CRDs
    let overlay_values = [
        ("cluster-wide", ""),
        (
            "namespaced",
            "watchNamespaces: [forum]\nsecretAccess: namespaced\n",
        ),
    ];
    for ((overlay, docs, _), (_, values)) in built.iter().zip(overlay_values) {
        let chart_docs = documents(
            &chart::render_release(
                "dbmigrate",
                RELEASE_NAMESPACE,
                values,
                &["-release-service", "kustomize"],
            )
            .expect("render"),
        );
        let operator: Vec<Value> = docs
            .iter()
            .filter(|d| {
                !matches!(
                    str_at(d, &["kind"]),
                    "Namespace" | "CustomResourceDefinition"
                )
            })
            .cloned()
            .collect();
        assert_eq!(object_ids(&operator), object_ids(&chart_docs), "{overlay}");
        for doc in &chart_docs {
            let id = object_ids(std::slice::from_ref(doc));
            let built = operator
                .iter()
                .find(|d| object_ids(std::slice::from_ref(d)) == id);
            assert_eq!(
                built,
                Some(doc),
                "{overlay}: {id:?} differs from the chart's"
            );
        }
        assert_eq!(
            docs.iter()
                .filter(|d| str_at(d, &["kind"]) == "CustomResourceDefinition")
                .count(),
            2
        );
    }

    // cluster-wide, then switched to namespaced (the ClusterRoleBinding removed by hand: apply
    // removes nothing)
    let apply = |overlay: &str| {
        let dir = root.join("deploy/overlays").join(overlay);
        succeed(
            env.kubectl()
                .args(["apply", "--server-side", "--force-conflicts", "-k"])
                .arg(&dir),
        );
    };
    let operator = "system:serviceaccount:dbmigrate-system:dbmigrate";
    apply("cluster-wide");
    assert!(
        can_i(&env, operator, &["create", "jobs.batch", "-n", "other"]),
        "cluster-wide: jobs anywhere"
    );
    assert!(
        !can_i(&env, operator, &["get", "secrets", "-n", "forum"]),
        "cluster-wide: no Secrets"
    );
    succeed(
        env.kubectl()
            .args(["delete", "clusterrolebinding", "dbmigrate"]),
    );
    apply("namespaced");
    assert!(can_i(
        &env,
        operator,
        &["create", "jobs.batch", "-n", "forum"]
    ));
    assert!(
        can_i(&env, operator, &["get", "secrets", "-n", "forum"]),
        "namespaced: Secrets in forum"
    );
    assert!(
        !can_i(&env, operator, &["create", "jobs.batch", "-n", "other"]),
        "namespaced: not in other"
    );
    assert!(!can_i(&env, operator, &["get", "secrets", "-n", "other"]));
    let args = succeed(env.kubectl().args([
        "get",
        "deployment",
        "dbmigrate",
        "-n",
        RELEASE_NAMESPACE,
        "-o",
        "jsonpath={.spec.template.spec.containers[0].args}",
    ]));
    assert!(
        args.contains("--namespace=forum") && args.contains("--secret-access=namespaced"),
        "{args}"
    );
}

/// Every file under `dir`, by relative path.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in
            std::fs::read_dir(&current).unwrap_or_else(|e| panic!("{}: {e}", current.display()))
        {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path
                    .strip_prefix(dir)
                    .expect("under dir")
                    .to_string_lossy()
                    .into_owned();
                files.insert(relative, std::fs::read(&path).expect("read"));
            }
        }
    }
    files
}
