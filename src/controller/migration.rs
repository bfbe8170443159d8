//! The DatabaseMigration reconciler: referenced ConfigMaps and the retry annotation make the
//! input hash; the Jobs of that hash say where the resource is; [`decide`] says what comes
//! next; the Job is created and the status and Events are written.

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use k8s_openapi::jiff::Timestamp;
use kube::api::{DeleteParams, Patch, PatchParams, PostParams};
use kube::runtime::controller::Action;
use kube::runtime::events::{Event, EventType, Recorder};
use kube::{Api, Client, Resource, ResourceExt};
use serde::de::DeserializeOwned;
use serde_json::json;
use tracing::{info, warn};

use super::error::ReconcileError;
use super::found::{FoundJobs, find_jobs};
use super::progress::{Decision, RetryPolicy, StepJob, StepKind, decide};
use super::status::{is_ready, migration_status};
use crate::api::{
    API_VERSION, ConfigSync, DatabaseMigration, DatabaseMigrationStatus, DependencyKind,
    FailureStatus, Phase,
};
use crate::jobs::{
    JobSettings, StepOutcome, StepReport, StepResource, StepRun, input_hash, script_step_job,
    sql_step_job,
};
use crate::manifest::{Outcome, first_line};
use crate::server::Health;
use crate::server::metrics::{FailureLabels, ResourceLabels};

/// Annotation whose new value re-runs a resource that failed for good (any value change).
pub const RETRY_ANNOTATION: &str = "dbmigrate.dev/retry";
/// The field manager of the operator's server-side applies.
pub const FIELD_MANAGER: &str = "dbmigrate-operator";

/// How long a waiting resource (a running Job, a blocked dependency) sleeps between looks
/// when no watch event wakes it.
const RECHECK: Duration = Duration::from_secs(300);
/// How long a resource blocked on a dependency waits before looking again (dependencies'
/// status changes do not wake it).
const DEPENDENCY_RECHECK: Duration = Duration::from_secs(10);

/// What every reconcile needs.
pub struct Context {
    /// The API client.
    pub client: Client,
    /// Defaults of the step Jobs.
    pub settings: JobSettings,
    /// Publishes Events.
    pub recorder: Recorder,
    /// Readiness and metrics.
    pub health: Arc<Health>,
}

const KIND: &str = "DatabaseMigration";

/// Brings one DatabaseMigration a step further.
pub async fn reconcile(
    dbm: Arc<DatabaseMigration>,
    ctx: Arc<Context>,
) -> Result<Action, ReconcileError> {
    let namespace = dbm.namespace().unwrap_or_default();
    let name = dbm.name_any();
    let resource = format!("DatabaseMigration {namespace}/{name}");
    let kube_error = |action: &'static str| {
        let resource = resource.clone();
        move |source| ReconcileError::Kube {
            resource,
            action,
            source,
        }
    };
    let config_maps_api = Api::<ConfigMap>::namespaced(ctx.client.clone(), &namespace);
    let mut config_maps = Vec::new();
    for config_map in dbm.config_map_names() {
        match config_maps_api
            .get_opt(config_map)
            .await
            .map_err(kube_error("reading its ConfigMaps"))?
        {
            Some(found) => config_maps.push(found),
            None => {
                let message = format!(
                    "ConfigMap {namespace}/{config_map} (spec.source.configMaps) does not exist: \
                     create it, e.g. with kustomize's configMapGenerator over the migrations folder"
                );
                ctx.health.metrics.reconciled(KIND, "blocked");
                write(&dbm, &ctx, blocked(&dbm, "ConfigMapNotFound", message)).await?;
                return Ok(Action::await_change());
            }
        }
    }
    let hash = dbm
        .input_hash(&config_maps)
        .map_err(|source| ReconcileError::JobSpec {
            resource: resource.clone(),
            source,
        })?;
    // a new value of the retry annotation is a new input: the steps start over
    let hash = match dbm.annotations().get(RETRY_ANNOTATION) {
        Some(retry) => input_hash(&json!([hash, retry]), &[]),
        None => hash,
    };
    let found = find_jobs(&ctx.client, dbm.as_ref(), &hash).await?;
    let runner = ctx.settings.runner(dbm.runner_settings());
    let now = Timestamp::now();
    let policy = RetryPolicy::for_runner(&runner);
    let decision = decide(
        &found.current,
        found.earlier_active,
        StepKind::Sql,
        &policy,
        now,
    );
    let report = latest_report(&found);
    let result = match &decision {
        Decision::Create(_) => None, // counted below, as create or as blocked
        Decision::Wait => Some("wait"),
        Decision::Retry { .. } => Some("retry"),
        Decision::Ready(_) => Some("ready"),
        Decision::Failed { .. } => Some("failed"),
    };
    if let Some(result) = result {
        ctx.health.metrics.reconciled(KIND, result);
    }
    match decision {
        Decision::Create(step) => {
            if let Some(message) = unready_dependency(&dbm, &ctx.client).await? {
                ctx.health.metrics.reconciled(KIND, "blocked");
                write(&dbm, &ctx, blocked(&dbm, "DependencyNotReady", message)).await?;
                return Ok(Action::requeue(DEPENDENCY_RECHECK));
            }
            ctx.health.metrics.reconciled(KIND, "create");
            let run = StepRun {
                input_hash: &hash,
                step: step.ordinal,
                attempt: step.attempt,
            };
            let job = match &step.kind {
                StepKind::Script { version } => script_step_job(&ctx.settings, &dbm, version, run),
                StepKind::Sql | StepKind::Sync => sql_step_job(&ctx.settings, &dbm, run),
            }
            .map_err(|source| ReconcileError::JobSpec {
                resource: resource.clone(),
                source,
            })?;
            let job_name = job.name_any();
            for stuck in &found.stuck {
                delete_job(&ctx.client, &namespace, stuck)
                    .await
                    .map_err(kube_error("deleting a stuck step Job"))?;
            }
            create_job(&ctx.client, &namespace, &job)
                .await
                .map_err(kube_error("creating its step Job"))?;
            let what = match &step.kind {
                StepKind::Script { version } => format!("script step {version}"),
                StepKind::Sql | StepKind::Sync => "SQL migrations".to_owned(),
            };
            let message = format!(
                "step {} (attempt {}): {what} in Job {job_name}",
                step.ordinal + 1,
                step.attempt
            );
            info!(job = %job_name, "{message}");
            ctx.health
                .metrics
                .steps_started
                .get_or_create(&labels(&dbm))
                .inc();
            if step.attempt > 1 {
                count_failure(&ctx, report);
            }
            // the Job as the related object: each step is an Event of its own, not a repeat
            let related = Some(job.object_ref(&()));
            publish(
                &ctx,
                &dbm,
                EventType::Normal,
                "StepStarted",
                &message,
                related,
            )
            .await;
            let status = progressing("Applying", message, report, &dbm);
            write(&dbm, &ctx, status).await?;
            Ok(Action::requeue(RECHECK))
        }
        Decision::Wait => {
            let message = if found.earlier_active {
                "waiting for the step of the previous spec to finish".to_owned()
            } else {
                "a step Job is running".to_owned()
            };
            write(&dbm, &ctx, progressing("Applying", message, report, &dbm)).await?;
            Ok(Action::requeue(RECHECK))
        }
        Decision::Retry {
            step,
            at,
            reason,
            message,
        } => {
            let text = format!(
                "attempt {} failed ({reason}): {}; retrying at {at}",
                step.attempt - 1,
                first_line(&message)
            );
            let failure = failure_of(report, &reason, &message, step.attempt - 1);
            let mut status = progressing("RetryScheduled", text, report, &dbm);
            status.failure = Some(failure);
            write(&dbm, &ctx, status).await?;
            let wait = Duration::try_from(at.duration_since(now)).unwrap_or_default();
            Ok(Action::requeue(wait.max(Duration::from_secs(1))))
        }
        Decision::Ready(report) => {
            let status = migration_status(
                dbm.status.as_ref(),
                Some(&report),
                &Outcome::Ready,
                None,
                dbm.metadata.generation,
            );
            if dbm.status.as_ref().map(|s| s.phase) != Some(Phase::Ready) {
                let message = status.message.clone().unwrap_or_default();
                publish(&ctx, &dbm, EventType::Normal, "Applied", &message, None).await;
            }
            write(&dbm, &ctx, status).await?;
            Ok(Action::await_change())
        }
        Decision::Failed {
            reason,
            message,
            report,
            attempts,
        } => {
            let failure = failure_of(report.as_ref(), &reason, &message, attempts);
            let text = format!(
                "{reason} after {attempts} attempt(s): {}; fix it and re-apply, or set the \
                 {RETRY_ANNOTATION} annotation to retry",
                failure.message
            );
            let status = migration_status(
                dbm.status.as_ref(),
                report.as_ref(),
                &Outcome::Failed {
                    reason: reason.clone(),
                    message: text.clone(),
                },
                Some(failure),
                dbm.metadata.generation,
            );
            if dbm.status.as_ref().map(|s| s.phase) != Some(Phase::Failed) {
                ctx.health
                    .metrics
                    .step_failures
                    .get_or_create(&FailureLabels {
                        kind: KIND.to_owned(),
                        reason: reason.clone(),
                    })
                    .inc();
                warn!(%reason, "{text}");
                publish(&ctx, &dbm, EventType::Warning, &reason, &text, None).await;
            }
            write(&dbm, &ctx, status).await?;
            Ok(Action::await_change())
        }
    }
}

/// What the reconcile loop does after an error: log it and look again soon.
pub fn error_policy(
    dbm: Arc<DatabaseMigration>,
    error: &ReconcileError,
    ctx: Arc<Context>,
) -> Action {
    ctx.health.metrics.reconciled(KIND, "error");
    warn!(resource = %dbm.name_any(), error = %error, "reconcile failed; retrying in 30s");
    Action::requeue(Duration::from_secs(30))
}

/// The metric labels of a resource.
fn labels(dbm: &DatabaseMigration) -> ResourceLabels {
    ResourceLabels {
        kind: KIND.to_owned(),
        namespace: dbm.namespace().unwrap_or_default(),
        name: dbm.name_any(),
    }
}

/// Counts the failed attempt a retry replaces, by the reason its report gives.
fn count_failure(ctx: &Context, report: Option<&StepReport>) {
    let reason = report
        .and_then(|r| r.migration.as_ref())
        .and_then(|s| s.failure.as_ref())
        .map_or_else(|| "StepFailed".to_owned(), |f| f.reason.clone());
    ctx.health
        .metrics
        .step_failures
        .get_or_create(&FailureLabels {
            kind: KIND.to_owned(),
            reason,
        })
        .inc();
}

/// The report of the newest step Job that wrote one.
fn latest_report(found: &FoundJobs) -> Option<&StepReport> {
    let mut jobs: Vec<&StepJob> = found.current.iter().collect();
    jobs.sort_by_key(|j| std::cmp::Reverse((j.ordinal, j.attempt)));
    jobs.into_iter().find_map(|j| match &j.outcome {
        StepOutcome::Succeeded(report) => Some(report),
        StepOutcome::Failed { report, .. } => report.as_ref(),
        StepOutcome::Pending | StepOutcome::Running => None,
    })
}

/// `status.failure` of a failed step: the runner's own (file, line, SQLSTATE) when it
/// reported one, else the reason the Job's pods give.
fn failure_of(
    report: Option<&StepReport>,
    reason: &str,
    message: &str,
    attempt: u32,
) -> FailureStatus {
    let reported = report
        .and_then(|r| r.migration.as_ref())
        .and_then(|s| s.failure.clone());
    FailureStatus {
        attempt,
        ..reported.unwrap_or_else(|| FailureStatus {
            reason: reason.to_owned(),
            message: message.to_owned(),
            time: Some(Timestamp::now().to_string()),
            ..FailureStatus::default()
        })
    }
}

fn progressing(
    reason: &str,
    message: String,
    report: Option<&StepReport>,
    dbm: &DatabaseMigration,
) -> DatabaseMigrationStatus {
    migration_status(
        dbm.status.as_ref(),
        report,
        &Outcome::Progressing {
            reason: reason.to_owned(),
            message,
        },
        None,
        dbm.metadata.generation,
    )
}

fn blocked(dbm: &DatabaseMigration, reason: &str, message: String) -> DatabaseMigrationStatus {
    migration_status(
        dbm.status.as_ref(),
        None,
        &Outcome::Blocked {
            reason: reason.to_owned(),
            message,
        },
        None,
        dbm.metadata.generation,
    )
}

/// A dependency (`spec.dependsOn`) that is not Ready for its current generation, described.
async fn unready_dependency(
    dbm: &DatabaseMigration,
    client: &Client,
) -> Result<Option<String>, ReconcileError> {
    let own_namespace = dbm.namespace().unwrap_or_default();
    for dependency in &dbm.spec.depends_on {
        let namespace = dependency.namespace.as_deref().unwrap_or(&own_namespace);
        let name = dependency.name.as_str();
        let (kind, state) = match dependency.kind {
            DependencyKind::DatabaseMigration => (
                "DatabaseMigration",
                readiness_of::<DatabaseMigration>(client, namespace, name).await,
            ),
            DependencyKind::ConfigSync => (
                "ConfigSync",
                readiness_of::<ConfigSync>(client, namespace, name).await,
            ),
        };
        let state = state.map_err(|source| ReconcileError::Kube {
            resource: format!("DatabaseMigration {own_namespace}/{}", dbm.name_any()),
            action: "reading a dependency",
            source,
        })?;
        let subject = format!("{kind} {namespace}/{name}");
        match state {
            None => return Ok(Some(format!("waits for {subject}, which does not exist"))),
            Some(Err(why)) => return Ok(Some(format!("waits for {subject} ({why})"))),
            Some(Ok(())) => {}
        }
    }
    Ok(None)
}

/// A resource whose status says whether it is Ready.
trait Readiness:
    Resource<DynamicType = (), Scope = k8s_openapi::NamespaceResourceScope>
    + Clone
    + DeserializeOwned
    + std::fmt::Debug
{
    /// `(conditions, observedGeneration, message)` of its status, if it has one.
    fn status_view(&self) -> Option<(&[Condition], Option<i64>, Option<&str>)>;
}

impl Readiness for DatabaseMigration {
    fn status_view(&self) -> Option<(&[Condition], Option<i64>, Option<&str>)> {
        let s = self.status.as_ref()?;
        Some((&s.conditions, s.observed_generation, s.message.as_deref()))
    }
}

impl Readiness for ConfigSync {
    fn status_view(&self) -> Option<(&[Condition], Option<i64>, Option<&str>)> {
        let s = self.status.as_ref()?;
        Some((&s.conditions, s.observed_generation, s.message.as_deref()))
    }
}

/// `None` when the resource does not exist, else whether it is Ready (or why not).
async fn readiness_of<K: Readiness>(
    client: &Client,
    namespace: &str,
    name: &str,
) -> Result<Option<Result<(), String>>, kube::Error> {
    let found = Api::<K>::namespaced(client.clone(), namespace)
        .get_opt(name)
        .await?;
    Ok(found.map(|resource| {
        let generation = resource.meta().generation;
        match resource.status_view() {
            Some((conditions, observed, _)) if is_ready(conditions, observed, generation) => Ok(()),
            Some((_, _, message)) => {
                Err(format!("not Ready: {}", message.unwrap_or("no status yet")))
            }
            None => Err("not Ready: no status yet".to_owned()),
        }
    }))
}

/// Creates the Job; one that exists already (a reconcile raced this one) is fine.
async fn create_job(client: &Client, namespace: &str, job: &Job) -> Result<(), kube::Error> {
    match Api::<Job>::namespaced(client.clone(), namespace)
        .create(&PostParams::default(), job)
        .await
    {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.reason == "AlreadyExists" => Ok(()),
        Err(other) => Err(other),
    }
}

/// Deletes a step Job and its pods (background propagation); one already gone is fine.
async fn delete_job(client: &Client, namespace: &str, name: &str) -> Result<(), kube::Error> {
    info!(job = %name, "deleting the stuck Job of a failed attempt before its retry");
    match Api::<Job>::namespaced(client.clone(), namespace)
        .delete(name, &DeleteParams::background())
        .await
    {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
        Err(other) => Err(other),
    }
}

/// Writes the status with server-side apply, unless it is what the resource already shows.
async fn write(
    dbm: &DatabaseMigration,
    ctx: &Context,
    status: DatabaseMigrationStatus,
) -> Result<(), ReconcileError> {
    ctx.health
        .metrics
        .pending_migrations
        .get_or_create(&labels(dbm))
        .set(i64::from(status.pending));
    if dbm.status.as_ref() == Some(&status) {
        return Ok(());
    }
    let namespace = dbm.namespace().unwrap_or_default();
    let patch = json!({
        "apiVersion": API_VERSION,
        "kind": "DatabaseMigration",
        "status": status,
    });
    Api::<DatabaseMigration>::namespaced(ctx.client.clone(), &namespace)
        .patch_status(
            &dbm.name_any(),
            &PatchParams::apply(FIELD_MANAGER).force(),
            &Patch::Apply(&patch),
        )
        .await
        .map_err(|source| ReconcileError::Kube {
            resource: format!("{KIND} {namespace}/{}", dbm.name_any()),
            action: "writing its status",
            source,
        })?;
    Ok(())
}

/// Publishes an Event on the resource; a failure to publish is logged, never fatal.
async fn publish(
    ctx: &Context,
    dbm: &DatabaseMigration,
    type_: EventType,
    reason: &str,
    note: &str,
    related: Option<ObjectReference>,
) {
    let event = Event {
        type_,
        reason: reason.to_owned(),
        note: Some(note.chars().take(1000).collect()),
        action: "Reconcile".to_owned(),
        secondary: related,
    };
    if let Err(error) = ctx.recorder.publish(&event, &dbm.object_ref(&())).await {
        warn!(%error, "could not publish the {reason} Event");
    }
}
