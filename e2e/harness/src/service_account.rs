//! A kubeconfig for a ServiceAccount, made as a user would make one on any cluster: a token
//! from the TokenRequest API (`kubectl create token`, the real client) and the server and CA
//! of the current kubeconfig (`kubectl config view --minify --flatten`).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::HarnessError;
use crate::os::run;

/// Writes `<dir>/kubeconfig-<namespace>-<name>` for ServiceAccount `namespace/name`, using
/// `kubectl` (set up with an admin's kubeconfig) to get the token and the cluster.
pub(crate) fn write_kubeconfig(
    kubectl: impl Fn() -> Command,
    dir: &Path,
    namespace: &str,
    name: &str,
) -> Result<PathBuf, HarnessError> {
    let token = run(kubectl().args(["create", "token", name, "-n", namespace]))?;
    let token = String::from_utf8_lossy(&token.stdout).trim().to_owned();
    let view = run(kubectl().args(["config", "view", "--minify", "--flatten", "-o", "json"]))?;
    let view: Value =
        serde_json::from_slice(&view.stdout).map_err(|e| HarnessError::Kubeconfig {
            reason: format!("`kubectl config view` printed no JSON: {e}"),
        })?;
    let cluster = view["clusters"][0]["cluster"].clone();
    if !cluster.is_object() {
        return Err(HarnessError::Kubeconfig {
            reason: "the current kubeconfig names no cluster".to_owned(),
        });
    }
    let user = format!("system:serviceaccount:{namespace}:{name}");
    let kubeconfig = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "cluster", "cluster": cluster}],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [{"name": user, "context": {"cluster": "cluster", "user": user, "namespace": namespace}}],
        "current-context": user,
    });
    let path = dir.join(format!("kubeconfig-{namespace}-{name}"));
    // JSON is YAML: every client reads it
    std::fs::write(&path, kubeconfig.to_string())
        .map_err(HarnessError::io(format!("writing {}", path.display())))?;
    Ok(path)
}
