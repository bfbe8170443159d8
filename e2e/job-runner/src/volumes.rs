//! Pod volumes (configMap, secret, emptyDir, hostPath) materialised as directories under the
//! pod's state directory, and the bind mounts each container gets from its `volumeMounts`.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};

use k8s_openapi::api::core::v1::{Container, KeyToPath, Pod};

use crate::prepare::{PrepareError, Refs};

/// Why a pod's volumes cannot be set up (the pod stays `ContainerCreating` and is retried).
#[derive(Debug, thiserror::Error)]
pub enum VolumeError {
    /// A referenced Secret or ConfigMap (or key) is missing.
    #[error("MountVolume.SetUp failed for volume {volume:?} : {source}")]
    Reference {
        /// The volume.
        volume: String,
        /// What is missing.
        source: PrepareError,
    },
    /// An `items` key is missing from the object.
    #[error(
        "MountVolume.SetUp failed for volume {volume:?} : {kind} references non-existent {kind} key: {key}"
    )]
    MissingItem {
        /// The volume.
        volume: String,
        /// `configmap` or `secret`.
        kind: &'static str,
        /// The key.
        key: String,
    },
    /// A volume type job-runner does not support.
    #[error(
        "volume {volume:?}: job-runner supports only configMap, secret, emptyDir and hostPath volumes"
    )]
    Unsupported {
        /// The volume.
        volume: String,
    },
    /// A volumeMount names no volume or has an invalid path.
    #[error("container {container}: volumeMount {mount:?}: {problem}")]
    BadMount {
        /// The container.
        container: String,
        /// The mountPath.
        mount: String,
        /// What is wrong.
        problem: String,
    },
    /// Writing the volume failed.
    #[error("volume {volume:?}: cannot write {path}: {source}")]
    Io {
        /// The volume.
        volume: String,
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// One bind mount of a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// The materialised path on the host.
    pub source: PathBuf,
    /// The `mountPath` in the container.
    pub target: PathBuf,
    /// Mounted read-only.
    pub read_only: bool,
}

/// A materialised volume.
#[derive(Debug, Clone)]
struct Volume {
    path: PathBuf,
    read_only: bool,
}

/// The pod's volumes, materialised under `dir`, by name.
#[derive(Debug, Clone, Default)]
pub struct Volumes(BTreeMap<String, Volume>);

fn io(volume: &str, path: &Path) -> impl FnOnce(std::io::Error) -> VolumeError {
    let (volume, path) = (volume.to_owned(), path.to_owned());
    move |source| VolumeError::Io {
        volume,
        path,
        source,
    }
}

/// Writes every volume of `pod` under `dir` (rewritten from scratch on each call).
pub fn materialise(pod: &Pod, dir: &Path, refs: &Refs) -> Result<Volumes, VolumeError> {
    let mut out = BTreeMap::new();
    for v in pod.spec.iter().flat_map(|s| s.volumes.iter().flatten()) {
        let name = v.name.clone();
        let path = dir.join(&name);
        let keyed = |kind: &'static str,
                     data: Option<BTreeMap<String, Vec<u8>>>,
                     items: Option<&Vec<KeyToPath>>,
                     mode: Option<i32>|
         -> Result<(), VolumeError> {
            let _ = std::fs::remove_dir_all(&path);
            std::fs::create_dir_all(&path).map_err(io(&name, &path))?;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
                .map_err(io(&name, &path))?;
            let data = data.unwrap_or_default();
            let files: Vec<(String, String, Option<i32>)> = match items {
                Some(items) if !items.is_empty() => items
                    .iter()
                    .map(|i| (i.key.clone(), i.path.clone(), i.mode))
                    .collect(),
                _ => data.keys().map(|k| (k.clone(), k.clone(), None)).collect(),
            };
            for (key, rel, item_mode) in files {
                let Some(bytes) = data.get(&key) else {
                    return Err(VolumeError::MissingItem {
                        volume: name.clone(),
                        kind,
                        key,
                    });
                };
                let file = path.join(&rel);
                if let Some(parent) = file.parent() {
                    std::fs::create_dir_all(parent).map_err(io(&name, parent))?;
                }
                std::fs::write(&file, bytes).map_err(io(&name, &file))?;
                let mode = item_mode.or(mode).unwrap_or(0o644);
                let mode = u32::try_from(mode).unwrap_or(0o644) & 0o7777;
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode))
                    .map_err(io(&name, &file))?;
            }
            Ok(())
        };
        let read_only = if let Some(cm) = &v.config_map {
            let data = match refs.config_maps.get(&cm.name).cloned().flatten() {
                Some(d) => Some(d),
                None if cm.optional == Some(true) => None,
                None => {
                    let source = PrepareError::ConfigMapNotFound {
                        name: cm.name.clone(),
                    };
                    return Err(VolumeError::Reference {
                        volume: name,
                        source,
                    });
                }
            };
            keyed("configmap", data, cm.items.as_ref(), cm.default_mode)?;
            true
        } else if let Some(s) = &v.secret {
            let secret = s.secret_name.clone().unwrap_or_default();
            let data = match refs.secrets.get(&secret).cloned().flatten() {
                Some(d) => Some(d),
                None if s.optional == Some(true) => None,
                None => {
                    let source = PrepareError::SecretNotFound { name: secret };
                    return Err(VolumeError::Reference {
                        volume: name,
                        source,
                    });
                }
            };
            keyed("secret", data, s.items.as_ref(), s.default_mode)?;
            true
        } else if v.empty_dir.is_some() {
            std::fs::create_dir_all(&path).map_err(io(&name, &path))?;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o777))
                .map_err(io(&name, &path))?;
            false
        } else if let Some(h) = &v.host_path {
            let host = PathBuf::from(&h.path);
            if matches!(h.type_.as_deref(), Some("DirectoryOrCreate")) {
                std::fs::create_dir_all(&host).map_err(io(&name, &host))?;
            }
            out.insert(
                name,
                Volume {
                    path: host,
                    read_only: false,
                },
            );
            continue;
        } else {
            return Err(VolumeError::Unsupported { volume: name });
        };
        out.insert(name, Volume { path, read_only });
    }
    Ok(Volumes(out))
}

fn relative_ok(p: &str) -> bool {
    Path::new(p)
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

impl Volumes {
    /// The bind mounts of `container` (subPath directories are created in the volume).
    pub fn mounts(&self, container: &Container) -> Result<Vec<Mount>, VolumeError> {
        let mut out = Vec::new();
        for m in container.volume_mounts.iter().flatten() {
            let bad = |problem: &str| VolumeError::BadMount {
                container: container.name.clone(),
                mount: m.mount_path.clone(),
                problem: problem.to_owned(),
            };
            let vol = self
                .0
                .get(&m.name)
                .ok_or_else(|| bad(&format!("no volume named {:?}", m.name)))?;
            if !m.mount_path.starts_with('/') {
                return Err(bad("mountPath must be absolute"));
            }
            let mut source = vol.path.clone();
            if let Some(sub) = m.sub_path.as_deref().filter(|s| !s.is_empty()) {
                if !relative_ok(sub) {
                    return Err(bad("subPath must be a relative path without '..'"));
                }
                source = source.join(sub);
                if !source.exists() {
                    std::fs::create_dir_all(&source).map_err(io(&m.name, &source))?;
                }
            }
            out.push(Mount {
                source,
                target: PathBuf::from(&m.mount_path),
                read_only: vol.read_only || m.read_only == Some(true),
            });
        }
        Ok(out)
    }
}

/// Without a mount namespace: rewrites every path in `value` that starts with a mount's target
/// (or the termination message path) to the materialised path. A path is recognised at the
/// start of the value or after whitespace, `=`, `:`, `,`, `;` or a quote, and must end there or
/// continue with `/`: `/etc/cfg/a`, `--config=/etc/cfg/a` and `sh -c 'cat /etc/cfg/a'` are
/// rewritten, `/etc/cfgx` and `x/etc/cfg` are not.
pub fn rewrite_path(value: &str, mounts: &[Mount]) -> String {
    let mut targets: Vec<(String, String)> = mounts
        .iter()
        .filter_map(|m| {
            let t = m.target.to_str()?.trim_end_matches('/');
            (!t.is_empty()).then(|| (t.to_owned(), m.source.display().to_string()))
        })
        .collect();
    targets.sort_by_key(|(t, _)| std::cmp::Reverse(t.len()));
    let before = |c: char| c.is_whitespace() || "=:,;'\"(".contains(c);
    let after = |c: char| c == '/' || before(c) || c == ')';
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    let mut at_boundary = true;
    while let Some(c) = rest.chars().next() {
        if at_boundary {
            let hit = targets.iter().find(|(t, _)| {
                rest.strip_prefix(t.as_str())
                    .is_some_and(|r| r.chars().next().is_none_or(after))
            });
            if let Some((t, src)) = hit {
                out.push_str(src);
                rest = &rest[t.len()..];
                at_boundary = false;
                continue;
            }
        }
        out.push(c);
        at_boundary = before(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn materialises_and_mounts() {
        let dir = std::env::temp_dir().join(format!("jr-vol-{}", std::process::id()));
        let pod: Pod = serde_yaml::from_str(
            r#"
spec:
  containers:
  - name: c
    volumeMounts:
    - {name: cfg, mountPath: /etc/cfg}
    - {name: scratch, mountPath: /work, subPath: a/b}
    - {name: sec, mountPath: /run/s, readOnly: true}
  volumes:
  - name: cfg
    configMap: {name: cm, items: [{key: k, path: sub/file.txt, mode: 384}]}
  - name: sec
    secret: {secretName: s, defaultMode: 256}
  - {name: scratch, emptyDir: {}}
"#,
        )
        .unwrap();
        let mut refs = Refs::default();
        refs.config_maps.insert(
            "cm".into(),
            Some(BTreeMap::from([("k".into(), b"v".to_vec())])),
        );
        refs.secrets.insert(
            "s".into(),
            Some(BTreeMap::from([("pw".into(), b"x".to_vec())])),
        );
        let vols = materialise(&pod, &dir, &refs).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.join("cfg/sub/file.txt")).unwrap(),
            "v"
        );
        let mode = std::fs::metadata(dir.join("sec/pw"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o400);
        let mounts = vols
            .mounts(&pod.spec.as_ref().unwrap().containers[0])
            .unwrap();
        assert_eq!(mounts[1].source, dir.join("scratch/a/b"));
        assert!(dir.join("scratch/a/b").is_dir());
        assert!(mounts[0].read_only && !mounts[1].read_only && mounts[2].read_only);
        assert_eq!(
            rewrite_path("/etc/cfg/sub/file.txt", &mounts),
            format!("{}/cfg/sub/file.txt", dir.display())
        );
        assert_eq!(rewrite_path("/etc/cfgx", &mounts), "/etc/cfgx");
        assert_eq!(
            rewrite_path("/work", &mounts),
            format!("{}/scratch/a/b", dir.display())
        );
        refs.secrets.insert("s".into(), None);
        let err = materialise(&pod, &dir, &refs).unwrap_err();
        assert_eq!(
            err.to_string(),
            "MountVolume.SetUp failed for volume \"sec\" : secret \"s\" not found"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
