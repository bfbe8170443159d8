//! What a request is about, computed from its method, path and query exactly as kube-apiserver's
//! `RequestInfoFactory.NewRequestInfo` does (staging/src/k8s.io/apiserver/pkg/endpoints/request/
//! requestinfo.go): routing, authorization and the audit log all read this one value.

use crate::http::Params;
use crate::selectors::FieldSelector;

/// `RequestInfo`: a resource request (verb, group, version, namespace, resource, subresource,
/// name) or a non-resource one (lower-case HTTP method and path).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestInfo {
    /// Whether the path names an API resource or subresource.
    pub is_resource_request: bool,
    /// The URL path.
    pub path: String,
    /// `get`, `list`, `watch`, `create`, ... for resources; the lower-case HTTP method otherwise.
    pub verb: String,
    /// `api` or `apis` (empty for non-resource requests).
    pub api_prefix: String,
    /// API group, "" for core.
    pub api_group: String,
    /// API version.
    pub api_version: String,
    /// Namespace from the path ("" when none; a namespace's own name for `namespaces/<name>`).
    pub namespace: String,
    /// Plural resource name.
    pub resource: String,
    /// `status`, `log`, `token`, ... when the path names a subresource.
    pub subresource: String,
    /// Object name from the path, or from a `metadata.name=` field selector of a list or watch.
    pub name: String,
    /// The path parts from the resource on: resource/name/subresource/...
    pub parts: Vec<String>,
}

/// Path segments that are verbs rather than resources (`/api/v1/watch/...`).
const SPECIAL_VERBS: &[&str] = &["proxy", "watch"];
/// Special verbs whose paths take no subresource.
const SPECIAL_VERBS_NO_SUBRESOURCES: &[&str] = &["proxy"];
/// Subresources of a namespace, which a path like `namespaces/x/status` names.
const NAMESPACE_SUBRESOURCES: &[&str] = &["status", "finalize"];
/// Path prefixes of API groups; `api` is the groupless (core) one.
const API_PREFIXES: &[&str] = &["api", "apis"];

impl RequestInfo {
    /// The RequestInfo of `method path?query`.
    pub fn new(method: &str, path: &str, params: &Params) -> Self {
        let mut info = Self {
            path: path.to_owned(),
            verb: method.to_lowercase(),
            ..Self::default()
        };
        let trimmed = path.trim_matches('/');
        let mut parts: Vec<&str> = if trimmed.is_empty() {
            Vec::new()
        } else {
            trimmed.split('/').collect()
        };
        if parts.len() < 3 || !API_PREFIXES.contains(&parts[0]) {
            return info;
        }
        info.api_prefix = parts[0].to_owned();
        parts.remove(0);
        if info.api_prefix != "api" {
            if parts.len() < 3 {
                return info;
            }
            info.api_group = parts.remove(0).to_owned();
        }
        info.is_resource_request = true;
        info.api_version = parts.remove(0).to_owned();
        if SPECIAL_VERBS.contains(&parts[0]) {
            if parts.len() < 2 {
                // kube-apiserver answers 404: the path names no resource
                info.is_resource_request = false;
                return info;
            }
            info.verb = parts.remove(0).to_owned();
        } else {
            info.verb = match method {
                "POST" => "create",
                "GET" | "HEAD" => "get",
                "PUT" => "update",
                "PATCH" => "patch",
                "DELETE" => "delete",
                _ => "",
            }
            .to_owned();
        }
        if parts[0] == "namespaces" && parts.len() > 1 {
            info.namespace = parts[1].to_owned();
            if parts.len() > 2 && !NAMESPACE_SUBRESOURCES.contains(&parts[2]) {
                parts.drain(..2);
            }
        }
        info.parts = parts.iter().map(|p| (*p).to_owned()).collect();
        if parts.len() >= 3 && !SPECIAL_VERBS_NO_SUBRESOURCES.contains(&info.verb.as_str()) {
            info.subresource = parts[2].to_owned();
        }
        if parts.len() >= 2 {
            info.name = parts[1].to_owned();
        }
        if let Some(resource) = parts.first() {
            info.resource = (*resource).to_owned();
        }
        if info.name.is_empty() && info.verb == "get" {
            // any value of `watch` but `0` and `false` makes it a watch
            let watch = params
                .0
                .get("watch")
                .is_some_and(|v| !matches!(v.to_lowercase().as_str(), "false" | "0"));
            info.verb = if watch { "watch" } else { "list" }.to_owned();
            if let Some(name) = params
                .get("fieldSelector")
                .and_then(|s| FieldSelector::exact_match(s, "metadata.name"))
                .filter(|n| valid_path_segment(n))
            {
                info.name = name;
            }
        }
        if info.name.is_empty() && info.verb == "delete" {
            info.verb = "deletecollection".to_owned();
        }
        info
    }

    /// The namespace of the object a resource path addresses: none for a namespace itself.
    pub fn object_namespace(&self) -> Option<&str> {
        let own = self.api_group.is_empty() && self.resource == "namespaces";
        (!own && !self.namespace.is_empty()).then_some(self.namespace.as_str())
    }
}

/// `path.IsValidPathSegmentName`: not `.` or `..`, no `/` or `%`.
fn valid_path_segment(name: &str) -> bool {
    name != "." && name != ".." && !name.contains(['/', '%'])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(method: &str, path_and_query: &str) -> RequestInfo {
        let (path, query) = path_and_query
            .split_once('?')
            .map_or((path_and_query, None), |(p, q)| (p, Some(q)));
        RequestInfo::new(method, path, &Params::parse(query))
    }

    /// A request, then what kube-apiserver makes of it: verb, group, namespace, resource,
    /// subresource, name.
    type Case = (&'static str, &'static str, [&'static str; 6]);

    #[rustfmt::skip]
    const CASES: &[Case] = &[
        ("GET", "/api/v1/pods", ["list", "", "", "pods", "", ""]),
        ("GET", "/api/v1/namespaces/ns/pods?watch=true", ["watch", "", "ns", "pods", "", ""]),
        ("GET", "/api/v1/namespaces/ns/pods?watch=false", ["list", "", "ns", "pods", "", ""]),
        ("GET", "/api/v1/namespaces/ns/pods?watch=1&fieldSelector=metadata.name%3Dp", ["watch", "", "ns", "pods", "", "p"]),
        ("GET", "/api/v1/namespaces/ns/pods?fieldSelector=metadata.name!%3Dp", ["list", "", "ns", "pods", "", ""]),
        ("GET", "/api/v1/watch/namespaces/ns/pods/p", ["watch", "", "ns", "pods", "", "p"]),
        ("GET", "/api/v1/namespaces/ns/pods/p", ["get", "", "ns", "pods", "", "p"]),
        ("GET", "/api/v1/namespaces/ns/pods/p/log", ["get", "", "ns", "pods", "log", "p"]),
        ("HEAD", "/api/v1/namespaces/ns/pods/p", ["get", "", "ns", "pods", "", "p"]),
        ("POST", "/api/v1/namespaces/ns/serviceaccounts/sa/token", ["create", "", "ns", "serviceaccounts", "token", "sa"]),
        ("POST", "/apis/batch/v1/namespaces/forum/jobs", ["create", "batch", "forum", "jobs", "", ""]),
        ("PUT", "/apis/dbmigrate.dev/v1alpha1/namespaces/a/databasemigrations/m/status", ["update", "dbmigrate.dev", "a", "databasemigrations", "status", "m"]),
        ("PATCH", "/apis/batch/v1/namespaces/a/jobs/j", ["patch", "batch", "a", "jobs", "", "j"]),
        ("DELETE", "/apis/batch/v1/namespaces/a/jobs/j", ["delete", "batch", "a", "jobs", "", "j"]),
        ("DELETE", "/apis/batch/v1/namespaces/a/jobs", ["deletecollection", "batch", "a", "jobs", "", ""]),
        ("GET", "/api/v1/namespaces", ["list", "", "", "namespaces", "", ""]),
        ("GET", "/api/v1/namespaces/ns", ["get", "", "ns", "namespaces", "", "ns"]),
        ("PUT", "/api/v1/namespaces/ns/finalize", ["update", "", "ns", "namespaces", "finalize", "ns"]),
        ("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", ["create", "authorization.k8s.io", "", "selfsubjectaccessreviews", "", ""]),
    ];

    #[test]
    fn resource_requests_get_kube_apiservers_attributes() {
        for &(method, path, expected) in CASES {
            let got = info(method, path);
            assert!(got.is_resource_request, "{method} {path}");
            let got = [
                got.verb.as_str(),
                got.api_group.as_str(),
                got.namespace.as_str(),
                got.resource.as_str(),
                got.subresource.as_str(),
                got.name.as_str(),
            ];
            assert_eq!(got, expected, "{method} {path}");
        }
    }

    #[test]
    fn discovery_and_other_paths_are_non_resource_requests() {
        for (method, path) in [
            ("GET", "/api"),
            ("GET", "/api/v1"),
            ("GET", "/apis/batch"),
            ("GET", "/apis/batch/v1"),
            ("GET", "/version"),
            ("GET", "/openapi/v3/apis/batch/v1"),
            ("POST", "/healthz"),
        ] {
            let got = info(method, path);
            assert!(!got.is_resource_request, "{path}");
            assert_eq!(got.verb, method.to_lowercase());
            assert_eq!(got.path, path);
        }
    }

    #[test]
    fn a_namespace_is_no_namespace_of_its_own_object() {
        assert_eq!(
            info("GET", "/api/v1/namespaces/ns").object_namespace(),
            None
        );
        assert_eq!(
            info("GET", "/api/v1/namespaces/ns/pods").object_namespace(),
            Some("ns")
        );
    }
}
