//! The audit log (`--audit-log-path`): one `audit.k8s.io/v1` `Event` per line, as
//! kube-apiserver's log backend writes them under the policy `level: Metadata` with
//! `omitStages: [RequestReceived]` (staging/src/k8s.io/apiserver/pkg/apis/audit/v1/types.go):
//! `ResponseComplete` for each request; long-running requests (watches, logs) also get
//! `ResponseStarted` when their response begins; a request whose credentials were refused
//! gets one `ResponseStarted` event without a user.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Mutex;

use axum::http::{HeaderMap, Uri, header};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::authn::user::UserInfo;
use crate::authz::Decision;
use crate::request::RequestInfo;

/// Subresources whose requests stream (kube-apiserver's long-running request check).
const LONG_RUNNING_SUBRESOURCES: &[&str] = &["attach", "exec", "proxy", "log", "portforward"];

/// An audit log file, appended to one line per event.
#[derive(Debug)]
pub struct AuditLog {
    file: Mutex<File>,
}

impl AuditLog {
    /// Opens (creating) `path` for appending.
    pub fn open(path: &Path) -> std::io::Result<Self> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Self {
            file: Mutex::new(file),
        })
    }

    /// Appends one event.
    pub fn write(&self, event: &Value) {
        let line = format!("{event}\n");
        let mut file = self
            .file
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Err(e) = file.write_all(line.as_bytes()) {
            tracing::warn!(error = %e, "writing the audit log");
        }
    }
}

/// Which moment of a request an event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The response headers were sent (long-running requests, refused credentials).
    ResponseStarted,
    /// The response is complete.
    ResponseComplete,
}

/// What the events of one request say, filled in as the request passes the filters.
#[derive(Debug, Clone)]
pub struct Record {
    /// `auditID` (the request's `Audit-ID` header, else a new UUID).
    pub audit_id: String,
    request_uri: String,
    verb: String,
    /// The authenticated user (empty when authentication failed).
    pub user: UserInfo,
    /// The user impersonated, if any.
    pub impersonated: Option<UserInfo>,
    source_ips: Vec<String>,
    user_agent: String,
    object_ref: Option<Map<String, Value>>,
    annotations: BTreeMap<String, String>,
    received: OffsetDateTime,
    /// Whether the request streams (`ResponseStarted` comes first).
    pub long_running: bool,
}

impl Record {
    /// The record of a request received at `received` from `peer`.
    pub fn new(
        info: &RequestInfo,
        uri: &Uri,
        headers: &HeaderMap,
        peer: Option<SocketAddr>,
        received: OffsetDateTime,
    ) -> Self {
        let header = |name| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let object_ref = info.is_resource_request.then(|| {
            let mut object_ref = Map::new();
            for (field, value) in [
                ("resource", &info.resource),
                ("namespace", &info.namespace),
                ("name", &info.name),
                ("apiGroup", &info.api_group),
                ("apiVersion", &info.api_version),
                ("subresource", &info.subresource),
            ] {
                if !value.is_empty() {
                    object_ref.insert(field.to_owned(), json!(value));
                }
            }
            object_ref
        });
        Self {
            audit_id: Some(header("audit-id"))
                .filter(|id| !id.is_empty())
                .unwrap_or_else(crate::admission::new_uid),
            request_uri: uri
                .path_and_query()
                .map_or_else(|| uri.path().to_owned(), |p| p.as_str().to_owned()),
            verb: info.verb.clone(),
            user: UserInfo::default(),
            impersonated: None,
            source_ips: peer.map(|p| p.ip().to_string()).into_iter().collect(),
            user_agent: header(header::USER_AGENT.as_str()),
            object_ref,
            annotations: BTreeMap::new(),
            received,
            long_running: info.verb == "watch"
                || (info.is_resource_request
                    && LONG_RUNNING_SUBRESOURCES.contains(&info.subresource.as_str())),
        }
    }

    /// Notes the authorizer's decision, as the authorization filter annotates the event.
    pub fn authorized(&mut self, decision: &Decision) {
        let verdict = if decision.allowed { "allow" } else { "forbid" };
        self.annotations.insert(
            "authorization.k8s.io/decision".to_owned(),
            verdict.to_owned(),
        );
        self.annotations.insert(
            "authorization.k8s.io/reason".to_owned(),
            decision.reason.clone(),
        );
    }

    /// Completes `objectRef` from the request's object (name, namespace, uid,
    /// resourceVersion), as `LogRequestObject` does for creates and updates.
    pub fn request_object(&mut self, object: &Value) {
        let Some(object_ref) = &mut self.object_ref else {
            return;
        };
        for field in ["namespace", "name", "uid", "resourceVersion"] {
            if let Some(value) = object["metadata"][field].as_str().filter(|v| !v.is_empty()) {
                object_ref.entry(field).or_insert_with(|| json!(value));
            }
        }
    }

    /// The event of `stage`, with `response_status` (`{code}`, or a failure's `Status`
    /// fields).
    pub fn event(&self, stage: Stage, response_status: Value) -> Value {
        let stage = match stage {
            Stage::ResponseStarted => "ResponseStarted",
            Stage::ResponseComplete => "ResponseComplete",
        };
        let mut event = json!({
            "kind": "Event",
            "apiVersion": "audit.k8s.io/v1",
            "level": "Metadata",
            "auditID": self.audit_id,
            "stage": stage,
            "requestURI": self.request_uri,
            "verb": self.verb,
            "user": self.user.to_json(),
            "sourceIPs": self.source_ips,
            "responseStatus": response_status,
            "requestReceivedTimestamp": micro_time(self.received),
            "stageTimestamp": micro_time(OffsetDateTime::now_utc()),
        });
        if let Some(user) = &self.impersonated {
            event["impersonatedUser"] = user.to_json();
        }
        if !self.user_agent.is_empty() {
            event["userAgent"] = json!(self.user_agent);
        }
        if let Some(object_ref) = &self.object_ref {
            event["objectRef"] = Value::Object(object_ref.clone());
        }
        if !self.annotations.is_empty() {
            event["annotations"] = json!(self.annotations);
        }
        event
    }
}

/// `responseStatus` of a response with `code`: the `Status` of a failure (without its type
/// meta), or just the code.
pub fn response_status(code: u16, failure: Option<&Value>) -> Value {
    let mut status = json!({"metadata": {}});
    if let Some(failure) = failure {
        for field in ["status", "message", "reason", "details"] {
            if let Some(value) = failure.get(field) {
                status[field] = value.clone();
            }
        }
    }
    status["code"] = json!(code);
    status
}

/// `metav1.MicroTime`: RFC 3339 with microseconds, UTC.
fn micro_time(at: OffsetDateTime) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    at.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Params;

    #[test]
    fn events_carry_the_request_the_users_and_the_outcome() {
        let uri: Uri = "/apis/batch/v1/namespaces/forum/jobs?fieldManager=x"
            .parse()
            .unwrap();
        let info = RequestInfo::new("POST", uri.path(), &Params::parse(uri.query()));
        let mut headers = HeaderMap::new();
        headers.insert(header::USER_AGENT, "kubectl/v1.33.0".parse().unwrap());
        let peer: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let mut record = Record::new(&info, &uri, &headers, Some(peer), OffsetDateTime::now_utc());
        record.user = UserInfo::service_account("dbmigrate-system", "dbmigrate").authenticated();
        record.authorized(&Decision {
            allowed: false,
            reason: String::new(),
        });
        record.request_object(&json!({"metadata": {"name": "migrate-1"}}));
        let event = record.event(
            Stage::ResponseComplete,
            response_status(403, Some(&json!({"kind": "Status", "status": "Failure", "reason": "Forbidden", "message": "no"}))),
        );
        assert_eq!(event["stage"], "ResponseComplete");
        assert_eq!(event["verb"], "create");
        assert_eq!(
            event["requestURI"],
            "/apis/batch/v1/namespaces/forum/jobs?fieldManager=x"
        );
        assert_eq!(
            event["user"]["username"],
            "system:serviceaccount:dbmigrate-system:dbmigrate"
        );
        assert_eq!(event["sourceIPs"], json!(["127.0.0.1"]));
        assert_eq!(event["userAgent"], "kubectl/v1.33.0");
        assert_eq!(
            event["objectRef"],
            json!({"resource": "jobs", "namespace": "forum", "name": "migrate-1", "apiGroup": "batch", "apiVersion": "v1"})
        );
        assert_eq!(
            event["responseStatus"],
            json!({"metadata": {}, "status": "Failure", "reason": "Forbidden", "message": "no", "code": 403})
        );
        assert_eq!(
            event["annotations"]["authorization.k8s.io/decision"],
            "forbid"
        );
        assert!(!record.long_running);
        let micro = event["stageTimestamp"].as_str().unwrap();
        assert_eq!(micro.len(), "2026-01-01T00:00:00.000000Z".len(), "{micro}");
    }
}
