//! What the chart and kustomize tests share: YAML documents, kubectl and kubernetes-validate
//! runs, and kube-standin with the namespaces and CRDs the manifests need.
#![allow(
    dead_code,
    reason = "each test binary uses a different part of the module"
)]

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Command, Output};

use e2e_harness::Environment;
use serde::Deserialize;
use serde_yaml::Value;

/// The YAML documents of a render or of `kubectl kustomize` output.
pub fn documents(text: &str) -> Vec<Value> {
    serde_yaml::Deserializer::from_str(text)
        .map(|doc| Value::deserialize(doc).expect("a YAML document"))
        .filter(|doc| !doc.is_null())
        .collect()
}

pub fn str_at<'a>(doc: &'a Value, path: &[&str]) -> &'a str {
    let mut value = doc;
    for key in path {
        value = &value[*key];
    }
    value.as_str().unwrap_or("")
}

/// `kind namespace/name` of each object.
pub fn object_ids(docs: &[Value]) -> BTreeSet<String> {
    docs.iter()
        .map(|doc| {
            format!(
                "{} {}/{}",
                str_at(doc, &["kind"]),
                str_at(doc, &["metadata", "namespace"]),
                str_at(doc, &["metadata", "name"])
            )
        })
        .collect()
}

pub fn find<'a>(docs: &'a [Value], kind: &str, namespace: &str, name: &str) -> Option<&'a Value> {
    docs.iter().find(|doc| {
        str_at(doc, &["kind"]) == kind
            && str_at(doc, &["metadata", "namespace"]) == namespace
            && str_at(doc, &["metadata", "name"]) == name
    })
}

/// Runs a command, returning its output whatever its exit status.
pub fn output(command: &mut Command) -> Output {
    command
        .output()
        .unwrap_or_else(|e| panic!("could not run {command:?}: {e}"))
}

/// Runs a command that must succeed.
pub fn succeed(command: &mut Command) -> String {
    let out = output(command);
    assert!(
        out.status.success(),
        "{command:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `kubernetes-validate --strict` of these files against Kubernetes 1.27 and 1.33; every
/// object must have a schema (the files hold only built-in kinds and CRDs).
pub fn kubernetes_validate(files: &[PathBuf]) {
    let program = e2e_harness::os::find_program("kubernetes-validate", &[]).unwrap_or_else(|| {
        panic!("kubernetes-validate not found on PATH: pip install kubernetes-validate (bash scripts/test does)")
    });
    for version in ["1.27.0", "1.33.0"] {
        let out = output(
            Command::new(&program)
                .args(["--strict", "--kubernetes-version", version])
                .args(files),
        );
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success(),
            "kubernetes-validate {version}:\n{text}"
        );
        assert!(
            !text.contains("Couldn't find schema"),
            "kubernetes-validate {version}:\n{text}"
        );
        assert!(
            text.contains("passed"),
            "kubernetes-validate {version} checked nothing:\n{text}"
        );
    }
}

/// A minimal stand-in of the Prometheus Operator's ServiceMonitor CRD (any spec), as on a
/// cluster that runs it.
const SERVICE_MONITOR_CRD: &str = r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: servicemonitors.monitoring.coreos.com
spec:
  group: monitoring.coreos.com
  scope: Namespaced
  names: {kind: ServiceMonitor, listKind: ServiceMonitorList, plural: servicemonitors, singular: servicemonitor}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
"#;

/// kube-standin (or the cluster of `KUBECONFIG`) with the ServiceMonitor CRD and the namespaces
/// the manifests use.
pub fn api_server(namespaces: &[&str]) -> Environment {
    let env = Environment::start_api_server().unwrap_or_else(|e| panic!("{e}"));
    // applied, not created: a shared cluster (`KUBECONFIG`) may have them from another test
    let mut manifests = SERVICE_MONITOR_CRD.to_owned();
    for namespace in namespaces {
        manifests +=
            &format!("---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: {namespace}}}\n");
    }
    let file = env.dir().join("prerequisites.yaml");
    std::fs::write(&file, manifests).expect("writing the prerequisites");
    succeed(env.kubectl().arg("apply").arg("-f").arg(&file));
    succeed(env.kubectl().args([
        "wait",
        "--for=condition=Established",
        "crd/servicemonitors.monitoring.coreos.com",
    ]));
    env
}

/// `kubectl auth can-i <args> --as <user>`: true for yes, false for no.
pub fn can_i(env: &Environment, user: &str, args: &[&str]) -> bool {
    let out = output(
        env.kubectl()
            .args(["auth", "can-i"])
            .args(args)
            .args(["--as", user]),
    );
    let answer = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    match answer.as_str() {
        "yes" => true,
        "no" => false,
        _ => panic!(
            "kubectl auth can-i {args:?} --as {user}: {answer}{}\n{}",
            String::from_utf8_lossy(&out.stderr),
            env.logs()
        ),
    }
}
