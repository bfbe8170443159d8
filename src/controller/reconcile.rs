//! The reconciler of both kinds: referenced ConfigMaps and the retry annotation make the input
//! hash; the Jobs of that hash say where the resource is; [`decide`] says what comes next; the
//! Job is created (after its dependencies are Ready and while no other step runs on its
//! database) and the status and Events are written.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, ObjectReference, Secret};
use k8s_openapi::jiff::Timestamp;
use kube::api::{DeleteParams, Patch, PatchParams, PostParams};
use kube::runtime::controller::Action;
use kube::runtime::events::{Event, EventType};
use kube::{Api, Client, Resource, ResourceExt};
use serde_json::json;
use tracing::{info, warn};

use super::database::{DatabaseSlots, other_running_step};
use super::dependencies::unready_dependency;
use super::durations::CountedJobs;
use super::error::ReconcileError;
use super::events::Publisher;
use super::found::{FoundJobs, find_jobs};
use super::kinds::Reconciled;
use super::progress::{
    Decision, NewStep, RetryPolicy, StepJob, StepKind, decide, reported_reason, resync,
};
use super::status::{OperatorStatus, resource_status};
use crate::api::{API_VERSION, ConfigSyncStatus, Phase};
use crate::api::{Outcome, Reason, first_line};
use crate::jobs::{
    JobSettings, LABEL_DATABASE, StepReport, StepRun, StepState, database_label, input_hash,
};
use crate::server::Health;
use crate::server::metrics::{FailureLabels, ResourceLabels, StepLabels};

/// Annotation whose new value re-runs a resource that failed for good (any value change).
pub const RETRY_ANNOTATION: &str = "dbmigrate.dev/retry";
/// The field manager of the operator's server-side applies.
pub const FIELD_MANAGER: &str = "dbmigrate-operator";

/// How long a waiting resource (a running Job) sleeps between looks when no watch event
/// wakes it.
const RECHECK: Duration = Duration::from_secs(300);
/// How long a resource blocked on a dependency waits before looking again (dependencies'
/// status changes do not wake it).
const DEPENDENCY_RECHECK: Duration = Duration::from_secs(10);
/// How long a resource waits for another resource's step on its database (that Job's end
/// does not wake it).
const DATABASE_RECHECK: Duration = Duration::from_secs(3);

/// What every reconcile needs.
pub struct Context {
    /// The API client.
    pub client: Client,
    /// Defaults of the step Jobs.
    pub settings: JobSettings,
    /// Publishes Events.
    pub events: Publisher,
    /// Readiness and metrics.
    pub health: Arc<Health>,
    /// Serialises step creation per database.
    pub databases: DatabaseSlots,
    /// Step Jobs already in the duration histogram.
    pub counted_jobs: CountedJobs,
}

/// One reconcile of one resource: what it is and what it has found so far.
struct Pass<'a, K: Reconciled> {
    resource: &'a K,
    ctx: &'a Context,
    kind: String,
    namespace: String,
    /// `Kind namespace/name`, for errors.
    described: String,
}

/// Brings one resource a step further.
pub async fn reconcile<K: Reconciled>(
    resource: Arc<K>,
    ctx: Arc<Context>,
) -> Result<Action, ReconcileError> {
    let namespace = resource.namespace().unwrap_or_default();
    let kind = K::kind(&()).into_owned();
    let pass = Pass {
        described: format!("{kind} {namespace}/{}", resource.name_any()),
        resource: resource.as_ref(),
        ctx: ctx.as_ref(),
        kind,
        namespace,
    };
    pass.run().await
}

/// What the reconcile loop does after an error: log it and look again soon.
pub fn error_policy<K: Reconciled>(
    resource: Arc<K>,
    error: &ReconcileError,
    ctx: Arc<Context>,
) -> Action {
    ctx.health.metrics.reconciled(&K::kind(&()), "error");
    warn!(resource = %resource.name_any(), error = %error, "reconcile failed; retrying in 30s");
    Action::requeue(Duration::from_secs(30))
}

impl<K: Reconciled> Pass<'_, K> {
    async fn run(&self) -> Result<Action, ReconcileError> {
        let resource = self.resource;
        if resource.suspended() {
            self.count("blocked");
            let message = "spec.suspend is true; set it to false to sync".to_owned();
            self.write(self.blocked(Reason::Suspended, message)).await?;
            return Ok(Action::await_change());
        }
        let Some(config_maps) = self.config_maps().await? else {
            return Ok(Action::await_change());
        };
        let hash = resource
            .input_hash(&config_maps)
            .map_err(|source| ReconcileError::JobSpec {
                resource: self.described.clone(),
                source,
            })?;
        // a changed Secret (a new URL, a fixed password, one created at last) and a new value
        // of the retry annotation are new inputs: the steps start over
        let secrets = self.secret_versions().await?;
        let retry = resource.annotations().get(RETRY_ANNOTATION);
        let hash = input_hash(&json!([hash, retry, secrets]), &[]);
        let found = find_jobs(&self.ctx.client, resource, &hash).await?;
        let runner = self.ctx.settings.runner(resource.runner_settings());
        let now = Timestamp::now();
        self.observe_durations(&found, now);
        if found.current.is_empty() && !found.earlier_active && self.ready_for(&hash) {
            // its Jobs are gone (their TTL, or deleted by hand) but the status says Ready for
            // these very inputs: nothing to run again, except a sync that is due
            let Some(interval) = resource.resync_interval() else {
                self.count("ready");
                return Ok(Action::await_change());
            };
            let last = resource.status().and_then(OperatorStatus::last_finished);
            let due = last.and_then(|at| at.checked_add(interval).ok());
            if let Some(due) = due.filter(|due| *due > now) {
                self.count("ready");
                let wait = Duration::try_from(due.duration_since(now)).unwrap_or(interval);
                return Ok(Action::requeue(wait));
            }
        }
        let policy = RetryPolicy::for_runner(&runner);
        let decision = decide(
            &found.current,
            found.earlier_active,
            K::FIRST_STEP,
            &policy,
            now,
        );
        let latest = latest_job(&found);
        let report = latest_report(&found);
        match decision {
            Decision::Create(step) => self.start(step, &hash, &found, report).await,
            Decision::Wait => {
                self.count("wait");
                if !latest.is_some_and(|job| self.keeps_ready(&hash, &job.kind, job.attempt)) {
                    let message = if found.earlier_active {
                        "waiting for the step of the previous spec to finish"
                    } else {
                        "a step Job is running"
                    };
                    let status =
                        self.progressing(Reason::Applying, message.to_owned(), report, None);
                    self.write(status).await?;
                }
                Ok(Action::requeue(RECHECK))
            }
            Decision::Retry {
                step,
                at,
                reason,
                message,
            } => {
                self.count("retry");
                let text = format!(
                    "attempt {} failed ({reason}): {}; retrying at {at}",
                    step.attempt - 1,
                    first_line(&message)
                );
                let failure = failure_of::<K>(report, reason, &message, step.attempt - 1);
                let status = self.progressing(Reason::RetryScheduled, text, report, Some(failure));
                self.write(status).await?;
                let wait = Duration::try_from(at.duration_since(now)).unwrap_or_default();
                Ok(Action::requeue(wait.max(Duration::from_secs(1))))
            }
            Decision::Ready(report) => {
                if let Some(interval) = resource.resync_interval() {
                    match resync(&found.current, interval, now) {
                        Ok(step) => {
                            self.ready(&report, &hash).await?;
                            return self.start(step, &hash, &found, Some(&report)).await;
                        }
                        Err(at) => {
                            self.ready(&report, &hash).await?;
                            let wait = Duration::try_from(at.duration_since(now));
                            return Ok(Action::requeue(wait.unwrap_or(interval)));
                        }
                    }
                }
                self.ready(&report, &hash).await?;
                Ok(Action::await_change())
            }
            Decision::Failed {
                reason,
                message,
                report,
                attempts,
            } => {
                self.count("failed");
                self.failed(reason, &message, report.as_ref(), attempts)
                    .await?;
                Ok(Action::await_change())
            }
        }
    }

    /// The ConfigMaps the resource references; `None` (status written) when one is missing.
    async fn config_maps(&self) -> Result<Option<Vec<ConfigMap>>, ReconcileError> {
        let api = Api::<ConfigMap>::namespaced(self.ctx.client.clone(), &self.namespace);
        let mut config_maps = Vec::new();
        for name in self.resource.config_map_names() {
            match api
                .get_opt(name)
                .await
                .map_err(self.kube_error("reading its ConfigMaps"))?
            {
                Some(found) => config_maps.push(found),
                None => {
                    let message = format!(
                        "ConfigMap {}/{name} does not exist: create it (e.g. with kustomize's \
                         configMapGenerator), or fix the name in the spec",
                        self.namespace
                    );
                    self.count("blocked");
                    self.write(self.blocked(Reason::ConfigMapNotFound, message))
                        .await?;
                    return Ok(None);
                }
            }
        }
        Ok(Some(config_maps))
    }

    /// The `resourceVersion` of each Secret the resource's Jobs read, by name (`None` while one
    /// does not exist). Only metadata is read: the operator never sees Secret data.
    async fn secret_versions(&self) -> Result<BTreeMap<String, Option<String>>, ReconcileError> {
        let api = Api::<Secret>::namespaced(self.ctx.client.clone(), &self.namespace);
        let mut versions = BTreeMap::new();
        for name in self.resource.secret_names() {
            let found = api
                .get_metadata_opt(name)
                .await
                .map_err(self.kube_error("reading its Secrets' metadata"))?;
            let version = found.and_then(|secret| secret.metadata.resource_version);
            versions.insert(name.to_owned(), version);
        }
        Ok(versions)
    }

    /// Creates the Job of `step` once the dependencies are Ready and the database is free.
    async fn start(
        &self,
        step: NewStep,
        hash: &str,
        found: &FoundJobs,
        report: Option<&StepReport>,
    ) -> Result<Action, ReconcileError> {
        let ctx = self.ctx;
        let resource = self.resource;
        let waiting = unready_dependency(&self.namespace, resource.depends_on(), &ctx.client)
            .await
            .map_err(self.kube_error("reading a dependency"))?;
        if let Some(message) = waiting {
            self.count("blocked");
            self.write(self.blocked(Reason::DependencyNotReady, message))
                .await?;
            return Ok(Action::requeue(DEPENDENCY_RECHECK));
        }
        let run = StepRun {
            input_hash: hash,
            step: step.ordinal,
            attempt: step.attempt,
        };
        let job = resource
            .step_job(&ctx.settings, &step.kind, run)
            .map_err(|source| ReconcileError::JobSpec {
                resource: self.described.clone(),
                source,
            })?;
        let database = database_label(&self.namespace, resource.database());
        let _turn = ctx.databases.claim(&database).await;
        let own_uid = resource.meta().uid.clone().unwrap_or_default();
        let busy = other_running_step(&ctx.client, &self.namespace, &database, &own_uid)
            .await
            .map_err(self.kube_error("listing the step Jobs on its database"))?;
        if let Some(other) = busy {
            self.count("wait");
            let message = format!(
                "waits for {other}, a step on the same database ({LABEL_DATABASE}={database})"
            );
            if self.keeps_ready(hash, &step.kind, step.attempt) {
                // a periodic sync waits without leaving Ready
                info!("{message}");
            } else {
                let status = self.progressing(Reason::DatabaseBusy, message, report, None);
                self.write(status).await?;
            }
            return Ok(Action::requeue(DATABASE_RECHECK));
        }
        for stuck in &found.stuck {
            delete_job(&ctx.client, &self.namespace, stuck)
                .await
                .map_err(self.kube_error("deleting a stuck step Job"))?;
        }
        let job_name = job.name_any();
        let created = create_job(&ctx.client, &self.namespace, &job)
            .await
            .map_err(self.kube_error("creating its step Job"))?;
        if !created {
            // an earlier reconcile created it; its own watch event brings the next look
            self.count("wait");
            return Ok(Action::requeue(RECHECK));
        }
        self.count("create");
        ctx.health
            .metrics
            .steps_started
            .get_or_create(&self.labels())
            .inc();
        if self.keeps_ready(hash, &step.kind, step.attempt) {
            // a periodic sync of a Ready resource: no status flip, no Event each interval
            info!(job = %job_name, "sync {} in Job {job_name}", step.ordinal + 1);
            self.delete_older_syncs(found, step.ordinal).await?;
            return Ok(Action::requeue(RECHECK));
        }
        let what = match &step.kind {
            StepKind::Script { version } => format!("script step {version}"),
            StepKind::Sql => "SQL migrations".to_owned(),
            StepKind::Sync => "sync".to_owned(),
        };
        let message = format!(
            "step {} (attempt {}): {what} in Job {job_name}",
            step.ordinal + 1,
            step.attempt
        );
        info!(job = %job_name, "{message}");
        if step.attempt > 1 {
            self.count_failure(report);
        }
        // the Job as the related object: each step is an Event of its own, not a repeat
        let related = Some(job.object_ref(&()));
        self.publish(EventType::Normal, Reason::StepStarted, &message, related)
            .await;
        let status = self.progressing(Reason::Applying, message, report, None);
        self.write(status).await?;
        Ok(Action::requeue(RECHECK))
    }

    /// Writes the Ready status of `report`, with Events when it changes things.
    async fn ready(&self, report: &StepReport, hash: &str) -> Result<(), ReconcileError> {
        self.count("ready");
        let previous = self.resource.status();
        let mut status: K::Status = resource_status(
            previous,
            K::reported(report),
            &Outcome::Ready,
            None,
            self.resource.meta().generation,
        );
        status.set_input_hash(hash.to_owned());
        if self.write_needed(&status) {
            let message = status.message().unwrap_or_default().to_owned();
            if previous.map(OperatorStatus::phase) != Some(Phase::Ready) {
                self.publish(EventType::Normal, K::Status::READY_REASON, &message, None)
                    .await;
            }
            if let Some(drifted) = report.sync.as_ref().and_then(drift) {
                let note = format!(
                    "rows of {drifted} had been edited outside the config and were set back"
                );
                warn!("{note}");
                self.publish(EventType::Warning, Reason::DriftCorrected, &note, None)
                    .await;
            }
        }
        self.write(status).await
    }

    /// Writes the Failed status, with a Warning Event and a failure count when it is new.
    async fn failed(
        &self,
        reason: Reason,
        message: &str,
        report: Option<&StepReport>,
        attempts: u32,
    ) -> Result<(), ReconcileError> {
        let failure = failure_of::<K>(report, reason, message, attempts);
        let text = format!(
            "{reason} after {attempts} attempt(s): {}; fix it and re-apply, or set the \
             {RETRY_ANNOTATION} annotation to retry",
            K::Status::failure_message(&failure)
        );
        let previous = self.resource.status();
        let status = resource_status(
            previous,
            report.and_then(K::reported),
            &Outcome::Failed {
                reason,
                message: text.clone(),
            },
            Some(failure),
            self.resource.meta().generation,
        );
        if previous.map(OperatorStatus::phase) != Some(Phase::Failed) {
            self.count_failed_step(reason);
            warn!(%reason, "{text}");
            self.publish(EventType::Warning, reason, &text, None).await;
        }
        self.write(status).await
    }

    /// Deletes the finished sync Jobs before `ordinal - 1`: a resource that syncs every few
    /// minutes keeps its newest two, not a day of them.
    async fn delete_older_syncs(
        &self,
        found: &FoundJobs,
        ordinal: u32,
    ) -> Result<(), ReconcileError> {
        for old in found
            .current
            .iter()
            .filter(|j| j.ordinal + 1 < ordinal && j.finished_at.is_some())
        {
            delete_job(&self.ctx.client, &self.namespace, &old.name)
                .await
                .map_err(self.kube_error("deleting an old sync Job"))?;
        }
        Ok(())
    }

    fn progressing(
        &self,
        reason: Reason,
        message: String,
        report: Option<&StepReport>,
        failure: Option<<K::Status as OperatorStatus>::Failure>,
    ) -> K::Status {
        resource_status(
            self.resource.status(),
            report.and_then(K::reported),
            &Outcome::Progressing { reason, message },
            failure,
            self.resource.meta().generation,
        )
    }

    fn blocked(&self, reason: Reason, message: String) -> K::Status {
        resource_status(
            self.resource.status(),
            None,
            &Outcome::Blocked { reason, message },
            None,
            self.resource.meta().generation,
        )
    }

    /// Whether the status says Ready for these inputs and this generation.
    fn ready_for(&self, hash: &str) -> bool {
        self.resource.status().is_some_and(|status| {
            status.phase() == Phase::Ready
                && status.input_hash() == Some(hash)
                && status.observed_generation() == self.resource.meta().generation
        })
    }

    /// Whether a step leaves the status as it is: a periodic sync (a first attempt) of a
    /// resource Ready for these inputs.
    fn keeps_ready(&self, hash: &str, kind: &StepKind, attempt: u32) -> bool {
        *kind == StepKind::Sync && attempt == 1 && self.ready_for(hash)
    }

    fn write_needed(&self, status: &K::Status) -> bool {
        self.resource.status() != Some(status)
    }

    /// Writes the status with server-side apply, unless it is what the resource already shows.
    async fn write(&self, status: K::Status) -> Result<(), ReconcileError> {
        if let Some(pending) = status.pending() {
            self.ctx
                .health
                .metrics
                .pending_migrations
                .get_or_create(&self.labels())
                .set(i64::from(pending));
        }
        if !self.write_needed(&status) {
            return Ok(());
        }
        let patch = json!({
            "apiVersion": API_VERSION,
            "kind": self.kind,
            "status": status,
        });
        Api::<K>::namespaced(self.ctx.client.clone(), &self.namespace)
            .patch_status(
                &self.resource.name_any(),
                &PatchParams::apply(FIELD_MANAGER).force(),
                &Patch::Apply(&patch),
            )
            .await
            .map_err(self.kube_error("writing its status"))?;
        Ok(())
    }

    /// Publishes an Event on the resource; a failure to publish is logged, never fatal.
    async fn publish(
        &self,
        type_: EventType,
        reason: Reason,
        note: &str,
        related: Option<ObjectReference>,
    ) {
        let event = Event {
            type_,
            reason: reason.as_str().to_owned(),
            note: Some(note.chars().take(1000).collect()),
            action: "Reconcile".to_owned(),
            secondary: related,
        };
        if let Err(error) = self
            .ctx
            .events
            .publish(&event, &self.resource.object_ref(&()))
            .await
        {
            warn!(%error, "could not publish the {reason} Event");
        }
    }

    /// Records how long each step Job ran that finished since the last look.
    fn observe_durations(&self, found: &FoundJobs, now: Timestamp) {
        let resource = format!("{}/{}", self.namespace, self.resource.name_any());
        let counted = &self.ctx.counted_jobs;
        for job in counted.newly_finished(&resource, &found.current, now) {
            let (Some(started), Some(finished)) = (job.started_at, job.finished_at) else {
                continue;
            };
            let result = match job.outcome {
                StepState::Succeeded(_) => "succeeded",
                _ => "failed",
            };
            let seconds = finished.duration_since(started).as_secs_f64().max(0.0);
            self.ctx
                .health
                .metrics
                .step_duration
                .get_or_create(&StepLabels {
                    kind: self.kind.clone(),
                    result: result.to_owned(),
                })
                .observe(seconds);
        }
    }

    /// Counts the failed attempt a retry replaces, by the reason its report gives.
    fn count_failure(&self, report: Option<&StepReport>) {
        self.count_failed_step(
            report
                .and_then(reported_reason)
                .unwrap_or(Reason::StepFailed),
        );
    }

    /// Counts one failed step attempt.
    fn count_failed_step(&self, reason: Reason) {
        self.ctx
            .health
            .metrics
            .step_failures
            .get_or_create(&FailureLabels {
                kind: self.kind.clone(),
                reason: reason.as_str().to_owned(),
            })
            .inc();
    }

    fn count(&self, result: &str) {
        self.ctx.health.metrics.reconciled(&self.kind, result);
    }

    fn labels(&self) -> ResourceLabels {
        ResourceLabels {
            kind: self.kind.clone(),
            namespace: self.namespace.clone(),
            name: self.resource.name_any(),
        }
    }

    fn kube_error(&self, action: &'static str) -> impl FnOnce(kube::Error) -> ReconcileError {
        let resource = self.described.clone();
        move |source| ReconcileError::Kube {
            resource,
            action,
            source,
        }
    }
}

/// The tables of a sync that found rows edited outside the config, comma-separated.
fn drift(status: &ConfigSyncStatus) -> Option<String> {
    let tables: Vec<&str> = status
        .tables
        .iter()
        .filter(|t| t.drift_detected)
        .map(|t| t.table.as_str())
        .collect();
    (!tables.is_empty()).then(|| tables.join(", "))
}

/// The newest step Job of the current inputs.
fn latest_job(found: &FoundJobs) -> Option<&StepJob> {
    found.current.iter().max_by_key(|j| (j.ordinal, j.attempt))
}

/// The report of the newest step Job that wrote one.
fn latest_report(found: &FoundJobs) -> Option<&StepReport> {
    let mut jobs: Vec<&StepJob> = found.current.iter().collect();
    jobs.sort_by_key(|j| std::cmp::Reverse((j.ordinal, j.attempt)));
    jobs.into_iter().find_map(|j| match &j.outcome {
        StepState::Succeeded(report) => Some(report),
        StepState::Failed { report, .. } => report.as_ref(),
        StepState::Pending | StepState::Running => None,
    })
}

/// `status.failure` of a failed step: the runner's own (file, line, SQLSTATE; table, row)
/// when it reported one, else the reason the Job's pods give.
fn failure_of<K: Reconciled>(
    report: Option<&StepReport>,
    reason: Reason,
    message: &str,
    attempt: u32,
) -> <K::Status as OperatorStatus>::Failure {
    let reported = report
        .and_then(K::reported)
        .and_then(OperatorStatus::failure)
        .cloned();
    match reported {
        Some(failure) => K::Status::with_attempt(failure, attempt),
        None => K::Status::new_failure(reason, message, attempt),
    }
}

/// Creates the Job: `false` when it exists already (a reconcile that read an older cache
/// created it).
async fn create_job(client: &Client, namespace: &str, job: &Job) -> Result<bool, kube::Error> {
    match Api::<Job>::namespaced(client.clone(), namespace)
        .create(&PostParams::default(), job)
        .await
    {
        Ok(_) => Ok(true),
        Err(kube::Error::Api(status)) if status.reason == "AlreadyExists" => Ok(false),
        Err(other) => Err(other),
    }
}

/// Deletes a step Job and its pods (background propagation); one already gone is fine.
async fn delete_job(client: &Client, namespace: &str, name: &str) -> Result<(), kube::Error> {
    info!(job = %name, "deleting a step Job");
    match Api::<Job>::namespaced(client.clone(), namespace)
        .delete(name, &DeleteParams::background())
        .await
    {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
        Err(other) => Err(other),
    }
}
