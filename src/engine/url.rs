//! Database URLs: which dialect, where, and a form that is safe to print.

use std::path::PathBuf;

use super::error::EngineError;
use crate::plan::DatabaseKind;

/// A parsed `--database-url` / `DATABASE_URL`.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `postgres://` or `postgresql://` (kept whole; tokio-postgres parses the details).
    Postgres(String),
    /// `sqlite://path`, `sqlite:path` or `sqlite::memory:`.
    Sqlite(PathBuf),
}

impl DatabaseUrl {
    /// Parses a URL, naming what is supported when the scheme is not.
    pub fn parse(url: &str) -> Result<Self, EngineError> {
        let (scheme, rest) = url.split_once(':').ok_or_else(|| EngineError::InvalidUrl {
            message: "expected <scheme>://..., e.g. sqlite://dev.db or postgres://user@host/db"
                .into(),
        })?;
        match scheme {
            "postgres" | "postgresql" => Ok(Self::Postgres(url.to_owned())),
            "sqlite" => {
                let path = rest.strip_prefix("//").unwrap_or(rest);
                let path = path.split('?').next().unwrap_or_default();
                if path.is_empty() {
                    return Err(EngineError::InvalidUrl {
                        message: "sqlite URL has no path; use sqlite://path/to/file.db".into(),
                    });
                }
                Ok(Self::Sqlite(PathBuf::from(path)))
            }
            "mysql" | "mariadb" => Err(EngineError::UnsupportedScheme {
                scheme: scheme.to_owned(),
                hint: "MySQL/MariaDB support is planned; use postgres:// or sqlite:// for now",
            }),
            other => Err(EngineError::UnsupportedScheme {
                scheme: other.to_owned(),
                hint: "use postgres://, postgresql:// or sqlite://",
            }),
        }
    }

    /// The dialect this URL speaks.
    pub fn kind(&self) -> DatabaseKind {
        match self {
            Self::Postgres(_) => DatabaseKind::Postgres,
            Self::Sqlite(_) => DatabaseKind::Sqlite,
        }
    }

    /// The full URL, password included: only for handing to a script step's environment
    /// (`DATABASE_URL`), never for output.
    pub fn connection_string(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("sqlite://{}", path.display()),
            Self::Postgres(url) => url.clone(),
        }
    }

    /// The URL with any password replaced by `***` (for messages and logs).
    pub fn redacted(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("sqlite://{}", path.display()),
            Self::Postgres(url) => redact_password(url),
        }
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

fn redact_password(url: &str) -> String {
    let redacted_query = redact_query_password(url);
    let Some((scheme, rest)) = redacted_query.split_once("://") else {
        return redacted_query;
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            let masked = if userinfo.contains(':') {
                format!("{user}:***")
            } else {
                user.to_owned()
            };
            format!("{scheme}://{masked}@{host}{tail}")
        }
        None => redacted_query,
    }
}

fn redact_query_password(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_owned();
    };
    let params: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some(("password", _)) => "password=***".to_owned(),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{base}?{}", params.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_schemes() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://dev.db").unwrap(),
            DatabaseUrl::Sqlite("dev.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:/tmp/x.db").unwrap(),
            DatabaseUrl::Sqlite("/tmp/x.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("postgresql://u@h/db").unwrap().kind(),
            DatabaseKind::Postgres
        );
        assert!(matches!(
            DatabaseUrl::parse("mysql://h/db"),
            Err(EngineError::UnsupportedScheme { .. })
        ));
        assert!(DatabaseUrl::parse("nonsense").is_err());
    }

    #[test]
    fn redacts_passwords() {
        let url =
            DatabaseUrl::parse("postgres://app:s3cret@db:5432/forum?sslmode=disable").unwrap();
        assert_eq!(
            url.redacted(),
            "postgres://app:***@db:5432/forum?sslmode=disable"
        );
        let url = DatabaseUrl::parse("postgres://db/forum?user=a&password=s3cret").unwrap();
        assert_eq!(url.redacted(), "postgres://db/forum?user=a&password=***");
        assert!(!format!("{url:?}").contains("s3cret"));
    }
}
