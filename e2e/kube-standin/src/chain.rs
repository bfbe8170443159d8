//! The filters every request passes before its handler, in the order of kube-apiserver's
//! `DefaultBuildHandlerChain`: request info, authentication (`401`), audit, impersonation,
//! authorization (`403`, before any list or watch starts). The handler finds who asked and what
//! for in the request's [`Caller`] extension; the audit log gets the request's events.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State as Extract};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::audit::{Record, Stage, response_status};
use crate::authn::impersonation::impersonate;
use crate::authn::user::UserInfo;
use crate::authz::{Attributes, forbidden};
use crate::error::{ApiError, StatusBody};
use crate::http::{Params, parse_body};
use crate::request::RequestInfo;
use crate::state::State;

/// Who a request acts as and what it asks for, as the filters established them.
#[derive(Debug)]
pub struct Caller {
    /// The request's RequestInfo.
    pub info: RequestInfo,
    /// The user it acts as (the impersonated one, when impersonating).
    pub user: UserInfo,
}

/// The middleware: runs the filters, then the handler, and writes the audit events.
pub async fn filter(
    Extract(state): Extract<Arc<State>>,
    mut request: Request,
    next: Next,
) -> Response {
    let received = OffsetDateTime::now_utc();
    let info = RequestInfo::new(
        request.method().as_str(),
        request.uri().path(),
        &Params::parse(request.uri().query()),
    );
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let mut record = Record::new(&info, request.uri(), request.headers(), peer, received);
    let user = match state
        .authenticator
        .authenticate(&state.store, request.headers(), received)
    {
        Ok(user) => user,
        Err(error) => {
            tracing::debug!(path = info.path, %error, "Unauthorized");
            if let Some(log) = &state.audit {
                let status = json!({"metadata": {}, "status": "Failure", "reason": "Unauthorized",
                    "message": "Authentication failed, attempted: bearer", "code": 401});
                log.write(&record.event(Stage::ResponseStarted, status));
            }
            return with_audit_id(ApiError::unauthorized().into_response(), &record.audit_id);
        }
    };
    record.user = user.clone();
    let acting = match impersonate(request.headers(), &user, |a| state.authorize(&user, a)) {
        Ok(Some(acting)) => {
            record.impersonated = Some(acting.clone());
            acting
        }
        Ok(None) => user,
        Err(error) => return finish(&state, record, error.into_response()),
    };
    let attributes = Attributes::from(&info);
    let decision = state.authorize(&acting, &attributes);
    record.authorized(&decision);
    if !decision.allowed {
        let error = forbidden(&acting, &attributes, &decision.reason);
        tracing::debug!(uri = %request.uri(), reason = decision.reason, "Forbidden");
        return finish(&state, record, error.into_response());
    }
    if state.audit.is_some()
        && info.is_resource_request
        && matches!(info.verb.as_str(), "create" | "update")
    {
        request = match with_request_object(request, &mut record).await {
            Ok(request) => request,
            Err(error) => return finish(&state, record, error.into_response()),
        };
    }
    request
        .extensions_mut()
        .insert(Arc::new(Caller { info, user: acting }));
    let response = next.run(request).await;
    finish(&state, record, response)
}

/// Reads the body to complete the audit `objectRef` from the object sent, then puts it back.
async fn with_request_object(request: Request, record: &mut Record) -> Result<Request, ApiError> {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .map_err(|e| ApiError::bad_request(format!("reading the request body: {e}")))?;
    if let Ok(object) = parse_body(&parts.headers, &bytes) {
        record.request_object(&object);
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

fn with_audit_id(mut response: Response, audit_id: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(audit_id) {
        response.headers_mut().insert("audit-id", value);
    }
    response
}

/// Writes the request's events: `ResponseComplete` now, or for a long-running request
/// `ResponseStarted` now and `ResponseComplete` when its body ends or the client goes.
fn finish(state: &Arc<State>, record: Record, response: Response) -> Response {
    let response = with_audit_id(response, &record.audit_id);
    let Some(log) = &state.audit else {
        return response;
    };
    let failure = response.extensions().get::<StatusBody>().map(|s| &s.0);
    let status = response_status(response.status().as_u16(), failure);
    if !record.long_running {
        log.write(&record.event(Stage::ResponseComplete, status));
        return response;
    }
    log.write(&record.event(Stage::ResponseStarted, status.clone()));
    let completion = Completion {
        state: state.clone(),
        record,
        status,
    };
    let (parts, body) = response.into_parts();
    let stream = body.into_data_stream().map(move |chunk| {
        let _until_the_body_is_dropped = &completion;
        chunk
    });
    Response::from_parts(parts, Body::from_stream(stream))
}

/// Writes the `ResponseComplete` event of a long-running request when dropped with its body.
struct Completion {
    state: Arc<State>,
    record: Record,
    status: Value,
}

impl Drop for Completion {
    fn drop(&mut self) {
        if let Some(log) = &self.state.audit {
            log.write(
                &self
                    .record
                    .event(Stage::ResponseComplete, self.status.clone()),
            );
        }
    }
}
