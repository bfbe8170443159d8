//! Routing: health and discovery endpoints by path; every resource path goes through
//! [`dispatch`], which resolves the resource type and calls the verb.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as Extract;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;

use crate::error::ApiError;
use crate::http::{Params, json_response};
use crate::objects::{self, Request};
use crate::state::State;
use crate::{discovery, logs, openapi, request, watch};

/// The HTTP application of one server listening on `address`.
pub fn router(state: Arc<State>, address: SocketAddr) -> Router {
    let address = address.to_string();
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(|| async { "ok" }))
        .route("/livez", get(|| async { "ok" }))
        .route("/version", get(|| async { ok(discovery::version()) }))
        .route(
            "/api",
            get(move || async move { ok(discovery::core_versions(&address)) }),
        )
        .route(
            "/apis",
            get(|Extract(state): Extract<Arc<State>>| async move {
                ok(discovery::groups(&state.registry()))
            }),
        )
        .route(
            "/openapi/v3",
            get(|Extract(state): Extract<Arc<State>>| async move {
                ok(openapi::index(&state.registry()))
            }),
        )
        .route("/openapi/v2", get(openapi_v2))
        .fallback(dispatch)
        .with_state(state)
}

/// `/openapi/v2`, in protobuf (the only encoding kubectl asks for).
async fn openapi_v2(Extract(state): Extract<Arc<State>>) -> Response {
    let body = crate::openapi_v2::document(&state.registry());
    let mut response = Response::new(axum::body::Body::from(body));
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static(crate::openapi_v2::PROTOBUF),
    );
    response
}

fn ok(body: Value) -> Response {
    json_response(StatusCode::OK, &body)
}

/// Resource requests, discovery of one group or version, OpenAPI documents.
async fn dispatch(
    Extract(state): Extract<Arc<State>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    match route(&state, &method, &uri, headers, &body).await {
        Ok(response) => response,
        Err(error) => {
            tracing::debug!(%method, path, code = error.code, message = error.message, "request refused");
            error.into_response()
        }
    }
}

async fn route(
    state: &Arc<State>,
    method: &Method,
    uri: &Uri,
    headers: HeaderMap,
    body: &[u8],
) -> Result<Response, ApiError> {
    let path = uri.path();
    if let Some(document) = documents(state, path) {
        return Ok(ok(document));
    }
    let target = request::parse(path).ok_or_else(|| ApiError::no_route(path))?;
    let rt = state
        .resource(&target.group, &target.version, &target.resource)
        .ok_or_else(|| ApiError::no_route(path))?;
    if target.namespace.is_some() && !rt.namespaced {
        return Err(ApiError::no_route(path));
    }
    if let Some(sub) = &target.subresource
        && !rt.has_subresource(sub)
    {
        return Err(ApiError::no_route(path));
    }
    let params = Params::parse(uri.query());
    let watching = target.watch_prefix || params.flag("watch");
    let req = Request {
        state,
        rt,
        namespace: target.namespace,
        name: target.name,
        status: target.subresource.as_deref() == Some("status"),
        params,
        headers,
    };
    let needs_namespace = req.rt.namespaced && req.namespace.is_none();
    match (
        method.as_str(),
        req.name.is_some(),
        target.subresource.as_deref(),
    ) {
        ("GET", true, Some("log")) => logs::pod_log(&req, uri.query()).await,
        ("GET", false, _) if watching => watch::watch(&req),
        ("GET", false, _) => objects::list(&req),
        ("GET", true, _) if watching => {
            // `watch` on a single object is a watch with a name field selector
            let mut req = req;
            let name = req.name.take().unwrap_or_default();
            req.params
                .0
                .insert("fieldSelector".to_owned(), format!("metadata.name={name}"));
            watch::watch(&req)
        }
        ("GET", true, _) => objects::get(&req),
        ("POST", false, _) if needs_namespace => Err(ApiError::no_route(path)),
        ("POST", false, _) => objects::create(&req, body),
        ("PUT", true, _) => objects::update(&req, body),
        ("PATCH", true, _) => objects::patch(&req, body),
        ("DELETE", true, None) => objects::delete(&req, body),
        ("DELETE", false, None) => objects::delete_collection(&req, body),
        (verb, _, _) => Err(ApiError::method_not_supported(&req.rt.plural, verb)),
    }
}

/// `/api/v1`, `/apis/<group>`, `/apis/<group>/<version>`, `/openapi/v3/...`.
fn documents(state: &State, path: &str) -> Option<Value> {
    let registry = state.registry();
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match parts.as_slice() {
        ["api", version] => discovery::resources(&registry, "", version),
        ["apis", group] => discovery::group(&registry, group),
        ["apis", group, version] => discovery::resources(&registry, group, version),
        ["openapi", "v3", "api", version] => openapi::document(&registry, "", version),
        ["openapi", "v3", "apis", group, version] => openapi::document(&registry, group, version),
        _ => None,
    }
}
