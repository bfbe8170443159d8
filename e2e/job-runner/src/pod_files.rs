//! The files the kubelet and the container runtime give each container of a pod: `/etc/hosts`
//! (the kubelet's managed file, with `hostAliases`), `/etc/hostname` and `/etc/resolv.conf` —
//! the node's, as for `dnsPolicy: Default` (and for `ClusterFirst` when the kubelet has no
//! cluster DNS, as here). Written once per pod; mounted into rootfs containers, which see no
//! host file otherwise.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use k8s_openapi::api::core::v1::Pod;

use crate::volumes::Mount;

/// The pod's address, as job-runner reports it (`status.podIP`).
pub const POD_IP: &str = "127.0.0.1";
/// The node's DNS configuration.
const NODE_RESOLV_CONF: &str = "/etc/resolv.conf";

/// The pod's host name: `spec.hostname`, else its name.
fn hostname(pod: &Pod) -> String {
    pod.spec
        .as_ref()
        .and_then(|s| s.hostname.clone())
        .or_else(|| pod.metadata.name.clone())
        .unwrap_or_default()
}

/// The kubelet's `/etc/hosts` for `pod` (`managedHostsFileContent`).
pub fn hosts_file(pod: &Pod) -> String {
    let spec = pod.spec.as_ref();
    let hostname = hostname(pod);
    let mut text = String::from(
        "# Kubernetes-managed hosts file.\n\
         127.0.0.1\tlocalhost\n\
         ::1\tlocalhost ip6-localhost ip6-loopback\n\
         fe00::0\tip6-localnet\n\
         fe00::0\tip6-mcastprefix\n\
         fe00::1\tip6-allnodes\n\
         fe00::2\tip6-allrouters\n",
    );
    let _ = writeln!(text, "{POD_IP}\t{hostname}");
    let aliases = spec.and_then(|s| s.host_aliases.as_ref());
    if let Some(aliases) = aliases.filter(|a| !a.is_empty()) {
        text.push_str("\n# Entries added by HostAliases.\n");
        for alias in aliases {
            let names = alias.hostnames.clone().unwrap_or_default().join("\t");
            let _ = writeln!(text, "{}\t{names}", alias.ip);
        }
    }
    text
}

/// Writes the pod's files into `dir`; the mounts a container gets of them.
pub fn write(pod: &Pod, dir: &Path) -> std::io::Result<Vec<Mount>> {
    std::fs::create_dir_all(dir)?;
    let resolv_conf = std::fs::read(NODE_RESOLV_CONF).unwrap_or_default();
    let files = [
        ("hosts", hosts_file(pod).into_bytes()),
        ("hostname", format!("{}\n", hostname(pod)).into_bytes()),
        ("resolv.conf", resolv_conf),
    ];
    let mut mounts = Vec::new();
    for (name, content) in files {
        let source = dir.join(name);
        std::fs::write(&source, content)?;
        mounts.push(Mount {
            source,
            target: PathBuf::from("/etc").join(name),
            read_only: false,
        });
    }
    Ok(mounts)
}

/// `extra` without the mounts whose target the container mounts itself (the kubelet does not
/// mount its `/etc/hosts` over a volume mounted there).
pub fn not_shadowed(extra: Vec<Mount>, own: &[Mount]) -> Vec<Mount> {
    extra
        .into_iter()
        .filter(|m| own.iter().all(|o| o.target != m.target))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kubelets_hosts_file_with_the_pod_and_its_aliases() {
        let pod: Pod = serde_yaml::from_str(
            "metadata: {name: step-abc}\n\
             spec:\n  containers: []\n  hostAliases:\n  - {ip: 10.0.0.7, hostnames: [db.internal, db]}\n",
        )
        .unwrap();
        assert_eq!(
            hosts_file(&pod),
            "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n\
             ::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\n\
             fe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n\
             127.0.0.1\tstep-abc\n\n# Entries added by HostAliases.\n10.0.0.7\tdb.internal\tdb\n"
        );
        let dir = std::env::temp_dir().join(format!("jr-pod-files-{}", std::process::id()));
        let mounts = write(&pod, &dir).unwrap();
        let targets: Vec<_> = mounts.iter().map(|m| m.target.clone()).collect();
        assert_eq!(
            targets,
            ["/etc/hosts", "/etc/hostname", "/etc/resolv.conf"].map(PathBuf::from)
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("hostname")).unwrap(),
            "step-abc\n"
        );
        let own = [Mount {
            source: dir.join("mine"),
            target: PathBuf::from("/etc/hosts"),
            read_only: true,
        }];
        assert_eq!(not_shadowed(mounts, &own).len(), 2);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
