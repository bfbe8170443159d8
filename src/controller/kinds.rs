//! What the reconciler needs to know of each kind it reconciles: its first step, the Job of
//! a step, where a step report keeps its status, and whether it syncs again on a timer.

use std::time::Duration;

use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::api::batch::v1::Job;
use kube::Resource;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::api::{
    ConfigSync, ConfigSyncStatus, DatabaseMigration, DatabaseMigrationStatus, DependsOn,
    ResourceStatus, is_ready, parse_duration,
};
use crate::jobs::{
    JobSettings, JobSpecError, StepKind, StepReport, StepResource, StepRun, script_step_job,
    sql_step_job, sync_job,
};

/// How often a ConfigSync syncs again when its spec sets no `interval`.
pub const DEFAULT_SYNC_INTERVAL: Duration = Duration::from_secs(600);

/// A kind the operator turns into step Jobs.
pub trait Reconciled:
    StepResource
    + Resource<Scope = NamespaceResourceScope>
    + Clone
    + std::fmt::Debug
    + DeserializeOwned
    + Serialize
    + Send
    + Sync
    + 'static
{
    /// Its status.
    type Status: ResourceStatus;
    /// What its first step does.
    const FIRST_STEP: StepKind;

    /// Its status, once written.
    fn status(&self) -> Option<&Self::Status>;
    /// `spec.dependsOn`.
    fn depends_on(&self) -> &[DependsOn];
    /// The Job running `kind`.
    fn step_job(
        &self,
        settings: &JobSettings,
        kind: &StepKind,
        run: StepRun<'_>,
    ) -> Result<Job, JobSpecError>;
    /// Its status as a step report gives it.
    fn reported(report: &StepReport) -> Option<&Self::Status>;
    /// Whether `spec.suspend` stops it.
    fn suspended(&self) -> bool {
        false
    }
    /// How long after a successful sync it syncs again (never when `None`).
    fn resync_interval(&self) -> Option<Duration> {
        None
    }
    /// Whether it is Ready for its current generation (as a dependency), or why not.
    fn readiness(&self) -> Result<(), String> {
        let generation = self.meta().generation;
        match self.status() {
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
    }
}

impl Reconciled for DatabaseMigration {
    type Status = DatabaseMigrationStatus;
    const FIRST_STEP: StepKind = StepKind::Sql;

    fn status(&self) -> Option<&DatabaseMigrationStatus> {
        self.status.as_ref()
    }

    fn depends_on(&self) -> &[DependsOn] {
        &self.spec.depends_on
    }

    fn step_job(
        &self,
        settings: &JobSettings,
        kind: &StepKind,
        run: StepRun<'_>,
    ) -> Result<Job, JobSpecError> {
        match kind {
            StepKind::Script { version } => script_step_job(settings, self, version, run),
            StepKind::Sql | StepKind::Sync => sql_step_job(settings, self, run),
        }
    }

    fn reported(report: &StepReport) -> Option<&DatabaseMigrationStatus> {
        report.migration.as_ref()
    }
}

impl Reconciled for ConfigSync {
    type Status = ConfigSyncStatus;
    const FIRST_STEP: StepKind = StepKind::Sync;

    fn status(&self) -> Option<&ConfigSyncStatus> {
        self.status.as_ref()
    }

    fn depends_on(&self) -> &[DependsOn] {
        &self.spec.depends_on
    }

    fn step_job(
        &self,
        settings: &JobSettings,
        _kind: &StepKind,
        run: StepRun<'_>,
    ) -> Result<Job, JobSpecError> {
        sync_job(settings, self, run)
    }

    fn reported(report: &StepReport) -> Option<&ConfigSyncStatus> {
        report.sync.as_ref()
    }

    fn suspended(&self) -> bool {
        self.spec.suspend
    }

    /// `spec.interval` (the CRD's pattern admits only valid durations; anything else falls
    /// back to the default rather than never syncing again).
    fn resync_interval(&self) -> Option<Duration> {
        let interval = self.spec.interval.as_deref().map(parse_duration);
        Some(match interval {
            Some(Ok(interval)) if !interval.is_zero() => interval,
            _ => DEFAULT_SYNC_INTERVAL,
        })
    }
}
