//! User impersonation (`Impersonate-User`, `Impersonate-Group`, `Impersonate-Uid`,
//! `Impersonate-Extra-<key>`; what `kubectl --as/--as-group` send), as
//! staging/src/k8s.io/apiserver/pkg/endpoints/filters/impersonation.go does it: each thing
//! impersonated needs the `impersonate` verb on `users`, `groups`, `serviceaccounts`,
//! `uids` or `userextras/<key>`, and the result is the user the request then acts as.

use std::collections::BTreeMap;

use axum::http::HeaderMap;

use super::user::{
    ANONYMOUS, AUTHENTICATED, UNAUTHENTICATED, UserInfo, service_account_groups,
    split_service_account,
};
use crate::authz::{Attributes, Decision, forbidden};
use crate::error::ApiError;

const USER: &str = "impersonate-user";
const GROUP: &str = "impersonate-group";
const UID: &str = "impersonate-uid";
const EXTRA_PREFIX: &str = "impersonate-extra-";

/// One thing to impersonate: what it is called in an error, and its `impersonate` check.
struct Request {
    /// `{Kind Namespace Name UID APIVersion ResourceVersion FieldPath}` as Go prints the
    /// `ObjectReference`.
    described: String,
    attributes: Attributes,
}

impl Request {
    fn new(
        kind: &str,
        group: &str,
        namespace: &str,
        resource: &str,
        subresource: &str,
        name: &str,
    ) -> Self {
        let api_version = if group.is_empty() {
            ""
        } else {
            "authentication.k8s.io/v1"
        };
        Self {
            described: format!("{{{kind} {namespace} {name}  {api_version}  {subresource}}}"),
            attributes: Attributes::resource(
                "impersonate",
                group,
                namespace,
                resource,
                subresource,
                name,
            ),
        }
    }
}

/// `%`-decoding of an extra key (`url.PathUnescape`); the key as given when malformed.
fn unescape(key: &str) -> String {
    let bytes = key.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let Some(byte) = key
                .get(i + 1..i + 3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
            else {
                return key.to_owned();
            };
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| key.to_owned())
}

/// The user `requestor` acts as: None without impersonation headers; 400 for groups, uid or
/// extra without a user; 403 when `authorize` refuses one of them.
pub fn impersonate(
    headers: &HeaderMap,
    requestor: &UserInfo,
    authorize: impl Fn(&Attributes) -> Decision,
) -> Result<Option<UserInfo>, ApiError> {
    let text = |value: &axum::http::HeaderValue| value.to_str().unwrap_or_default().to_owned();
    let name = headers.get(USER).map(text).filter(|n| !n.is_empty());
    let groups: Vec<String> = headers.get_all(GROUP).iter().map(text).collect();
    let mut extra: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (header, value) in headers {
        if let Some(key) = header.as_str().strip_prefix(EXTRA_PREFIX) {
            extra.entry(unescape(key)).or_default().push(text(value));
        }
    }
    let uid = headers.get(UID).map(text).filter(|u| !u.is_empty());
    let mut requests = Vec::new();
    if let Some(name) = &name {
        requests.push(match split_service_account(name) {
            Some((namespace, account)) => Request::new(
                "ServiceAccount",
                "",
                namespace,
                "serviceaccounts",
                "",
                account,
            ),
            None => Request::new("User", "", "", "users", "", name),
        });
    }
    for group in &groups {
        requests.push(Request::new("Group", "", "", "groups", "", group));
    }
    for (key, values) in &extra {
        for value in values {
            requests.push(Request::new(
                "UserExtra",
                "authentication.k8s.io",
                "",
                "userextras",
                key,
                value,
            ));
        }
    }
    if let Some(uid) = &uid {
        requests.push(Request::new(
            "UID",
            "authentication.k8s.io",
            "",
            "uids",
            "",
            uid,
        ));
    }
    let Some(name) = name else {
        if requests.is_empty() {
            return Ok(None);
        }
        let described: Vec<&str> = requests.iter().map(|r| r.described.as_str()).collect();
        return Err(ApiError::bad_request(format!(
            "requested [{}] without impersonating a user",
            described.join(" ")
        )));
    };
    for request in &requests {
        let decision = authorize(&request.attributes);
        if !decision.allowed {
            return Err(forbidden(requestor, &request.attributes, &decision.reason));
        }
    }
    let mut user = UserInfo {
        groups: match split_service_account(&name) {
            Some((namespace, _)) if groups.is_empty() => service_account_groups(namespace),
            _ => groups,
        },
        name,
        uid: uid.unwrap_or_default(),
        extra,
    };
    if user.name == ANONYMOUS {
        if !user.in_group(UNAUTHENTICATED) {
            user.groups.push(UNAUTHENTICATED.to_owned());
        }
    } else if !user.in_group(AUTHENTICATED) && !user.in_group(UNAUTHENTICATED) {
        user.groups.push(AUTHENTICATED.to_owned());
    }
    Ok(Some(user))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, axum::http::HeaderValue::from_static(value));
        }
        headers
    }

    fn allow_all(_: &Attributes) -> Decision {
        Decision {
            allowed: true,
            reason: String::new(),
        }
    }

    #[test]
    fn a_service_account_is_impersonated_with_its_groups() {
        let admin = UserInfo::default();
        let sa = impersonate(
            &headers(&[("Impersonate-User", "system:serviceaccount:ns:sa")]),
            &admin,
            allow_all,
        )
        .unwrap()
        .unwrap();
        assert_eq!(sa.name, "system:serviceaccount:ns:sa");
        assert_eq!(
            sa.groups,
            [
                "system:serviceaccounts",
                "system:serviceaccounts:ns",
                "system:authenticated"
            ]
        );
        let grouped = impersonate(
            &headers(&[
                ("Impersonate-User", "alice"),
                ("Impersonate-Group", "devs"),
                ("Impersonate-Group", "ops"),
            ]),
            &admin,
            allow_all,
        )
        .unwrap()
        .unwrap();
        assert_eq!(grouped.groups, ["devs", "ops", "system:authenticated"]);
        assert_eq!(
            impersonate(&HeaderMap::new(), &admin, allow_all).unwrap(),
            None
        );
    }

    #[test]
    fn each_impersonated_thing_is_authorized_with_the_impersonate_verb() {
        let bob = UserInfo {
            name: "bob".into(),
            ..UserInfo::default()
        };
        let refused = impersonate(
            &headers(&[("Impersonate-User", "system:serviceaccount:ns:sa")]),
            &bob,
            |a| Decision {
                allowed: a.resource != "serviceaccounts",
                reason: String::new(),
            },
        )
        .unwrap_err();
        assert_eq!(
            refused.message,
            "serviceaccounts \"sa\" is forbidden: User \"bob\" cannot impersonate resource \"serviceaccounts\" in API group \"\" in the namespace \"ns\""
        );
        let groups_only =
            impersonate(&headers(&[("Impersonate-Group", "devs")]), &bob, allow_all).unwrap_err();
        assert_eq!(groups_only.code, 400);
        assert_eq!(
            groups_only.message,
            "requested [{Group  devs    }] without impersonating a user"
        );
    }
}
