//! One DatabaseMigration through the engine's [`Migrator`]: connect, check, apply, and the
//! status each ending gets.

use super::prepare::{MigrateWork, Prepared};
use super::result::{AnyStatus, ResourceResult};
use super::status::{migration_status, script_failure};
use crate::api::{FailureStatus, Outcome, Reason};
use crate::engine::{
    ApplyError, ApplyPolicy, Check, EngineError, Migrator, Progress, Refusal, RunReport,
};
use crate::plan::lint::Finding;
use crate::plan::{Plan, PlanEntry, PlanOverrides};
use crate::source::{MigrationSet, Version};

/// A DatabaseMigration about to run: its prepared work and the command line's overrides.
pub struct MigrationRun<'a> {
    resource: &'a Prepared,
    work: &'a MigrateWork,
    overrides: PlanOverrides,
}

impl<'a> MigrationRun<'a> {
    /// The run of `resource`, whose work is `work`.
    pub fn new(resource: &'a Prepared, work: &'a MigrateWork, overrides: PlanOverrides) -> Self {
        Self {
            resource,
            work,
            overrides,
        }
    }

    /// The migrations (files and script steps).
    pub fn set(&self) -> &'a MigrationSet {
        &self.work.source.set
    }

    /// `spec.targetVersion`.
    pub fn target(&self) -> Option<&'a Version> {
        self.work.target.as_ref()
    }

    /// What the spec and the command line let a run do.
    fn policy(&self) -> ApplyPolicy<'a> {
        ApplyPolicy {
            target: self.target(),
            overrides: self.overrides,
            lint: &self.work.policy,
            allow_non_transactional: self.work.allow_non_transactional,
        }
    }

    /// The result of a run that ended with `outcome` at `plan`.
    fn finish(
        &self,
        plan: &Plan,
        findings: &[Finding],
        failure: Option<FailureStatus>,
        outcome: Outcome,
    ) -> ResourceResult {
        let status = migration_status(
            plan,
            self.target(),
            findings,
            failure,
            &outcome,
            self.resource.generation,
        );
        ResourceResult {
            id: self.resource.id.clone(),
            database: self.resource.url.redacted(),
            status: AnyStatus::Migration(Box::new(status)),
            outcome,
        }
    }

    /// The result of a run that ended before connecting (every migration shows as pending).
    pub fn unconnected(&self, outcome: Outcome, failure: Option<FailureStatus>) -> ResourceResult {
        self.finish(&Plan::build(self.set(), &[]), &[], failure, outcome)
    }

    /// Connects, plans and runs the engine's checks; a check that fails ends the run with the
    /// status it gets.
    pub async fn check(&self) -> Result<Checked<'_>, Box<ResourceResult>> {
        let resource = self.resource;
        let migrator = match Migrator::connect(&resource.url, &resource.settings, self.set()).await
        {
            Ok(migrator) => migrator,
            Err(error) => {
                let failure = FailureStatus::new(error.reason(), &error.to_string());
                return Err(Box::new(self.unconnected(failed(&error), Some(failure))));
            }
        };
        let check = migrator.check(&self.policy());
        let checked = Checked {
            run: self,
            migrator,
            check,
        };
        match checked.check.refusal() {
            Some(refusal) => Err(Box::new(checked.refused(refusal))),
            None => Ok(checked),
        }
    }
}

/// A DatabaseMigration connected, planned and checked: its pending migrations may be applied.
pub struct Checked<'r> {
    run: &'r MigrationRun<'r>,
    migrator: Migrator<'r>,
    check: Check,
}

impl Checked<'_> {
    /// The plan against the history (re-read after [`Self::apply`]).
    pub fn plan(&self) -> &Plan {
        self.migrator.plan()
    }

    /// What remains to apply up to `spec.targetVersion`, in order.
    pub fn pending(&self) -> Vec<&PlanEntry> {
        self.migrator.pending(self.run.target())
    }

    /// Ready when nothing is left to apply up to `spec.targetVersion`, Pending when more is.
    pub fn outcome(&self) -> Outcome {
        if self.pending().is_empty() {
            Outcome::Ready
        } else {
            Outcome::WouldChange
        }
    }

    /// The result of the run failing here, before applying anything, for `reason`.
    pub fn refuse(&self, reason: Reason, message: &str) -> ResourceResult {
        let outcome = Outcome::Failed {
            reason,
            message: message.to_owned(),
        };
        self.finish(outcome, Some(FailureStatus::new(reason, message)))
    }

    /// The result of the run ending here with `outcome`.
    pub fn finish(&self, outcome: Outcome, failure: Option<FailureStatus>) -> ResourceResult {
        self.run
            .finish(self.plan(), self.check.findings(), failure, outcome)
    }

    /// The result of a run the engine's checks refused: a plan problem fails it (with the
    /// version and file), a policy blocks it.
    fn refused(&self, refusal: &Refusal) -> ResourceResult {
        match refusal {
            Refusal::Plan { first: problem, .. } => {
                let message = problem.to_string();
                let failure = FailureStatus {
                    version: Some(problem.version().to_owned()),
                    file: problem.path().map(str::to_owned),
                    ..FailureStatus::new(problem.reason(), &message)
                };
                let outcome = Outcome::Failed {
                    reason: problem.reason(),
                    message,
                };
                self.finish(outcome, Some(failure))
            }
            Refusal::LintBlocked { count } => self.finish(
                Outcome::Blocked {
                    reason: refusal.reason(),
                    message: format!(
                        "{count} blocking lint finding(s) in pending migrations (see status.lintFindings); fix them or relax spec.lint"
                    ),
                },
                None,
            ),
            Refusal::NonTransactional { path, .. } => self.finish(
                Outcome::Blocked {
                    reason: refusal.reason(),
                    message: format!(
                        "{} is marked no-transaction but spec.allowNonTransactional is false; allow it or make the migration transactional",
                        path.display()
                    ),
                },
                None,
            ),
        }
    }

    /// Applies the pending migrations up to `up_to` and returns the result (Ready when nothing
    /// is left up to `spec.targetVersion`, Pending when more is) with what the engine did.
    pub async fn apply(
        &mut self,
        up_to: Option<&Version>,
        on_progress: &mut dyn FnMut(Progress<'_>),
    ) -> (ResourceResult, RunReport) {
        match self.migrator.apply(&self.check, up_to, on_progress).await {
            Ok(report) => (self.finish(self.outcome(), None), report),
            Err(ApplyError::Refused(refusal)) => (self.refused(&refusal), RunReport::default()),
            Err(ApplyError::Run(run_error)) => {
                let failure = match &run_error.error {
                    EngineError::MigrationFailed(failure) => script_failure(failure),
                    error => FailureStatus::new(error.reason(), &error.to_string()),
                };
                let outcome = failed(&run_error.error);
                (self.finish(outcome, Some(failure)), run_error.report)
            }
        }
    }
}

fn failed(error: &EngineError) -> Outcome {
    Outcome::Failed {
        reason: error.reason(),
        message: error.to_string(),
    }
}
