//! Who a request acts as (`user.Info`): name, uid, groups and extra, with the well-known names
//! and the ServiceAccount username scheme of k8s.io/apiserver/pkg/authentication.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::admission::valid_dns_name;

/// The group that passes every authorization check (`user.SystemPrivilegedGroup`).
pub const SYSTEM_MASTERS: &str = "system:masters";
/// Added to every authenticated user (`user.AllAuthenticated`).
pub const AUTHENTICATED: &str = "system:authenticated";
/// The group of the anonymous user (`user.AllUnauthenticated`).
pub const UNAUTHENTICATED: &str = "system:unauthenticated";
/// The user of requests without credentials (`user.Anonymous`).
pub const ANONYMOUS: &str = "system:anonymous";
/// Every ServiceAccount is in this group.
pub const SERVICE_ACCOUNTS: &str = "system:serviceaccounts";
const SERVICE_ACCOUNT_PREFIX: &str = "system:serviceaccount:";

/// A user as the authenticators and impersonation establish it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserInfo {
    /// `username`.
    pub name: String,
    /// `uid` (a ServiceAccount's uid for its tokens), may be empty.
    pub uid: String,
    /// Group names.
    pub groups: Vec<String>,
    /// Extra attributes, e.g. `authentication.kubernetes.io/credential-id`.
    pub extra: BTreeMap<String, Vec<String>>,
}

impl UserInfo {
    /// `system:anonymous` in `system:unauthenticated`.
    pub fn anonymous() -> Self {
        Self {
            name: ANONYMOUS.to_owned(),
            groups: vec![UNAUTHENTICATED.to_owned()],
            ..Self::default()
        }
    }

    /// `system:serviceaccount:<namespace>:<name>` in the ServiceAccount groups (without
    /// `system:authenticated`, which authentication adds).
    pub fn service_account(namespace: &str, name: &str) -> Self {
        Self {
            name: service_account_username(namespace, name),
            groups: service_account_groups(namespace),
            ..Self::default()
        }
    }

    /// Adds `system:authenticated` unless present (`AuthenticatedGroupAdder`).
    pub fn authenticated(mut self) -> Self {
        if !self.groups.iter().any(|g| g == AUTHENTICATED) {
            self.groups.push(AUTHENTICATED.to_owned());
        }
        self
    }

    /// Whether the user is in `group`.
    pub fn in_group(&self, group: &str) -> bool {
        self.groups.iter().any(|g| g == group)
    }

    /// `authentication.k8s.io/v1` `UserInfo` (empty fields left out).
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        if !self.name.is_empty() {
            out.insert("username".into(), json!(self.name));
        }
        if !self.uid.is_empty() {
            out.insert("uid".into(), json!(self.uid));
        }
        if !self.groups.is_empty() {
            out.insert("groups".into(), json!(self.groups));
        }
        if !self.extra.is_empty() {
            out.insert("extra".into(), json!(self.extra));
        }
        Value::Object(out)
    }
}

/// `serviceaccount.MakeUsername`.
pub fn service_account_username(namespace: &str, name: &str) -> String {
    format!("{SERVICE_ACCOUNT_PREFIX}{namespace}:{name}")
}

/// `serviceaccount.MakeGroupNames`.
pub fn service_account_groups(namespace: &str) -> Vec<String> {
    vec![
        SERVICE_ACCOUNTS.to_owned(),
        format!("{SERVICE_ACCOUNTS}:{namespace}"),
    ]
}

/// `serviceaccount.SplitUsername`: the namespace and name of a ServiceAccount username, when it
/// is one (a valid namespace and ServiceAccount name after the prefix).
pub fn split_service_account(username: &str) -> Option<(&str, &str)> {
    let rest = username.strip_prefix(SERVICE_ACCOUNT_PREFIX)?;
    let mut parts = rest.split(':');
    let (namespace, name) = (parts.next()?, parts.next()?);
    (parts.next().is_none() && valid_dns_name(namespace, true) && valid_dns_name(name, false))
        .then_some((namespace, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_account_usernames_split_only_when_well_formed() {
        assert_eq!(
            split_service_account("system:serviceaccount:ns:sa"),
            Some(("ns", "sa"))
        );
        for other in [
            "system:serviceaccount:ns",
            "system:serviceaccount:ns:sa:x",
            "system:serviceaccount:NS:sa",
            "system:serviceaccount::sa",
            "alice",
        ] {
            assert_eq!(split_service_account(other), None, "{other}");
        }
    }

    #[test]
    fn user_info_json_leaves_out_empty_fields() {
        assert_eq!(
            UserInfo::anonymous().to_json(),
            json!({"username": "system:anonymous", "groups": ["system:unauthenticated"]})
        );
        let sa = UserInfo::service_account("ns", "sa").authenticated();
        assert_eq!(
            sa.groups,
            [
                "system:serviceaccounts",
                "system:serviceaccounts:ns",
                "system:authenticated"
            ]
        );
    }
}
