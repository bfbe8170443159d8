//! kube-standin's audit log as tests read it: the `audit.k8s.io/v1` Events it appends, one
//! JSON object a line (e2e/README.md), with the fields a test asks "who did what" with.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::HarnessError;

/// The user of an event (`authentication.k8s.io/v1` `UserInfo`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct AuditUser {
    /// `username` (empty when authentication failed).
    #[serde(default)]
    pub username: String,
    /// `groups`.
    #[serde(default)]
    pub groups: Vec<String>,
}

/// `objectRef`: the resource a request was about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuditObjectRef {
    /// Plural resource, e.g. `secrets`.
    pub resource: String,
    /// Namespace, if any.
    pub namespace: String,
    /// Object name, if any.
    pub name: String,
    /// API group ("" for core).
    pub api_group: String,
    /// API version.
    pub api_version: String,
    /// Subresource, if any.
    pub subresource: String,
}

/// `responseStatus`: the code, and for a failure its reason and message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct AuditResponseStatus {
    /// HTTP status code.
    pub code: u16,
    /// `Forbidden`, `NotFound`, ... for failures.
    pub reason: String,
    /// The failure's message.
    pub message: String,
}

/// One event of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    /// `auditID`: the events of one request share it.
    #[serde(rename = "auditID")]
    pub audit_id: String,
    /// `ResponseStarted` or `ResponseComplete`.
    pub stage: String,
    /// The request's path and query.
    #[serde(rename = "requestURI")]
    pub request_uri: String,
    /// `get`, `list`, `watch`, `create`, ... (lower-case HTTP method for paths).
    pub verb: String,
    /// Who authenticated.
    pub user: AuditUser,
    /// Who they acted as, when impersonating.
    #[serde(default)]
    pub impersonated_user: Option<AuditUser>,
    /// The resource, for resource requests.
    #[serde(default)]
    pub object_ref: Option<AuditObjectRef>,
    /// The outcome.
    #[serde(default)]
    pub response_status: AuditResponseStatus,
    /// The client's `User-Agent`.
    #[serde(default)]
    pub user_agent: String,
    /// `authorization.k8s.io/decision` and `authorization.k8s.io/reason`.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

impl AuditEvent {
    /// The user the request acted as: the impersonated one, else the authenticated one.
    pub fn acting_user(&self) -> &str {
        self.impersonated_user
            .as_ref()
            .unwrap_or(&self.user)
            .username
            .as_str()
    }

    /// The resource the request was about ("" for non-resource requests).
    pub fn resource(&self) -> &str {
        self.object_ref
            .as_ref()
            .map_or("", |object_ref| object_ref.resource.as_str())
    }
}

/// Every event of the audit log at `path`, oldest first.
pub(crate) fn read(path: &Path) -> Result<Vec<AuditEvent>, HarnessError> {
    let text = std::fs::read_to_string(path)
        .map_err(HarnessError::io(format!("reading {}", path.display())))?;
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            serde_json::from_str(line).map_err(|e| HarnessError::AuditLog {
                path: path.to_path_buf(),
                line: line.to_owned(),
                reason: e.to_string(),
            })
        })
        .collect()
}
