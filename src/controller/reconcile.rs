//! One reconcile of one resource, as a pipeline: `observe` reads, `decide` decides (again once
//! the gate of a step to start is read), `act` carries the actions out, and the status is
//! written once.

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::jiff::Timestamp;
use kube::ResourceExt;
use kube::runtime::controller::Action;
use tracing::{instrument, warn};

use super::context::Context;
use super::decide::{self, Decided, Requeue};
use super::error::ReconcileError;
use super::kinds::Reconciled;
use super::{act, observe, status};

/// Brings one resource a step further.
#[instrument(skip_all, fields(kind = %K::kind(&()), namespace = resource.namespace(), name = %resource.name_any()))]
pub async fn reconcile<K: Reconciled>(
    resource: Arc<K>,
    ctx: Arc<Context>,
) -> Result<Action, ReconcileError> {
    let snapshot = observe::snapshot(&ctx.client, ctx.secret_access, resource.clone()).await?;
    let now = Timestamp::now();
    let (decision, gate) = match decide::decide(&snapshot, &ctx.settings, now) {
        Decided::Done(decision) => (decision, None),
        Decided::Start(start) => {
            // holding the gate holds this operator's turn on the database until the Job exists
            let gate = observe::gate(
                &ctx.client,
                &ctx.databases,
                resource.as_ref(),
                start.database(),
            )
            .await?;
            (decide::start(&snapshot, *start, &gate, now), Some(gate))
        }
    };
    let requeue = decision.requeue;
    let acted = act::act(&ctx, resource.as_ref(), decision, now).await?;
    drop(gate);
    status::write(&ctx, resource.as_ref(), acted).await?;
    Ok(match requeue {
        Requeue::AwaitChange => Action::await_change(),
        Requeue::After(wait) => Action::requeue(wait),
    })
}

/// What the controller does after an error (always a failed API call, which may heal): log
/// it and look again in 30 s.
pub fn error_policy<K: Reconciled>(
    resource: Arc<K>,
    error: &ReconcileError,
    ctx: Arc<Context>,
) -> Action {
    ctx.health.metrics.reconciled(&K::kind(&()), "error");
    warn!(resource = %resource.name_any(), error = %error, "reconcile failed; retrying in 30s");
    Action::requeue(Duration::from_secs(30))
}
