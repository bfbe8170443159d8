//! Request and response plumbing: query parameters, `Accept` negotiation, JSON bodies.

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::Value;

use crate::error::ApiError;

/// The query parameters of a request.
#[derive(Debug, Default, Clone)]
pub struct Params(pub HashMap<String, String>);

impl Params {
    /// Parses a raw query string.
    pub fn parse(query: Option<&str>) -> Self {
        let pairs = query
            .unwrap_or_default()
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                (percent_decode(key), percent_decode(value))
            })
            .collect();
        Self(pairs)
    }

    /// The value of `name`, if given and not empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// Whether boolean `name` is set (`true`/`1`).
    pub fn flag(&self, name: &str) -> bool {
        matches!(self.get(name), Some("true" | "1"))
    }

    /// Integer `name`; a malformed one is `400 BadRequest`.
    pub fn number(&self, name: &str) -> Result<Option<u64>, ApiError> {
        self.get(name)
            .map(|v| {
                v.parse()
                    .map_err(|_| ApiError::bad_request(format!("invalid {name}: {v:?}")))
            })
            .transpose()
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match u8::from_str_radix(&text[i + 1..i + 3], 16) {
                Ok(byte) => {
                    out.push(byte);
                    i += 2;
                }
                Err(_) => out.push(b'%'),
            },
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What representation the client asked for in `Accept`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Representation {
    /// The objects themselves.
    Object,
    /// A `meta.k8s.io` Table, in this API version.
    Table(String),
    /// `PartialObjectMetadata` (or its list), in this API version.
    Metadata(String),
}

/// Picks the first acceptable representation of `Accept` (Table, PartialObjectMetadata, JSON).
pub fn representation(headers: &HeaderMap) -> Representation {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json");
    for media in accept.split(',') {
        let mut parts = media.split(';').map(str::trim);
        let base = parts.next().unwrap_or_default();
        if base != "application/json" && base != "*/*" {
            continue;
        }
        let params: HashMap<&str, &str> = parts.filter_map(|p| p.split_once('=')).collect();
        let version = params.get("v").copied().unwrap_or("v1");
        match (params.get("as").copied(), params.get("g").copied()) {
            (Some("Table"), Some("meta.k8s.io")) => {
                return Representation::Table(format!("meta.k8s.io/{version}"));
            }
            (Some("PartialObjectMetadata" | "PartialObjectMetadataList"), Some("meta.k8s.io")) => {
                return Representation::Metadata(format!("meta.k8s.io/{version}"));
            }
            (None, _) => return Representation::Object,
            _ => {}
        }
    }
    Representation::Object
}

/// A JSON response.
pub fn json_response(code: StatusCode, body: &Value) -> Response {
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = code;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// A JSON response carrying `Warning` headers (unknown fields under `fieldValidation=Warn`).
pub fn with_warnings(mut response: Response, warnings: &[String]) -> Response {
    for warning in warnings {
        let text = format!("299 - {:?}", warning);
        if let Ok(value) = HeaderValue::from_str(&text) {
            response.headers_mut().append(header::WARNING, value);
        }
    }
    response
}

/// The body as JSON, or YAML for `application/yaml` and apply patches.
pub fn parse_body(headers: &HeaderMap, body: &[u8]) -> Result<Value, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json");
    if content_type.starts_with("application/vnd.kubernetes.protobuf") {
        crate::protobuf::decode(body).map_err(|e| match e {
            crate::protobuf::ProtobufError::UnsupportedKind { .. } => {
                ApiError::unsupported_media_type(content_type)
            }
            other => ApiError::bad_request(format!("error decoding protobuf: {other}")),
        })
    } else if content_type.contains("yaml") {
        serde_yaml::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("error decoding YAML: {e}")))
    } else {
        serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("error decoding JSON: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_decoded() {
        let params = Params::parse(Some("labelSelector=app%3Dweb%2Ctier+in+(a)&watch=1&x="));
        assert_eq!(params.get("labelSelector"), Some("app=web,tier in (a)"));
        assert!(params.flag("watch"));
        assert_eq!(params.get("x"), None);
    }

    #[test]
    fn accept_picks_the_first_supported_representation() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_static(
                "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json",
            ),
        );
        assert_eq!(
            representation(&headers),
            Representation::Table("meta.k8s.io/v1".into())
        );
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_static("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"),
        );
        assert_eq!(representation(&headers), Representation::Object);
    }
}
