//! `wait`: blocks until DatabaseMigrations and ConfigSyncs are Ready for their current
//! generation — an application's init container waiting for its migrations. Ends as soon as
//! one of them is Failed, or when the timeout passes, saying where each one stands.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use kube::runtime::watcher::{self, Event};
use kube::runtime::{WatchStreamExt, watcher as watch};
use kube::{Api, Client, Resource};
use serde::de::DeserializeOwned;

use super::operator::connect;
use crate::api::{ConfigSync, DatabaseMigration, Phase, Reason, ResourceStatus, is_ready};
use crate::cli::error::CliError;
use crate::cli::output::Output;

/// One resource to wait for: `dbm/<name>` or `cfgsync/<name>`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Target {
    kind: Kind,
    name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    DatabaseMigration,
    ConfigSync,
}

impl Target {
    /// Parses `kind/name`, the kind written as kubectl takes it (`dbm`, `databasemigration`,
    /// `cfgsync`, `configsyncs`, …).
    pub fn parse(text: &str) -> Result<Self, String> {
        let wrong = || {
            format!("{text:?} is not a resource to wait for: write dbm/<name> or cfgsync/<name>")
        };
        let (kind, name) = text.split_once('/').ok_or_else(wrong)?;
        let kind = match kind.to_ascii_lowercase().as_str() {
            "dbm"
            | "dbmigration"
            | "dbmigrations"
            | "databasemigration"
            | "databasemigrations"
            | "databasemigrations.dbmigrate.dev" => Kind::DatabaseMigration,
            "cfgsync" | "configsync" | "configsyncs" | "configsyncs.dbmigrate.dev" => {
                Kind::ConfigSync
            }
            _ => return Err(wrong()),
        };
        if name.is_empty() || name.contains('/') {
            return Err(wrong());
        }
        Ok(Self {
            kind,
            name: name.to_owned(),
        })
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.kind {
            Kind::DatabaseMigration => "databasemigration",
            Kind::ConfigSync => "configsync",
        };
        write!(f, "{kind}/{}", self.name)
    }
}

/// Where a waited-for resource stands.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Standing {
    /// It does not exist (yet).
    Missing,
    /// Not Ready for its current generation, for this reason.
    Waiting(String),
    /// Ready for its current generation.
    Ready,
    /// Failed at its current generation.
    Failed {
        /// Why, when this build knows the reason.
        reason: Option<Reason>,
        /// What failed and what to do.
        message: String,
    },
}

impl std::fmt::Display for Standing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Missing => f.write_str("does not exist"),
            Self::Waiting(why) => write!(f, "not Ready: {why}"),
            Self::Ready => f.write_str("Ready"),
            Self::Failed { message, .. } => write!(f, "Failed: {message}"),
        }
    }
}

/// The last standing of each target.
type Standings = Arc<Mutex<BTreeMap<Target, Standing>>>;

/// Waits until every target in `namespace` (the kubeconfig's when `None`) is Ready, at most
/// `timeout`; a Failed one ends the wait at once with its failure.
pub async fn run(
    targets: &[Target],
    namespace: Option<&str>,
    timeout: Duration,
    output: &Output,
) -> Result<(), CliError> {
    let client = connect().await?;
    let namespace = namespace.map_or_else(|| client.default_namespace().to_owned(), str::to_owned);
    let standings: Standings = Arc::default();
    let waits = targets.iter().map(|target| {
        let (client, namespace, standings) = (client.clone(), namespace.clone(), standings.clone());
        async move {
            match target.kind {
                Kind::DatabaseMigration => {
                    let status = |m: &DatabaseMigration| m.status.clone();
                    settle(client, &namespace, target, status, standings).await
                }
                Kind::ConfigSync => {
                    let status = |s: &ConfigSync| s.status.clone();
                    settle(client, &namespace, target, status, standings).await
                }
            }
        }
    });
    let settled = tokio::time::timeout(timeout, until_all_ready_or_one_failed(waits)).await;
    let standings = standings
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let Ok(settled) = settled else {
        let not_ready = targets
            .iter()
            .map(|t| format!("{t} {}", standings.get(t).unwrap_or(&Standing::Missing)))
            .collect();
        return Err(CliError::WaitTimedOut {
            after: timeout,
            namespace,
            not_ready,
        });
    };
    settled?;
    for target in targets {
        if let Some(Standing::Failed { reason, message }) = standings.get(target) {
            return Err(CliError::WaitFailed {
                resource: format!("{namespace}/{target}"),
                reason: reason.unwrap_or(Reason::StepFailed),
                message: message.clone(),
            });
        }
    }
    for target in targets {
        output.line(&format!("{target} Ready"));
    }
    Ok(())
}

/// Runs the waits of every target until each is done, or one ends Failed (the others are
/// then dropped: one failure ends the wait, whatever the others do).
async fn until_all_ready_or_one_failed(
    waits: impl Iterator<Item = impl Future<Output = Result<Settled, CliError>>>,
) -> Result<(), CliError> {
    let mut waits: FuturesUnordered<_> = waits.collect();
    while let Some(settled) = waits.next().await {
        if settled? == Settled::Failed {
            break;
        }
    }
    Ok(())
}

/// How the watch of one target ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Settled {
    /// Ready for its current generation.
    Ready,
    /// Failed at its current generation.
    Failed,
}

/// Watches `target` until it is Ready or Failed for its current generation, recording each
/// standing in `standings`.
async fn settle<K, S>(
    client: Client,
    namespace: &str,
    target: &Target,
    status: impl Fn(&K) -> Option<S>,
    standings: Standings,
) -> Result<Settled, CliError>
where
    K: Resource<DynamicType = (), Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + DeserializeOwned
        + std::fmt::Debug
        + Send
        + 'static,
    S: ResourceStatus,
{
    let api = Api::<K>::namespaced(client, namespace);
    let config = watcher::Config::default().fields(&format!("metadata.name={}", target.name));
    let mut events = watch(api, config).default_backoff().boxed();
    let record = |standing: Standing| {
        let mut all = standings.lock().unwrap_or_else(PoisonError::into_inner);
        all.insert(target.clone(), standing);
    };
    record(Standing::Missing);
    while let Some(event) = events.next().await {
        let event = event.map_err(|source| CliError::Watch {
            resource: format!("{namespace}/{target}"),
            source,
        })?;
        let standing = match event {
            Event::Apply(resource) | Event::InitApply(resource) => {
                standing(resource.meta().generation, status(&resource).as_ref())
            }
            Event::Delete(_) => Standing::Missing,
            Event::Init | Event::InitDone => continue,
        };
        let settled = match standing {
            Standing::Ready => Some(Settled::Ready),
            Standing::Failed { .. } => Some(Settled::Failed),
            Standing::Missing | Standing::Waiting(_) => None,
        };
        record(standing);
        if let Some(settled) = settled {
            return Ok(settled);
        }
    }
    // kube's watcher restarts every watch the API server ends: this stream does not end, and
    // if it did, the timeout would report where the target stands
    record(Standing::Waiting(
        "the watch of the API server ended".to_owned(),
    ));
    Ok(std::future::pending::<Settled>().await)
}

/// Where a resource of `generation` with `status` stands.
fn standing<S: ResourceStatus>(generation: Option<i64>, status: Option<&S>) -> Standing {
    let Some(status) = status else {
        return Standing::Waiting("no status yet".to_owned());
    };
    if status.observed_generation() != generation {
        return Standing::Waiting("the operator has not looked at its newest spec yet".to_owned());
    }
    if is_ready(
        status.conditions(),
        status.observed_generation(),
        generation,
    ) {
        return Standing::Ready;
    }
    let message = status.message().unwrap_or("no message").to_owned();
    if status.phase() == Phase::Failed {
        let condition = status.conditions().iter().find(|c| c.type_ == "Failed");
        let reason = status
            .failure_reason()
            .or_else(|| condition.and_then(|c| Reason::parse(&c.reason)));
        return Standing::Failed { reason, message };
    }
    Standing::Waiting(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{DatabaseMigrationStatus, Outcome, now, settled};

    #[test]
    fn targets_are_written_as_kubectl_names_them() {
        let dbm = Target::parse("dbm/forum").unwrap();
        assert_eq!(dbm.to_string(), "databasemigration/forum");
        assert_eq!(Target::parse("DatabaseMigrations/forum"), Ok(dbm));
        assert_eq!(
            Target::parse("cfgsync/themes").unwrap().to_string(),
            "configsync/themes"
        );
        for wrong in ["forum", "pods/forum", "dbm/", "dbm/a/b"] {
            assert!(Target::parse(wrong).is_err(), "{wrong}");
        }
    }

    fn status(outcome: &Outcome, generation: i64) -> DatabaseMigrationStatus {
        settled(None, None, outcome, None, Some(generation), &now())
    }

    #[test]
    fn only_a_status_of_the_current_generation_counts() {
        let ready = status(&Outcome::Ready, 2);
        assert_eq!(standing(Some(2), Some(&ready)), Standing::Ready);
        assert!(matches!(
            standing(Some(3), Some(&ready)),
            Standing::Waiting(_)
        ));
        let failed = status(
            &Outcome::Failed {
                reason: Reason::MigrationFailed,
                message: "2_posts.sql:1: syntax error".to_owned(),
            },
            3,
        );
        assert!(matches!(
            standing(Some(3), Some(&failed)),
            Standing::Failed { .. }
        ));
        assert!(matches!(
            standing::<DatabaseMigrationStatus>(Some(1), None),
            Standing::Waiting(_)
        ));
    }
}
