//! `spec.dependsOn`: a resource's steps start only when every resource it depends on is Ready
//! for its current generation.

use kube::Client;
use kube::api::Api;

use super::kinds::Reconciled;
use super::status::{OperatorStatus, is_ready};
use crate::api::{ConfigSync, DatabaseMigration, DependencyKind, DependsOn};

/// The first dependency that is not Ready, described (`None` when all are).
pub async fn unready_dependency(
    own_namespace: &str,
    depends_on: &[DependsOn],
    client: &Client,
) -> Result<Option<String>, kube::Error> {
    for dependency in depends_on {
        let namespace = dependency.namespace.as_deref().unwrap_or(own_namespace);
        let name = dependency.name.as_str();
        let (kind, state) = match dependency.kind {
            DependencyKind::DatabaseMigration => (
                "DatabaseMigration",
                readiness_of::<DatabaseMigration>(client, namespace, name).await?,
            ),
            DependencyKind::ConfigSync => (
                "ConfigSync",
                readiness_of::<ConfigSync>(client, namespace, name).await?,
            ),
        };
        let subject = format!("{kind} {namespace}/{name}");
        match state {
            None => return Ok(Some(format!("waits for {subject}, which does not exist"))),
            Some(Err(why)) => return Ok(Some(format!("waits for {subject} ({why})"))),
            Some(Ok(())) => {}
        }
    }
    Ok(None)
}

/// `None` when the resource does not exist, else whether it is Ready (or why not).
async fn readiness_of<K: Reconciled>(
    client: &Client,
    namespace: &str,
    name: &str,
) -> Result<Option<Result<(), String>>, kube::Error> {
    let found = Api::<K>::namespaced(client.clone(), namespace)
        .get_opt(name)
        .await?;
    Ok(found.map(|resource| {
        let generation = resource.meta().generation;
        match resource.status() {
            Some(status)
                if is_ready(
                    status.conditions(),
                    status.observed_generation(),
                    generation,
                ) =>
            {
                Ok(())
            }
            Some(status) => Err(format!(
                "not Ready: {}",
                status.message().unwrap_or("no status yet")
            )),
            None => Err("not Ready: no status yet".to_owned()),
        }
    }))
}
