//! The Node object this program stands for: registered (created or updated) at start, its
//! Ready condition's heartbeat kept fresh.

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::core::v1::{
    DaemonEndpoint, Node, NodeAddress, NodeCondition, NodeDaemonEndpoints, NodeStatus,
    NodeSystemInfo,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use k8s_openapi::jiff::Timestamp;
use kube::Api;
use kube::api::{Patch, PatchParams, PostParams};
use tracing::warn;

use crate::pod_status::LOCAL_IP;

/// The kubelet version job-runner reports.
pub const KUBELET_VERSION: &str = "v1.33.0-job-runner";
/// How often the Ready condition's heartbeat is renewed.
pub const HEARTBEAT: Duration = Duration::from_secs(10);

/// Go's GOARCH name of this machine.
fn arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

fn status(name: &str, port: u16, ready_since: Timestamp, now: Timestamp) -> NodeStatus {
    let q = |s: &str| Quantity(s.to_owned());
    let resources = BTreeMap::from([
        ("cpu".to_owned(), q("2")),
        ("memory".to_owned(), q("4Gi")),
        ("pods".to_owned(), q("110")),
        ("ephemeral-storage".to_owned(), q("10Gi")),
    ]);
    NodeStatus {
        addresses: Some(vec![
            NodeAddress {
                type_: "InternalIP".to_owned(),
                address: LOCAL_IP.to_owned(),
            },
            NodeAddress {
                type_: "Hostname".to_owned(),
                address: name.to_owned(),
            },
        ]),
        daemon_endpoints: Some(NodeDaemonEndpoints {
            kubelet_endpoint: Some(DaemonEndpoint {
                port: i32::from(port),
            }),
        }),
        conditions: Some(vec![NodeCondition {
            type_: "Ready".to_owned(),
            status: "True".to_owned(),
            reason: Some("KubeletReady".to_owned()),
            message: Some("kubelet is posting ready status".to_owned()),
            last_heartbeat_time: Some(Time(now)),
            last_transition_time: Some(Time(ready_since)),
        }]),
        node_info: Some(NodeSystemInfo {
            architecture: arch().to_owned(),
            operating_system: std::env::consts::OS.to_owned(),
            kubelet_version: KUBELET_VERSION.to_owned(),
            kube_proxy_version: String::new(),
            container_runtime_version: "job-runner://0.1.0".to_owned(),
            os_image: "job-runner (local processes)".to_owned(),
            kernel_version: String::new(),
            machine_id: String::new(),
            system_uuid: String::new(),
            boot_id: String::new(),
            swap: None,
        }),
        capacity: Some(resources.clone()),
        allocatable: Some(resources),
        ..NodeStatus::default()
    }
}

/// Creates or updates the Node and its status.
pub async fn register(api: &Api<Node>, name: &str, port: u16) -> Result<(), kube::Error> {
    let labels = BTreeMap::from([
        ("kubernetes.io/hostname".to_owned(), name.to_owned()),
        (
            "kubernetes.io/os".to_owned(),
            std::env::consts::OS.to_owned(),
        ),
        ("kubernetes.io/arch".to_owned(), arch().to_owned()),
    ]);
    match api.get_opt(name).await? {
        Some(_) => {
            let patch = serde_json::json!({ "metadata": { "labels": labels } });
            api.patch(name, &PatchParams::default(), &Patch::Merge(&patch))
                .await?;
        }
        None => {
            let node = Node {
                metadata: ObjectMeta {
                    name: Some(name.to_owned()),
                    labels: Some(labels),
                    ..ObjectMeta::default()
                },
                ..Node::default()
            };
            api.create(&PostParams::default(), &node).await?;
        }
    }
    let now = Timestamp::now();
    let patch = serde_json::json!({ "status": status(name, port, now, now) });
    api.patch_status(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await?;
    Ok(())
}

/// Renews the Ready heartbeat forever.
pub async fn heartbeat(api: Api<Node>, name: String, port: u16) {
    let since = Timestamp::now();
    loop {
        tokio::time::sleep(HEARTBEAT).await;
        let patch = serde_json::json!({ "status": status(&name, port, since, Timestamp::now()) });
        if let Err(e) = api
            .patch_status(&name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
        {
            warn!(node = %name, error = %e, "node heartbeat failed");
        }
    }
}
