//! Resolves a resource's database: `--database-url`, a Secret's URL, or per-field settings.

use k8s_openapi::api::core::v1::Secret;

use super::bundle::{Bundle, ResourceId};
use super::error::ManifestError;
use crate::api::{ConnectionFields, DatabaseEngine, DatabaseRef, SecretKeyRef};
use crate::engine::DatabaseUrl;

/// The URL a resource's Job would use; `override_url` (from `--database-url`) wins.
///
/// Secret values never appear in errors: only the Secret's name and key do.
pub fn database_url(
    database: &DatabaseRef,
    owner: &ResourceId,
    bundle: &Bundle,
    override_url: Option<&DatabaseUrl>,
) -> Result<DatabaseUrl, ManifestError> {
    if let Some(url) = override_url {
        return Ok(url.clone());
    }
    match database {
        DatabaseRef::UrlSecretRef(reference) => {
            let key = SecretKeyRef {
                name: reference.name.clone(),
                key: reference.key.clone(),
            };
            let text = secret_value(&key, owner, bundle)?;
            let text = text.trim();
            let invalid = |message: String| ManifestError::InvalidSpec {
                resource: owner.to_string(),
                message: format!(
                    "Secret {}/{} key {}: {message}",
                    owner.namespace, key.name, key.key
                ),
            };
            match reference.engine {
                Some(DatabaseEngine::Postgres) if !text.contains("://") => {
                    Ok(DatabaseUrl::Postgres(text.to_owned()))
                }
                Some(DatabaseEngine::Sqlite) if !text.contains(':') => {
                    Ok(DatabaseUrl::Sqlite(text.into()))
                }
                _ => DatabaseUrl::parse(text).map_err(|e| invalid(e.to_string())),
            }
        }
        DatabaseRef::Connection(fields) => connection_url(fields, owner, bundle),
    }
}

fn connection_url(
    fields: &ConnectionFields,
    owner: &ResourceId,
    bundle: &Bundle,
) -> Result<DatabaseUrl, ManifestError> {
    let password = fields
        .password_secret_ref
        .as_ref()
        .map(|key| secret_value(key, owner, bundle))
        .transpose()?;
    let scheme = match fields.engine {
        DatabaseEngine::Postgres => "postgres",
        DatabaseEngine::Mysql => "mysql",
        DatabaseEngine::Sqlite => return Ok(DatabaseUrl::Sqlite(fields.database.clone().into())),
    };
    let mut url = format!("{scheme}://{}", encode(&fields.user));
    if let Some(password) = password {
        url.push(':');
        url.push_str(&encode(&password));
    }
    url.push('@');
    url.push_str(&fields.host);
    if let Some(port) = fields.port {
        url.push_str(&format!(":{port}"));
    }
    url.push('/');
    url.push_str(&encode(&fields.database));
    let params: Vec<String> = fields
        .params
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    if !params.is_empty() {
        url.push('?');
        url.push_str(&params.join("&"));
    }
    DatabaseUrl::parse(&url).map_err(|e| ManifestError::InvalidSpec {
        resource: owner.to_string(),
        message: format!("spec.database.connection: {e}"),
    })
}

/// The text of a Secret key (`stringData` wins over `data`, as the API server merges them).
pub fn secret_value(
    key: &SecretKeyRef,
    owner: &ResourceId,
    bundle: &Bundle,
) -> Result<String, ManifestError> {
    let missing = |what: String, hint: &str| ManifestError::MissingReference {
        resource: owner.to_string(),
        missing: what,
        hint: hint.to_owned(),
    };
    let secret = bundle.secret(&owner.namespace, &key.name).ok_or_else(|| {
        missing(
            format!("Secret {}/{}", owner.namespace, key.name),
            "add the Secret to the input (its manifest, or `kubectl create secret generic --dry-run=client -o yaml`), or pass --database-url for a local run",
        )
    })?;
    value_of(&secret.object, &key.key).ok_or_else(|| {
        missing(
            format!(
                "key `{}` in Secret {}/{}",
                key.key, owner.namespace, key.name
            ),
            "add the key to the Secret or fix the key in the resource",
        )
    })
}

fn value_of(secret: &Secret, key: &str) -> Option<String> {
    if let Some(text) = secret.string_data.as_ref().and_then(|d| d.get(key)) {
        return Some(text.clone());
    }
    let bytes = secret.data.as_ref()?.get(key)?;
    String::from_utf8(bytes.0.clone()).ok()
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::manifest::bundle::ResourceKind;
    use crate::manifest::read::parse_stream;

    fn setup(extra: &str) -> (Bundle, ResourceId) {
        let text = format!(
            "apiVersion: dbmigrate.dev/v1alpha1\nkind: ConfigSync\nmetadata: {{name: s}}\nspec:\n  database: {{urlSecretRef: {{name: db, key: url}}}}\n  tables: [{{table: t, keyColumns: [id], rows: []}}]\n{extra}"
        );
        let docs = parse_stream(&text, "m.yaml", Path::new(".")).expect("yaml");
        let owner = ResourceId {
            kind: ResourceKind::ConfigSync,
            namespace: "default".into(),
            name: "s".into(),
        };
        (
            Bundle::from_documents(docs, "default").expect("bundle"),
            owner,
        )
    }

    fn url_ref() -> DatabaseRef {
        DatabaseRef::UrlSecretRef(crate::api::UrlSecretRef {
            name: "db".into(),
            key: "url".into(),
            engine: None,
        })
    }

    #[test]
    fn reads_base64_data_and_string_data() {
        // "postgres://app:s3cret@db/forum" in base64.
        let (bundle, owner) = setup(
            "---\napiVersion: v1\nkind: Secret\nmetadata: {name: db}\ndata: {url: cG9zdGdyZXM6Ly9hcHA6czNjcmV0QGRiL2ZvcnVt}\n",
        );
        let url = database_url(&url_ref(), &owner, &bundle, None).expect("url");
        assert_eq!(url.redacted(), "postgres://app:***@db/forum");
        let (bundle, owner) = setup(
            "---\napiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {url: 'sqlite://forum.db'}\n",
        );
        let url = database_url(&url_ref(), &owner, &bundle, None).expect("url");
        assert_eq!(url, DatabaseUrl::Sqlite("forum.db".into()));
    }

    #[test]
    fn a_missing_secret_says_how_to_provide_it() {
        let (bundle, owner) = setup("");
        let error = database_url(&url_ref(), &owner, &bundle, None).expect_err("missing");
        let message = error.to_string();
        assert!(
            message.contains("Secret default/db not found") && message.contains("--database-url"),
            "{message}"
        );
        let override_url = DatabaseUrl::parse("sqlite://x.db").expect("url");
        assert_eq!(
            database_url(&url_ref(), &owner, &bundle, Some(&override_url)).expect("override"),
            override_url
        );
    }

    #[test]
    fn builds_an_encoded_url_from_fields() {
        let (bundle, owner) = setup(
            "---\napiVersion: v1\nkind: Secret\nmetadata: {name: pw}\nstringData: {password: 'p@ss/w:rd'}\n",
        );
        let fields = ConnectionFields {
            engine: DatabaseEngine::Postgres,
            host: "db.internal".into(),
            port: Some(5433),
            database: "forum".into(),
            user: "app".into(),
            password_secret_ref: Some(SecretKeyRef {
                name: "pw".into(),
                key: "password".into(),
            }),
            params: [("sslmode".to_owned(), "require".to_owned())].into(),
        };
        let url =
            database_url(&DatabaseRef::Connection(fields), &owner, &bundle, None).expect("url");
        assert_eq!(
            url,
            DatabaseUrl::Postgres(
                "postgres://app:p%40ss%2Fw%3Ard@db.internal:5433/forum?sslmode=require".into()
            )
        );
    }
}
