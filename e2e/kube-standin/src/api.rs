//! Routing: health and discovery endpoints by path; every resource path goes through
//! [`dispatch`], which resolves the resource type and calls the verb. Every request first
//! passes the filters of [`chain`] (authentication, impersonation, authorization, audit).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State as Extract;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use serde_json::Value;

use crate::authz::reviews;
use crate::chain::{self, Caller};
use crate::error::ApiError;
use crate::http::{Params, json_response, parse_body};
use crate::objects::{self, Request};
use crate::state::State;
use crate::{discovery, logs, openapi, watch};

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
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            chain::filter,
        ))
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
    Extension(caller): Extension<Arc<Caller>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    match route(&state, &caller, &method, &uri, headers, &body).await {
        Ok(response) => response,
        Err(error) => {
            tracing::debug!(%method, path, code = error.code, message = error.message, "request refused");
            error.into_response()
        }
    }
}

async fn route(
    state: &Arc<State>,
    caller: &Caller,
    method: &Method,
    uri: &Uri,
    headers: HeaderMap,
    body: &[u8],
) -> Result<Response, ApiError> {
    let path = uri.path();
    if let Some(document) = documents(state, path) {
        return Ok(ok(document));
    }
    let info = &caller.info;
    if !info.is_resource_request || info.parts.len() > 3 {
        return Err(ApiError::no_route(path));
    }
    let rt = state
        .resource(&info.api_group, &info.api_version, &info.resource)
        .ok_or_else(|| ApiError::no_route(path))?;
    let namespace = info.object_namespace().map(str::to_owned);
    if namespace.is_some() && !rt.namespaced {
        return Err(ApiError::no_route(path));
    }
    let subresource = Some(info.subresource.as_str()).filter(|s| !s.is_empty());
    if let Some(sub) = subresource
        && !rt.has_subresource(sub)
    {
        return Err(ApiError::no_route(path));
    }
    // the name in the path (a list's field selector may name an object too)
    let name = info.parts.get(1).cloned();
    let req = Request {
        state,
        rt,
        namespace,
        name,
        status: subresource == Some("status"),
        params: Params::parse(uri.query()),
        headers,
        user: &caller.user,
    };
    let needs_namespace = req.rt.namespaced && req.namespace.is_none();
    let verb = method.as_str();
    if req.rt.create_only {
        return match (verb, req.name.is_some()) {
            ("POST", false) => {
                let review = parse_body(&req.headers, body)?;
                let guard = state.store.lock();
                let mode = state.config.authorization_mode;
                let answer = reviews::create(mode, &guard, &req.rt.kind, &caller.user, review)?;
                Ok(json_response(StatusCode::CREATED, &answer))
            }
            _ => Err(ApiError::method_not_supported(&req.rt.plural, verb)),
        };
    }
    let watching = info.verb == "watch";
    match (verb, req.name.as_deref(), subresource) {
        ("GET", Some(_), Some("log")) => logs::pod_log(&req, uri.query()).await,
        ("POST", Some(account), Some("token")) => {
            let guard = state.store.lock();
            let namespace = req.namespace.as_deref().unwrap_or_default();
            let token = state.authenticator.tokens.create(
                &guard,
                namespace,
                account,
                &req.headers,
                body,
                time::OffsetDateTime::now_utc(),
            )?;
            Ok(json_response(StatusCode::CREATED, &token))
        }
        (_, _, Some(sub @ ("log" | "token"))) => Err(ApiError::method_not_supported(
            &format!("{}/{sub}", req.rt.plural),
            verb,
        )),
        ("GET", None, _) if watching => watch::watch(&req),
        ("GET", None, _) => objects::list(&req),
        ("GET", Some(_), _) if watching => {
            // `/watch/.../<name>` is a watch with a name field selector
            let mut req = req;
            let name = req.name.take().unwrap_or_default();
            req.params
                .0
                .insert("fieldSelector".to_owned(), format!("metadata.name={name}"));
            watch::watch(&req)
        }
        ("GET", Some(_), _) => objects::get(&req),
        ("POST", None, _) if needs_namespace => Err(ApiError::no_route(path)),
        ("POST", None, _) => objects::create(&req, body),
        ("PUT", Some(_), _) => objects::update(&req, body),
        ("PATCH", Some(_), _) => objects::patch(&req, body),
        ("DELETE", Some(_), None) => objects::delete(&req, body),
        ("DELETE", None, None) => objects::delete_collection(&req, body),
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
