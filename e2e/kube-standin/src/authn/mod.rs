//! Authentication as kube-apiserver's filter does it with a static token and the
//! ServiceAccount token authenticator: `Authorization: Bearer <token>` names the admin (the
//! token given on the command line, user `kubernetes-admin` in `system:masters`) or a
//! ServiceAccount (a token from the TokenRequest API); no credentials make the request
//! `system:anonymous`; a bearer token nobody accepts is `401 Unauthorized`.

pub mod impersonation;
mod tokens;
pub mod user;

use axum::http::{HeaderMap, header};
use time::OffsetDateTime;

pub use tokens::Tokens;
use user::{SYSTEM_MASTERS, UserInfo};

use crate::store::Store;

/// The user of the admin token.
pub const ADMIN: &str = "kubernetes-admin";

/// A bearer token that authenticates nobody, and why (for the server's log).
#[derive(Debug, thiserror::Error)]
#[error("invalid bearer token: {reason}")]
pub struct Unauthenticated {
    /// Why the token was refused.
    pub reason: String,
}

/// The authenticators of one server.
#[derive(Debug, Default)]
pub struct Authenticator {
    admin_token: Option<String>,
    /// ServiceAccount tokens issued through the TokenRequest API.
    pub tokens: Tokens,
}

impl Authenticator {
    /// Accepts `admin_token` (when given) and the ServiceAccount tokens it issues.
    pub fn new(admin_token: Option<String>) -> Self {
        Self {
            admin_token: admin_token.filter(|t| !t.is_empty()),
            tokens: Tokens::default(),
        }
    }

    /// The user a request's headers authenticate (with `system:authenticated`), or anonymous.
    pub fn authenticate(
        &self,
        store: &Store,
        headers: &HeaderMap,
        now: OffsetDateTime,
    ) -> Result<UserInfo, Unauthenticated> {
        let Some(token) = bearer_token(headers) else {
            return Ok(UserInfo::anonymous());
        };
        if self.admin_token.as_deref() == Some(token) {
            let admin = UserInfo {
                name: ADMIN.to_owned(),
                groups: vec![SYSTEM_MASTERS.to_owned()],
                ..UserInfo::default()
            };
            return Ok(admin.authenticated());
        }
        match self.tokens.authenticate(&store.lock(), token, now) {
            Some(Ok(user)) => Ok(user.authenticated()),
            Some(Err(reason)) => Err(Unauthenticated { reason }),
            None => Err(Unauthenticated {
                reason: "no authenticator knows this token".to_owned(),
            }),
        }
    }
}

/// The token of `Authorization: Bearer <token>` (scheme case-insensitive); None for no header,
/// another scheme or an empty token, which the real server leaves to the anonymous user.
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let mut parts = value.splitn(3, ' ');
    let scheme = parts.next()?;
    let token = parts.next()?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_authorization(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn the_admin_token_is_a_system_master_and_unknown_tokens_are_refused() {
        let store = Store::new(10);
        let authenticator = Authenticator::new(Some("s3cret".to_owned()));
        let now = OffsetDateTime::now_utc();
        let admin = authenticator
            .authenticate(&store, &with_authorization("Bearer s3cret"), now)
            .unwrap();
        assert_eq!(admin.name, "kubernetes-admin");
        assert_eq!(admin.groups, ["system:masters", "system:authenticated"]);
        assert!(
            authenticator
                .authenticate(&store, &with_authorization("bearer other"), now)
                .is_err()
        );
        for anonymous in [
            HeaderMap::new(),
            with_authorization("Basic YTpi"),
            with_authorization("Bearer "),
        ] {
            assert_eq!(
                authenticator.authenticate(&store, &anonymous, now).unwrap(),
                UserInfo::anonymous()
            );
        }
    }
}
