//! What an authorizer decides on (`authorizer.AttributesRecord`), and the 403 a refusal gets
//! (`responsewriters.Forbidden`, handlers/responsewriters/errors.go).

use crate::authn::user::UserInfo;
use crate::error::ApiError;
use crate::request::RequestInfo;

/// A request as the authorizers see it: a verb on a resource, or on a non-resource path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attributes {
    /// `get`, `list`, `create`, `impersonate`, ...; for paths the lower-case HTTP method.
    pub verb: String,
    /// Whether a resource (not a path) is addressed.
    pub resource_request: bool,
    /// The path, for non-resource requests.
    pub path: String,
    /// API group ("" for core, `*` for any).
    pub api_group: String,
    /// API version (`*` for any).
    pub api_version: String,
    /// Namespace ("" at the cluster scope).
    pub namespace: String,
    /// Plural resource.
    pub resource: String,
    /// Subresource, if any.
    pub subresource: String,
    /// Object name, if known.
    pub name: String,
}

impl From<&RequestInfo> for Attributes {
    fn from(info: &RequestInfo) -> Self {
        Self {
            verb: info.verb.clone(),
            resource_request: info.is_resource_request,
            path: info.path.clone(),
            api_group: info.api_group.clone(),
            api_version: info.api_version.clone(),
            namespace: info.namespace.clone(),
            resource: info.resource.clone(),
            subresource: info.subresource.clone(),
            name: info.name.clone(),
        }
    }
}

impl Attributes {
    /// A resource request: `verb` on `group` `resource[/subresource]` `name` in `namespace`.
    pub fn resource(
        verb: &str,
        api_group: &str,
        namespace: &str,
        resource: &str,
        subresource: &str,
        name: &str,
    ) -> Self {
        Self {
            verb: verb.to_owned(),
            resource_request: true,
            api_group: api_group.to_owned(),
            namespace: namespace.to_owned(),
            resource: resource.to_owned(),
            subresource: subresource.to_owned(),
            name: name.to_owned(),
            ..Self::default()
        }
    }

    /// A non-resource request: `verb` on `path`.
    pub fn non_resource(verb: &str, path: &str) -> Self {
        Self {
            verb: verb.to_owned(),
            path: path.to_owned(),
            ..Self::default()
        }
    }

    /// `forbiddenMessage`: what `user` cannot do.
    fn forbidden_message(&self, user: &str) -> String {
        if !self.resource_request {
            return format!("User {user:?} cannot {} path {:?}", self.verb, self.path);
        }
        let mut resource = self.resource.clone();
        if !self.subresource.is_empty() {
            resource = format!("{resource}/{}", self.subresource);
        }
        let scope = if self.namespace.is_empty() {
            "at the cluster scope".to_owned()
        } else {
            format!("in the namespace {:?}", self.namespace)
        };
        format!(
            "User {user:?} cannot {} resource {resource:?} in API group {:?} {scope}",
            self.verb, self.api_group
        )
    }
}

/// The 403 of a refused request: `jobs.batch is forbidden: User "..." cannot create resource
/// "jobs" in API group "batch" in the namespace "forum"`, with the authorizer's reason after a
/// colon when it gave one.
pub fn forbidden(user: &UserInfo, attributes: &Attributes, reason: &str) -> ApiError {
    let message = sanitize(&attributes.forbidden_message(&user.name));
    let cause = if reason.is_empty() {
        message
    } else {
        format!("{message}: {reason}")
    };
    ApiError::forbidden_for(
        &attributes.api_group,
        &attributes.resource,
        &attributes.name,
        &cause,
    )
}

/// Keeps error text from looking like HTML, as the real server's response writer does.
fn sanitize(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str) -> UserInfo {
        UserInfo {
            name: name.to_owned(),
            ..UserInfo::default()
        }
    }

    #[test]
    fn refusals_are_worded_as_kube_apiserver_words_them() {
        let sa = user("system:serviceaccount:dbmigrate-system:dbmigrate");
        let create_jobs = Attributes::resource("create", "batch", "forum", "jobs", "", "");
        let error = forbidden(&sa, &create_jobs, "");
        assert_eq!(error.code, 403);
        assert_eq!(error.reason, "Forbidden");
        assert_eq!(
            error.message,
            "jobs.batch is forbidden: User \"system:serviceaccount:dbmigrate-system:dbmigrate\" cannot create resource \"jobs\" in API group \"batch\" in the namespace \"forum\""
        );
        let status = Attributes::resource(
            "patch",
            "dbmigrate.dev",
            "forum",
            "databasemigrations",
            "status",
            "schema",
        );
        assert_eq!(
            forbidden(&sa, &status, "").message,
            "databasemigrations.dbmigrate.dev \"schema\" is forbidden: User \"system:serviceaccount:dbmigrate-system:dbmigrate\" cannot patch resource \"databasemigrations/status\" in API group \"dbmigrate.dev\" in the namespace \"forum\""
        );
        let nodes = Attributes::resource("list", "", "", "nodes", "", "");
        let with_reason = forbidden(
            &user("alice"),
            &nodes,
            "RBAC: clusterrole.rbac.authorization.k8s.io \"gone\" not found",
        );
        assert_eq!(
            with_reason.message,
            "nodes is forbidden: User \"alice\" cannot list resource \"nodes\" in API group \"\" at the cluster scope: RBAC: clusterrole.rbac.authorization.k8s.io \"gone\" not found"
        );
        assert_eq!(
            with_reason.details,
            Some(serde_json::json!({"kind": "nodes"}))
        );
        let path = Attributes::non_resource("get", "/metrics");
        let anonymous = forbidden(&UserInfo::anonymous(), &path, "");
        assert_eq!(
            anonymous.message,
            "forbidden: User \"system:anonymous\" cannot get path \"/metrics\""
        );
        assert_eq!(anonymous.details, Some(serde_json::json!({})));
    }
}
