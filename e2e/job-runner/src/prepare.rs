//! Turning a container spec into what a process needs, without side effects: environment
//! (the image's ENV, `env`, `envFrom`, `valueFrom`, `$(VAR)` expansion), command, and user —
//! as the kubelet does.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use k8s_openapi::api::core::v1::{Container, Pod, SecurityContext};

use crate::config::{CommandError, Images, ResolvedCommand};
use crate::volumes::Mount;

/// The Secrets and ConfigMaps a pod refers to, as read from the API (`None`: not found).
#[derive(Debug, Clone, Default)]
pub struct Refs {
    /// Secret name → its data.
    pub secrets: HashMap<String, Option<BTreeMap<String, Vec<u8>>>>,
    /// ConfigMap name → its data (binaryData included).
    pub config_maps: HashMap<String, Option<BTreeMap<String, Vec<u8>>>>,
}

/// Why a container cannot be created yet (kubelet: `CreateContainerConfigError`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrepareError {
    /// A referenced Secret does not exist.
    #[error("secret {name:?} not found")]
    SecretNotFound {
        /// The Secret.
        name: String,
    },
    /// A referenced ConfigMap does not exist.
    #[error("configmap {name:?} not found")]
    ConfigMapNotFound {
        /// The ConfigMap.
        name: String,
    },
    /// A referenced key is missing.
    #[error("couldn't find key {key} in {kind} {namespace}/{name}")]
    KeyNotFound {
        /// `Secret` or `ConfigMap`.
        kind: &'static str,
        /// The object's namespace.
        namespace: String,
        /// The object's name.
        name: String,
        /// The missing key.
        key: String,
    },
    /// A `fieldRef`/`resourceFieldRef` job-runner does not support.
    #[error("unsupported environment variable source for {var}: {detail}")]
    Unsupported {
        /// The variable.
        var: String,
        /// What was asked for.
        detail: String,
    },
    /// runAsNonRoot with an effective uid of 0.
    #[error(
        "container has runAsNonRoot and image will run as root (pod: {pod:?}, container: {container})"
    )]
    RunAsRoot {
        /// `name_namespace(uid)`, as the kubelet formats a pod.
        pod: String,
        /// The container.
        container: String,
    },
    /// The command cannot be resolved.
    #[error(transparent)]
    Command(#[from] CommandError),
}

/// A container ready to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// The program and its arguments.
    pub command: ResolvedCommand,
    /// The container's environment: the image's ENV, then its own `env` (which wins), in
    /// definition order.
    pub env: Vec<(String, String)>,
    /// The uid to run as (`None`: job-runner's own).
    pub uid: Option<u32>,
    /// The gid to run as.
    pub gid: Option<u32>,
    /// `readOnlyRootFilesystem`.
    pub read_only_root: bool,
}

/// Names of every Secret and ConfigMap the pod refers to (env, envFrom, volumes).
pub fn referenced(pod: &Pod) -> (BTreeSet<String>, BTreeSet<String>) {
    let (mut secrets, mut cms) = (BTreeSet::new(), BTreeSet::new());
    let Some(spec) = &pod.spec else {
        return (secrets, cms);
    };
    for c in spec
        .init_containers
        .iter()
        .flatten()
        .chain(&spec.containers)
    {
        for e in c.env_from.iter().flatten() {
            if let Some(r) = &e.secret_ref {
                secrets.insert(r.name.clone());
            }
            if let Some(r) = &e.config_map_ref {
                cms.insert(r.name.clone());
            }
        }
        for v in c.env.iter().flatten().filter_map(|e| e.value_from.as_ref()) {
            if let Some(r) = &v.secret_key_ref {
                secrets.insert(r.name.clone());
            }
            if let Some(r) = &v.config_map_key_ref {
                cms.insert(r.name.clone());
            }
        }
    }
    for v in spec.volumes.iter().flatten() {
        if let Some(s) = v.secret.as_ref().and_then(|s| s.secret_name.clone()) {
            secrets.insert(s);
        }
        if let Some(c) = &v.config_map {
            cms.insert(c.name.clone());
        }
    }
    (secrets, cms)
}

/// Everything needed to start `container` of `pod` (kubelet order: identity, env, command).
pub fn prepare(
    pod: &Pod,
    container: &Container,
    images: &Images,
    refs: &Refs,
    mounts: &[Mount],
) -> Result<Prepared, PrepareError> {
    let image = container.image.clone().unwrap_or_default();
    let entry = images.find(&image)?;
    let (uid, gid, non_root, read_only_root) = identity(pod, container);
    let effective_uid = uid.unwrap_or(entry.user);
    if non_root && effective_uid == 0 {
        let meta = &pod.metadata;
        return Err(PrepareError::RunAsRoot {
            pod: format!(
                "{}_{}({})",
                meta.name.as_deref().unwrap_or_default(),
                meta.namespace.as_deref().unwrap_or_default(),
                meta.uid.as_deref().unwrap_or_default()
            ),
            container: container.name.clone(),
        });
    }
    let mut env: Vec<(String, String)> = entry.env.clone().into_iter().collect();
    for (name, value) in resolve_env(pod, container, refs)? {
        env.retain(|(k, _)| *k != name);
        env.push((name, value));
    }
    let map: HashMap<&str, &str> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let lookup = |name: &str| map.get(name).map(|v| v.to_string());
    let command: Vec<String> = container
        .command
        .iter()
        .flatten()
        .map(|c| expand(c, &lookup))
        .collect();
    let args: Vec<String> = container
        .args
        .iter()
        .flatten()
        .map(|c| expand(c, &lookup))
        .collect();
    let command = images.resolve(&image, &command, &args, mounts, &env)?;
    let uid = uid.or((entry.user != 0).then_some(entry.user));
    Ok(Prepared {
        command,
        env,
        uid,
        gid,
        read_only_root,
    })
}

/// (runAsUser, runAsGroup, runAsNonRoot, readOnlyRootFilesystem); the container's
/// securityContext wins over the pod's.
fn identity(pod: &Pod, container: &Container) -> (Option<u32>, Option<u32>, bool, bool) {
    let psc = pod.spec.as_ref().and_then(|s| s.security_context.as_ref());
    let csc: Option<&SecurityContext> = container.security_context.as_ref();
    let to_u32 = |v: Option<i64>| v.and_then(|v| u32::try_from(v).ok());
    let uid = to_u32(
        csc.and_then(|c| c.run_as_user)
            .or(psc.and_then(|p| p.run_as_user)),
    );
    let gid = to_u32(
        csc.and_then(|c| c.run_as_group)
            .or(psc.and_then(|p| p.run_as_group)),
    );
    let non_root = csc
        .and_then(|c| c.run_as_non_root)
        .or(psc.and_then(|p| p.run_as_non_root))
        .unwrap_or(false);
    let ro = csc
        .and_then(|c| c.read_only_root_filesystem)
        .unwrap_or(false);
    (uid, gid, non_root, ro)
}

/// The container's environment: `envFrom` first, then `env` (values expanded against the
/// variables defined before them), as the kubelet builds it.
pub fn resolve_env(
    pod: &Pod,
    container: &Container,
    refs: &Refs,
) -> Result<Vec<(String, String)>, PrepareError> {
    let ns = pod.metadata.namespace.clone().unwrap_or_default();
    let mut env: Vec<(String, String)> = Vec::new();
    let set = |env: &mut Vec<(String, String)>, k: String, v: String| match env
        .iter_mut()
        .find(|(ek, _)| *ek == k)
    {
        Some(slot) => slot.1 = v,
        None => env.push((k, v)),
    };
    for from in container.env_from.iter().flatten() {
        let prefix = from.prefix.clone().unwrap_or_default();
        let data = if let Some(r) = &from.config_map_ref {
            match refs.config_maps.get(&r.name).cloned().flatten() {
                Some(d) => d,
                None if r.optional == Some(true) => continue,
                None => {
                    return Err(PrepareError::ConfigMapNotFound {
                        name: r.name.clone(),
                    });
                }
            }
        } else if let Some(r) = &from.secret_ref {
            match refs.secrets.get(&r.name).cloned().flatten() {
                Some(d) => d,
                None if r.optional == Some(true) => continue,
                None => {
                    return Err(PrepareError::SecretNotFound {
                        name: r.name.clone(),
                    });
                }
            }
        } else {
            continue;
        };
        for (k, v) in data {
            set(
                &mut env,
                format!("{prefix}{k}"),
                String::from_utf8_lossy(&v).into_owned(),
            );
        }
    }
    for var in container.env.iter().flatten() {
        let value = if let Some(from) = &var.value_from {
            match value_from(pod, &ns, &var.name, from, refs)? {
                Some(v) => v,
                None => continue,
            }
        } else {
            let snapshot: HashMap<String, String> = env.iter().cloned().collect();
            expand(var.value.as_deref().unwrap_or_default(), &|n| {
                snapshot.get(n).cloned()
            })
        };
        set(&mut env, var.name.clone(), value);
    }
    Ok(env)
}

/// One `valueFrom`; `Ok(None)` for an optional reference that is absent (variable not set).
fn value_from(
    pod: &Pod,
    ns: &str,
    var: &str,
    from: &k8s_openapi::api::core::v1::EnvVarSource,
    refs: &Refs,
) -> Result<Option<String>, PrepareError> {
    let keyed = |kind: &'static str,
                 map: &HashMap<String, Option<BTreeMap<String, Vec<u8>>>>,
                 name: &str,
                 key: &str,
                 optional: bool| {
        let Some(data) = map.get(name).cloned().flatten() else {
            if optional {
                return Ok(None);
            }
            return Err(if kind == "Secret" {
                PrepareError::SecretNotFound {
                    name: name.to_owned(),
                }
            } else {
                PrepareError::ConfigMapNotFound {
                    name: name.to_owned(),
                }
            });
        };
        match data.get(key) {
            Some(v) => Ok(Some(String::from_utf8_lossy(v).into_owned())),
            None if optional => Ok(None),
            None => Err(PrepareError::KeyNotFound {
                kind,
                namespace: ns.to_owned(),
                name: name.to_owned(),
                key: key.to_owned(),
            }),
        }
    };
    if let Some(r) = &from.secret_key_ref {
        return keyed(
            "Secret",
            &refs.secrets,
            &r.name,
            &r.key,
            r.optional == Some(true),
        );
    }
    if let Some(r) = &from.config_map_key_ref {
        return keyed(
            "ConfigMap",
            &refs.config_maps,
            &r.name,
            &r.key,
            r.optional == Some(true),
        );
    }
    if let Some(f) = &from.field_ref {
        return field_ref(pod, &f.field_path)
            .map(Some)
            .ok_or_else(|| PrepareError::Unsupported {
                var: var.to_owned(),
                detail: format!("fieldRef {}", f.field_path),
            });
    }
    let detail = match &from.resource_field_ref {
        Some(r) => format!("resourceFieldRef {}", r.resource),
        None => "empty valueFrom".to_owned(),
    };
    Err(PrepareError::Unsupported {
        var: var.to_owned(),
        detail,
    })
}

/// The downward-API fields the kubelet offers to `fieldRef`.
pub fn field_ref(pod: &Pod, path: &str) -> Option<String> {
    let meta = &pod.metadata;
    let spec = pod.spec.as_ref();
    let subscript = |prefix: &str| {
        path.strip_prefix(prefix)?
            .strip_prefix("['")?
            .strip_suffix("']")
            .map(str::to_owned)
    };
    if let Some(k) = subscript("metadata.labels") {
        return Some(
            meta.labels
                .as_ref()
                .and_then(|l| l.get(&k))
                .cloned()
                .unwrap_or_default(),
        );
    }
    if let Some(k) = subscript("metadata.annotations") {
        return Some(
            meta.annotations
                .as_ref()
                .and_then(|l| l.get(&k))
                .cloned()
                .unwrap_or_default(),
        );
    }
    let v = match path {
        "metadata.name" => meta.name.clone(),
        "metadata.namespace" => meta.namespace.clone(),
        "metadata.uid" => meta.uid.clone(),
        "spec.nodeName" => spec.and_then(|s| s.node_name.clone()),
        "spec.serviceAccountName" => spec.and_then(|s| s.service_account_name.clone()),
        "status.podIP" | "status.hostIP" | "status.podIPs" | "status.hostIPs" => {
            Some("127.0.0.1".to_owned())
        }
        _ => return None,
    };
    Some(v.unwrap_or_default())
}

/// The kubelet's `$(VAR)` expansion: `$(NAME)` → its value (kept verbatim when undefined),
/// `$$` → `$`; everything else is literal.
pub fn expand(input: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let b = input.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut checkpoint = 0;
    let mut cursor = 0;
    while cursor < b.len() {
        if b[cursor] == b'$' && cursor + 1 < b.len() {
            out.extend_from_slice(&b[checkpoint..cursor]);
            let rest = &b[cursor + 1..];
            let advance = match rest[0] {
                b'$' => {
                    out.push(b'$');
                    1
                }
                b'(' => match rest.iter().position(|&c| c == b')') {
                    Some(end) => {
                        let name = String::from_utf8_lossy(&rest[1..end]);
                        match lookup(&name) {
                            Some(v) => out.extend_from_slice(v.as_bytes()),
                            None => out.extend_from_slice(format!("$({name})").as_bytes()),
                        }
                        end + 1
                    }
                    None => {
                        out.extend_from_slice(b"$(");
                        1
                    }
                },
                c => {
                    out.push(b'$');
                    out.push(c);
                    1
                }
            };
            cursor += advance;
            checkpoint = cursor + 1;
        }
        cursor += 1;
    }
    out.extend_from_slice(&b[checkpoint.min(b.len())..]);
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests;
