//! ServiceAccount tokens: the TokenRequest API (`POST .../serviceaccounts/<name>/token`, what
//! `kubectl create token` calls; pkg/registry/core/serviceaccount/storage/token.go) and the
//! authenticator that accepts what it issued. A token looks like kube-apiserver's (a JWT with
//! the same claims) but is checked against the tokens this server issued, not by signature:
//! it is refused once expired, for another audience, or when its ServiceAccount is gone or
//! was recreated (another uid), as the real ServiceAccount token authenticator refuses it.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use axum::http::HeaderMap;
use base64::Engine;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::user::UserInfo;
use crate::admission::new_uid;
use crate::error::{ApiError, Cause, Subject};
use crate::http::parse_body;
use crate::state::format_time;
use crate::store::{Guard, Key};

/// The API server's audience and issuer (a kubeadm cluster's default).
pub const API_AUDIENCE: &str = "https://kubernetes.default.svc.cluster.local";
/// `spec.expirationSeconds` when the request gives none.
const DEFAULT_EXPIRATION_SECONDS: i64 = 3600;
/// The shortest token a client may ask for (`MinTokenAgeSec`).
const MIN_EXPIRATION_SECONDS: i64 = 600;
/// The longest (`MaxTokenAgeSec`).
const MAX_EXPIRATION_SECONDS: i64 = 1 << 32;
/// Extra attribute naming the token a ServiceAccount authenticated with.
const CREDENTIAL_ID: &str = "authentication.kubernetes.io/credential-id";

/// One issued token.
#[derive(Debug, Clone)]
struct Issued {
    namespace: String,
    name: String,
    /// The ServiceAccount's uid when the token was issued.
    uid: String,
    jti: String,
    audiences: Vec<String>,
    expires: OffsetDateTime,
}

/// The tokens this server issued, by token text.
#[derive(Debug, Default)]
pub struct Tokens {
    issued: Mutex<HashMap<String, Issued>>,
}

fn service_account_key(namespace: &str, name: &str) -> Key {
    Key {
        storage: "/serviceaccounts".to_owned(),
        namespace: namespace.to_owned(),
        name: name.to_owned(),
    }
}

fn invalid(name: &str, field: &str, message: String) -> ApiError {
    ApiError::invalid(
        "TokenRequest",
        "authentication.k8s.io",
        name,
        vec![Cause {
            reason: "FieldValueInvalid",
            field: field.to_owned(),
            message,
        }],
    )
}

impl Tokens {
    /// Answers a TokenRequest for ServiceAccount `namespace/name`: the TokenRequest with its
    /// `status.token` (kube-apiserver answers it with 201 Created).
    pub fn create(
        &self,
        guard: &Guard,
        namespace: &str,
        name: &str,
        headers: &HeaderMap,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<Value, ApiError> {
        let mut request = parse_body(headers, body)?;
        if let Some(kind) = request["kind"].as_str().filter(|k| *k != "TokenRequest") {
            return Err(ApiError::bad_request(format!(
                "the kind in the data ({kind}) does not match the expected kind (TokenRequest)"
            )));
        }
        for (field, expected) in [("name", name), ("namespace", namespace)] {
            if let Some(given) = request["metadata"][field]
                .as_str()
                .filter(|v| !v.is_empty() && *v != expected)
            {
                return Err(invalid(
                    name,
                    &format!("metadata.{field}"),
                    format!(
                        "Invalid value: {given:?}: must match the service account {field} if specified"
                    ),
                ));
            }
        }
        let account = guard
            .get(&service_account_key(namespace, name))
            .ok_or_else(|| {
                ApiError::not_found(&Subject {
                    group: "",
                    resource: "serviceaccounts",
                    name,
                })
            })?;
        let uid = account["metadata"]["uid"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let spec = &mut request["spec"];
        if !spec["boundObjectRef"].is_null() {
            return Err(ApiError::bad_request(
                "kube-standin does not bind tokens to objects (spec.boundObjectRef)",
            ));
        }
        let seconds = spec["expirationSeconds"]
            .as_i64()
            .unwrap_or(DEFAULT_EXPIRATION_SECONDS);
        if seconds < MIN_EXPIRATION_SECONDS {
            return Err(invalid(
                "",
                "spec.expirationSeconds",
                format!(
                    "Invalid value: {seconds}: may not specify a duration less than 10 minutes"
                ),
            ));
        }
        if seconds > MAX_EXPIRATION_SECONDS {
            return Err(invalid(
                "",
                "spec.expirationSeconds",
                format!("Too long: {seconds}: may not specify a duration larger than 2^32 seconds"),
            ));
        }
        let audiences: Vec<String> = spec["audiences"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
        let audiences = if audiences.is_empty() {
            vec![API_AUDIENCE.to_owned()]
        } else {
            audiences
        };
        let issued = Issued {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            uid,
            jti: new_uid(),
            audiences: audiences.clone(),
            expires: now + time::Duration::seconds(seconds),
        };
        let token = jwt(&issued, now);
        {
            let mut tokens = self
                .issued
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            tokens.retain(|_, t| t.expires > now);
            tokens.insert(token.clone(), issued.clone());
        }
        request["metadata"]["name"] = json!(name);
        request["metadata"]["namespace"] = json!(namespace);
        request["metadata"]["creationTimestamp"] = Value::Null;
        request["apiVersion"] = json!("authentication.k8s.io/v1");
        request["kind"] = json!("TokenRequest");
        request["spec"]["audiences"] = json!(audiences);
        request["spec"]["expirationSeconds"] = json!(seconds);
        request["spec"]["boundObjectRef"] = Value::Null;
        request["status"] =
            json!({"token": token, "expirationTimestamp": format_time(issued.expires)});
        Ok(request)
    }

    /// The ServiceAccount user of `token`: None when this server did not issue it, `Err` with
    /// why when it no longer authenticates.
    pub fn authenticate(
        &self,
        guard: &Guard,
        token: &str,
        now: OffsetDateTime,
    ) -> Option<Result<UserInfo, String>> {
        let issued = self
            .issued
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(token)
            .cloned()?;
        Some(check(guard, &issued, now))
    }
}

fn check(guard: &Guard, issued: &Issued, now: OffsetDateTime) -> Result<UserInfo, String> {
    if issued.expires <= now {
        return Err("token has expired".to_owned());
    }
    if !issued.audiences.iter().any(|a| a == API_AUDIENCE) {
        return Err(format!(
            "token audiences {:?} is invalid for the target audiences [{API_AUDIENCE:?}]",
            issued.audiences
        ));
    }
    let deleted = || {
        format!(
            "service account {}/{} has been deleted",
            issued.namespace, issued.name
        )
    };
    let account = guard
        .get(&service_account_key(&issued.namespace, &issued.name))
        .ok_or_else(deleted)?;
    if account["metadata"]["uid"].as_str() != Some(issued.uid.as_str())
        || !account["metadata"]["deletionTimestamp"].is_null()
    {
        return Err(deleted());
    }
    let mut user = UserInfo::service_account(&issued.namespace, &issued.name);
    user.uid = issued.uid.clone();
    user.extra = BTreeMap::from([(
        CREDENTIAL_ID.to_owned(),
        vec![format!("JTI={}", issued.jti)],
    )]);
    Ok(user)
}

/// A JWT with the claims kube-apiserver puts in a ServiceAccount token; its signature is
/// random bytes (the token is checked by lookup), which also makes it unguessable.
fn jwt(issued: &Issued, now: OffsetDateTime) -> String {
    let encode = |value: &Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string().as_bytes())
    };
    let header = json!({"alg": "RS256", "kid": "kube-standin"});
    let claims = json!({
        "aud": issued.audiences,
        "exp": issued.expires.unix_timestamp(),
        "iat": now.unix_timestamp(),
        "iss": API_AUDIENCE,
        "jti": issued.jti,
        "kubernetes.io": {
            "namespace": issued.namespace,
            "serviceaccount": {"name": issued.name, "uid": issued.uid},
        },
        "nbf": now.unix_timestamp(),
        "sub": super::user::service_account_username(&issued.namespace, &issued.name),
    });
    let signature: [u8; 32] = rand::random();
    format!(
        "{}.{}.{}",
        encode(&header),
        encode(&claims),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(signature)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn account(guard: &mut Guard, uid: &str) {
        guard.put(
            &service_account_key("ns", "sa"),
            json!({"apiVersion": "v1", "kind": "ServiceAccount",
                   "metadata": {"name": "sa", "namespace": "ns", "uid": uid}}),
        );
    }

    fn request(tokens: &Tokens, guard: &Guard, body: Value, now: OffsetDateTime) -> String {
        let response = tokens
            .create(
                guard,
                "ns",
                "sa",
                &HeaderMap::new(),
                body.to_string().as_bytes(),
                now,
            )
            .expect("a token");
        assert_eq!(response["metadata"]["name"], "sa");
        response["status"]["token"]
            .as_str()
            .expect("a token")
            .to_owned()
    }

    #[test]
    fn a_token_authenticates_its_service_account_until_it_expires() {
        let store = Store::new(10);
        let mut guard = store.lock();
        account(&mut guard, "u1");
        let tokens = Tokens::default();
        let now = OffsetDateTime::now_utc();
        let token = request(
            &tokens,
            &guard,
            json!({"spec": {"expirationSeconds": 600}}),
            now,
        );
        let user = tokens.authenticate(&guard, &token, now).unwrap().unwrap();
        assert_eq!(user.name, "system:serviceaccount:ns:sa");
        assert_eq!(user.uid, "u1");
        assert!(user.in_group("system:serviceaccounts:ns"));
        let later = now + time::Duration::seconds(601);
        assert_eq!(
            tokens.authenticate(&guard, &token, later).unwrap(),
            Err("token has expired".to_owned())
        );
        assert!(tokens.authenticate(&guard, "other", now).is_none());
    }

    #[test]
    fn a_token_dies_with_its_service_account_even_when_one_of_that_name_returns() {
        let store = Store::new(10);
        let mut guard = store.lock();
        account(&mut guard, "u1");
        let tokens = Tokens::default();
        let now = OffsetDateTime::now_utc();
        let token = request(&tokens, &guard, json!({}), now);
        account(&mut guard, "u2");
        let refused = tokens.authenticate(&guard, &token, now).unwrap();
        assert_eq!(
            refused,
            Err("service account ns/sa has been deleted".to_owned())
        );
    }

    #[test]
    fn token_requests_are_validated_as_kube_apiserver_does() {
        let store = Store::new(10);
        let mut guard = store.lock();
        let tokens = Tokens::default();
        let now = OffsetDateTime::now_utc();
        let create = |guard: &Guard, body: Value| {
            tokens
                .create(
                    guard,
                    "ns",
                    "sa",
                    &HeaderMap::new(),
                    body.to_string().as_bytes(),
                    now,
                )
                .unwrap_err()
        };
        let missing = create(&guard, json!({}));
        assert_eq!(
            (missing.code, missing.message.as_str()),
            (404, "serviceaccounts \"sa\" not found")
        );
        account(&mut guard, "u1");
        let short = create(&guard, json!({"spec": {"expirationSeconds": 60}}));
        assert_eq!(
            short.message,
            "TokenRequest.authentication.k8s.io \"\" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes"
        );
        let other_audience = request(
            &tokens,
            &guard,
            json!({"spec": {"audiences": ["vault"]}}),
            now,
        );
        assert!(
            tokens
                .authenticate(&guard, &other_audience, now)
                .unwrap()
                .unwrap_err()
                .contains("invalid for the target audiences")
        );
    }
}
