//! The kubeconfig a client uses to reach this server: its URL, the CA of its certificate when
//! it serves HTTPS, and `kubernetes-admin`'s token when it has one.

use std::path::Path;

use base64::Engine;

use crate::authn::ADMIN;

/// Writes (atomically) a kubeconfig for `server` with context `kube-standin`.
pub fn write(
    path: &Path,
    server: &str,
    ca_pem: Option<&str>,
    token: Option<&str>,
) -> std::io::Result<()> {
    let authority = ca_pem.map_or_else(String::new, |pem| {
        let data = base64::engine::general_purpose::STANDARD.encode(pem);
        format!("\n    certificate-authority-data: {data}")
    });
    let (user, credentials) = match token {
        Some(token) => (ADMIN, format!("\n    token: {token:?}")),
        None => ("kube-standin", " {}".to_owned()),
    };
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: kube-standin\n  cluster:\n    server: {server}{authority}\n\
         users:\n- name: {user}\n  user:{credentials}\ncontexts:\n- name: kube-standin\n  context:\n    cluster: kube-standin\n    \
         user: {user}\n    namespace: default\ncurrent-context: kube-standin\n"
    );
    let partial = path.with_extension("partial");
    std::fs::write(&partial, text)?;
    std::fs::rename(&partial, path)
}
