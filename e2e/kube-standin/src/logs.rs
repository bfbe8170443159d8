//! `pods/<name>/log`: proxied to the kubelet of the pod's node, as kube-apiserver does. The node's
//! address and port come from the Node object (`status.addresses`, `daemonEndpoints`); the
//! e2e job-runner registers itself that way and serves `/containerLogs/...` over plain HTTP.

use axum::body::Body;
use axum::http::{Request as HttpRequest, StatusCode};
use axum::response::Response;
use hyper_util::rt::TokioIo;
use serde_json::Value;

use crate::error::{ApiError, Subject};
use crate::objects::Request;
use crate::store::Key;

/// GET of a pod's log, streamed from its node.
pub async fn pod_log(req: &Request<'_>, raw_query: Option<&str>) -> Result<Response, ApiError> {
    let name = req.name.clone().unwrap_or_default();
    let namespace = req.namespace.clone().unwrap_or_default();
    let (pod, node) = {
        let guard = req.state.store.lock();
        let pod = guard
            .get(&Key {
                storage: "/pods".to_owned(),
                namespace: namespace.clone(),
                name: name.clone(),
            })
            .cloned()
            .ok_or_else(|| {
                ApiError::not_found(&Subject {
                    group: "",
                    resource: "pods",
                    name: &name,
                })
            })?;
        let node_name = pod["spec"]["nodeName"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let node = guard
            .get(&Key {
                storage: "/nodes".to_owned(),
                namespace: String::new(),
                name: node_name,
            })
            .cloned();
        (pod, node)
    };
    let container = container_name(&pod, req.params.get("container"))?;
    let Some(node) = node else {
        return Err(ApiError::bad_request(format!(
            "container \"{container}\" in pod \"{name}\" is waiting to start: ContainerCreating"
        )));
    };
    let address = node["status"]["addresses"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|a| a["type"] == "InternalIP")
        .and_then(|a| a["address"].as_str())
        .unwrap_or("127.0.0.1")
        .to_owned();
    let port = node["status"]["daemonEndpoints"]["kubeletEndpoint"]["Port"]
        .as_u64()
        .unwrap_or(10250);
    let mut path = format!("/containerLogs/{namespace}/{name}/{container}");
    if let Some(query) = raw_query.filter(|q| !q.is_empty()) {
        path.push('?');
        path.push_str(query);
    }
    let unreachable = |e: &dyn std::fmt::Display| {
        ApiError::bad_gateway(format!("Get \"http://{address}:{port}{path}\": {e}"))
    };
    let stream = tokio::net::TcpStream::connect((address.as_str(), port as u16))
        .await
        .map_err(|e| unreachable(&e))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| unreachable(&e))?;
    tokio::spawn(connection);
    let request = HttpRequest::get(path.as_str())
        .header("host", format!("{address}:{port}"))
        .body(Body::empty())
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| unreachable(&e))?;
    let status = response.status();
    if status == StatusCode::NOT_FOUND {
        return Err(ApiError::bad_request(format!(
            "container \"{container}\" in pod \"{name}\" is waiting to start: ContainerCreating"
        )));
    }
    let (parts, body) = response.into_parts();
    if !status.is_success() {
        // the kubelet answers errors in plain text; the API server wraps them in a Status
        let text = axum::body::to_bytes(Body::new(body), 64 * 1024)
            .await
            .map_err(|e| unreachable(&e))?;
        let message = String::from_utf8_lossy(&text).trim().to_owned();
        return Err(if status.is_client_error() {
            ApiError::bad_request(message)
        } else {
            ApiError::internal(message)
        });
    }
    let mut proxied = Response::new(Body::new(body));
    *proxied.status_mut() = parts.status;
    if let Some(content_type) = parts.headers.get("content-type") {
        proxied
            .headers_mut()
            .insert("content-type", content_type.clone());
    }
    Ok(proxied)
}

/// The container a log request means: the one named, or the only one.
fn container_name(pod: &Value, requested: Option<&str>) -> Result<String, ApiError> {
    let name = pod["metadata"]["name"].as_str().unwrap_or_default();
    let names: Vec<&str> = ["initContainers", "containers"]
        .iter()
        .flat_map(|list| pod["spec"][list].as_array().into_iter().flatten())
        .filter_map(|c| c["name"].as_str())
        .collect();
    match requested {
        Some(container) if names.contains(&container) => Ok(container.to_owned()),
        Some(container) => Err(ApiError::bad_request(format!(
            "container {container} is not valid for pod {name}"
        ))),
        None => {
            let main: Vec<&str> = pod["spec"]["containers"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c["name"].as_str())
                .collect();
            match main.as_slice() {
                [only] => Ok((*only).to_owned()),
                _ => Err(ApiError::bad_request(format!(
                    "a container name must be specified for pod {name}, choose one of: [{}]",
                    main.join(" ")
                ))),
            }
        }
    }
}
