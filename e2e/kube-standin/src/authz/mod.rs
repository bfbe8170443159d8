//! Authorization as kube-apiserver configures it: `--authorization-mode AlwaysAllow` or `RBAC`
//! (then the `system:masters` group is allowed everything first, as the real server's
//! privileged-group authorizer does), the RBAC bootstrap policy and aggregation, the access
//! review APIs and the OwnerReferencesPermissionEnforcement admission plugin.

mod aggregation;
pub mod attributes;
pub mod bootstrap;
pub mod owner_references;
mod rbac;
pub mod reviews;
mod rules;

use std::str::FromStr;

use k8s_openapi::api::rbac::v1::PolicyRule;

pub use aggregation::aggregate_cluster_roles;
pub use attributes::{Attributes, forbidden};

use crate::authn::user::{SYSTEM_MASTERS, UserInfo};
use crate::store::Guard;

/// Which authorizer decides (`--authorization-mode`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Mode {
    /// Every request is allowed (kube-standin's default, for tests that do not need RBAC).
    #[default]
    AlwaysAllow,
    /// Role-based access control over the RBAC objects in the store.
    Rbac,
}

/// An `--authorization-mode` kube-standin does not know.
#[derive(Debug, thiserror::Error)]
#[error("unknown authorization mode {0:?}: expected AlwaysAllow or RBAC")]
pub struct UnknownMode(String);

impl FromStr for Mode {
    type Err = UnknownMode;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "AlwaysAllow" => Ok(Self::AlwaysAllow),
            "RBAC" => Ok(Self::Rbac),
            other => Err(UnknownMode(other.to_owned())),
        }
    }
}

/// An authorizer's answer: allowed or not, and why (the audit log's
/// `authorization.k8s.io/reason`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request may proceed.
    pub allowed: bool,
    /// The authorizer's reason ("" when it gave none).
    pub reason: String,
}

impl Decision {
    fn allow() -> Self {
        Self {
            allowed: true,
            reason: String::new(),
        }
    }
}

/// Whether `user` may do what `attributes` describe.
pub fn authorize(mode: Mode, guard: &Guard, user: &UserInfo, attributes: &Attributes) -> Decision {
    match mode {
        Mode::AlwaysAllow => Decision::allow(),
        Mode::Rbac if user.in_group(SYSTEM_MASTERS) => Decision::allow(),
        Mode::Rbac => rbac::authorize(guard, user, attributes),
    }
}

/// Every rule `user` has in `namespace`, and the error met collecting them ("" when none).
pub fn rules_for(
    mode: Mode,
    guard: &Guard,
    user: &UserInfo,
    namespace: &str,
) -> (Vec<PolicyRule>, String) {
    match mode {
        Mode::AlwaysAllow => {
            let all = || Some(vec!["*".to_owned()]);
            let rules = vec![
                PolicyRule {
                    verbs: vec!["*".to_owned()],
                    api_groups: all(),
                    resources: all(),
                    ..PolicyRule::default()
                },
                PolicyRule {
                    verbs: vec!["*".to_owned()],
                    non_resource_urls: all(),
                    ..PolicyRule::default()
                },
            ];
            (rules, String::new())
        }
        Mode::Rbac => rbac::rules_for(guard, user, namespace),
    }
}
