//! Scratch databases for `verify-rollback`: created empty, dropped afterwards.

use std::time::{SystemTime, UNIX_EPOCH};

use tempfile::TempDir;
use tracing::warn;

use super::dialect::Dialect;
use super::error::EngineError;
use super::postgres::Postgres;
use super::settings::EngineSettings;
use super::url::DatabaseUrl;

/// An empty database that exists until `remove` is called.
pub struct Scratch {
    url: DatabaseUrl,
    cleanup: Cleanup,
}

enum Cleanup {
    Postgres { server: DatabaseUrl, name: String },
    Sqlite(TempDir),
}

impl Scratch {
    /// Creates a scratch database next to `url`: a new PostgreSQL database on the same server
    /// (needs the CREATEDB privilege), or a SQLite file in a temporary directory.
    pub async fn create(url: &DatabaseUrl, settings: &EngineSettings) -> Result<Self, EngineError> {
        match url {
            DatabaseUrl::Postgres(server_url) => {
                let nanos = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.subsec_nanos())
                    .unwrap_or_default();
                let name = format!("dbmigrate_scratch_{}_{nanos}", std::process::id());
                let admin = Postgres::connect(server_url, &url.redacted(), settings).await?;
                admin
                    .execute(
                        "creating the scratch database",
                        &format!("CREATE DATABASE \"{name}\""),
                    )
                    .await?;
                Ok(Self {
                    url: DatabaseUrl::Postgres(with_dbname(server_url, &name)),
                    cleanup: Cleanup::Postgres {
                        server: url.clone(),
                        name,
                    },
                })
            }
            DatabaseUrl::Sqlite(_) => {
                let dir = tempfile::tempdir().map_err(|e| EngineError::Database {
                    what: "creating a scratch SQLite file".into(),
                    message: e.to_string(),
                })?;
                Ok(Self {
                    url: DatabaseUrl::Sqlite(dir.path().join("scratch.db")),
                    cleanup: Cleanup::Sqlite(dir),
                })
            }
        }
    }

    /// The scratch database's URL.
    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// Opens a connection to the scratch database.
    pub async fn connect(
        &self,
        settings: &EngineSettings,
    ) -> Result<Box<dyn Dialect>, EngineError> {
        super::connect(&self.url, settings).await
    }

    /// Drops the scratch database (PostgreSQL) or deletes its directory (SQLite).
    pub async fn remove(self, settings: &EngineSettings) {
        match self.cleanup {
            Cleanup::Postgres { server, name } => {
                let DatabaseUrl::Postgres(server_url) = &server else {
                    return;
                };
                let dropped = async {
                    let admin = Postgres::connect(server_url, &server.redacted(), settings).await?;
                    admin
                        .execute(
                            "dropping the scratch database",
                            &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
                        )
                        .await
                }
                .await;
                if let Err(error) = dropped {
                    warn!(%error, database = %name, "could not drop the scratch database; drop it by hand");
                }
            }
            Cleanup::Sqlite(dir) => drop(dir),
        }
    }
}

/// The same PostgreSQL URL pointing at another database.
fn with_dbname(url: &str, dbname: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let (before_query, query) = match rest.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (rest, None),
    };
    let authority = before_query.split('/').next().unwrap_or_default();
    let query = query.map(|q| format!("?{q}")).unwrap_or_default();
    format!("{scheme}://{authority}/{dbname}{query}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_database_name() {
        assert_eq!(
            with_dbname("postgres://u:p@h:5/app?sslmode=disable", "s"),
            "postgres://u:p@h:5/s?sslmode=disable"
        );
        assert_eq!(with_dbname("postgresql://h", "s"), "postgresql://h/s");
    }
}
