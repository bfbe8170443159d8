//! The kubeconfig a client uses to reach this server: plain HTTP on loopback, no credentials.

use std::path::Path;

/// Writes (atomically) a kubeconfig for `http://<address>` with context `kube-standin`.
pub fn write(path: &Path, address: &str) -> std::io::Result<()> {
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: kube-standin\n  cluster:\n    server: http://{address}\n\
         users:\n- name: kube-standin\n  user: {{}}\ncontexts:\n- name: kube-standin\n  context:\n    cluster: kube-standin\n    \
         user: kube-standin\n    namespace: default\ncurrent-context: kube-standin\n"
    );
    let partial = path.with_extension("partial");
    std::fs::write(&partial, text)?;
    std::fs::rename(&partial, path)
}
