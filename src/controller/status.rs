//! The one status write of a reconcile: server-side apply on `/status` under the operator's
//! field manager, skipped when the resource shows that status already.

use kube::api::{Patch, PatchParams};
use kube::{Api, ResourceExt};
use serde_json::json;

use super::act::{Acted, labels};
use super::context::Context;
use super::error::ReconcileError;
use super::kinds::Reconciled;
use crate::api::{API_VERSION, ResourceStatus};

/// The field manager of the operator's server-side applies.
pub const FIELD_MANAGER: &str = "dbmigrate-operator";

/// Writes the status `acted` leaves (and the pending-migrations gauge), unless `resource`
/// shows it already.
pub async fn write<K: Reconciled>(
    ctx: &Context,
    resource: &K,
    acted: Acted<K::Status>,
) -> Result<(), ReconcileError> {
    let Some(status) = acted.into_status() else {
        return Ok(());
    };
    if let Some(pending) = status.pending() {
        ctx.health
            .metrics
            .pending_migrations
            .get_or_create(&labels(resource))
            .set(i64::from(pending));
    }
    if resource.status() == Some(&status) {
        return Ok(());
    }
    let patch = json!({
        "apiVersion": API_VERSION,
        "kind": K::kind(&()),
        "status": status,
    });
    let namespace = resource.namespace().unwrap_or_default();
    Api::<K>::namespaced(ctx.client.clone(), &namespace)
        .patch_status(
            &resource.name_any(),
            &PatchParams::apply(FIELD_MANAGER).force(),
            &Patch::Apply(&patch),
        )
        .await
        .map_err(ReconcileError::kube(resource, "writing its status"))?;
    Ok(())
}
