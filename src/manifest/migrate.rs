//! One DatabaseMigration through the engine: connect, plan, check, apply, and its status.

use super::execute::{ResourceResult, ResourceStatus};
use super::prepare::{MigrateWork, Prepared};
use super::status::{Outcome, migration_status, other_failure, script_failure};
use crate::api::FailureStatus;
use crate::engine::{self, Dialect, EngineError, Progress, RunReport};
use crate::plan::lint::{Finding, lint_pending};
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
    pub fn set(&self) -> &MigrationSet {
        &self.work.source.set
    }

    /// `spec.targetVersion`.
    pub fn target(&self) -> Option<&Version> {
        self.work.target.as_ref()
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
            status: ResourceStatus::Migration(Box::new(status)),
            outcome,
        }
    }

    /// The result of a run that ended before connecting (every migration shows as pending).
    pub fn unconnected(&self, outcome: Outcome, failure: Option<FailureStatus>) -> ResourceResult {
        self.finish(&Plan::build(self.set(), &[]), &[], failure, outcome)
    }

    /// Connects, reads the history, plans and runs every check `apply` runs first (plan
    /// problems, blocking lint findings, `allowNonTransactional`); a check that fails ends the
    /// run with the status it gets.
    pub async fn check(&self) -> Result<Checked<'_>, Box<ResourceResult>> {
        let resource = self.resource;
        let connected = async {
            let mut db = engine::connect(&resource.url, &resource.settings).await?;
            let history = db.read_history().await?;
            Ok::<_, EngineError>((db, history))
        };
        let (db, plan) = match connected.await {
            Ok((db, history)) => (db, Plan::build(self.set(), &history)),
            Err(error) => {
                let failure = other_failure(error.reason(), &error.to_string());
                return Err(Box::new(self.unconnected(failed(&error), Some(failure))));
            }
        };
        let findings = lint_pending(
            &plan,
            self.set(),
            resource.url.kind(),
            &self.work.policy,
            self.target(),
        );
        let checked = Checked {
            run: self,
            db,
            plan,
            findings,
        };
        match checked.refusal() {
            Some((outcome, failure)) => Err(Box::new(checked.finish(outcome, failure))),
            None => Ok(checked),
        }
    }
}

/// A DatabaseMigration connected, planned and checked: its pending migrations may be applied.
pub struct Checked<'r> {
    run: &'r MigrationRun<'r>,
    db: Box<dyn Dialect>,
    plan: Plan,
    findings: Vec<Finding>,
}

impl Checked<'_> {
    /// The plan against the history (re-read after [`Self::apply`]).
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// What remains to apply up to `spec.targetVersion`, in order.
    pub fn pending(&self) -> Vec<&PlanEntry> {
        self.plan.to_apply(self.run.target()).collect()
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
    pub fn refuse(&self, reason: &str, message: &str) -> ResourceResult {
        let outcome = Outcome::Failed {
            reason: reason.to_owned(),
            message: message.to_owned(),
        };
        self.finish(outcome, Some(other_failure(reason, message)))
    }

    /// The result of the run ending here with `outcome`.
    pub fn finish(&self, outcome: Outcome, failure: Option<FailureStatus>) -> ResourceResult {
        self.run
            .finish(&self.plan, &self.findings, failure, outcome)
    }

    /// Why the run must not apply anything, with the failure to record (if it is one).
    fn refusal(&self) -> Option<(Outcome, Option<FailureStatus>)> {
        let run = self.run;
        if let Some(problem) = self.plan.problems(run.overrides).first() {
            let message = problem.to_string();
            let failure = FailureStatus {
                version: Some(problem.version().to_owned()),
                file: problem.path().map(str::to_owned),
                ..other_failure(problem.reason(), &message)
            };
            let outcome = Outcome::Failed {
                reason: problem.reason().into(),
                message,
            };
            return Some((outcome, Some(failure)));
        }
        let blocking = self.findings.iter().filter(|f| f.blocking()).count();
        if blocking > 0 {
            let outcome = Outcome::Blocked {
                reason: "LintBlocked".into(),
                message: format!(
                    "{blocking} blocking lint finding(s) in pending migrations (see status.lintFindings); fix them or relax spec.lint"
                ),
            };
            return Some((outcome, None));
        }
        if run.work.allow_non_transactional {
            return None;
        }
        let non_tx = self
            .plan
            .to_apply(run.target())
            .filter_map(|e| e.parsed_version().and_then(|v| run.set().get(v)))
            .find(|m| !m.transactional())?;
        let outcome = Outcome::Blocked {
            reason: "NonTransactionalNotAllowed".into(),
            message: format!(
                "{} is marked no-transaction but spec.allowNonTransactional is false; allow it or make the migration transactional",
                non_tx.up.path.display()
            ),
        };
        Some((outcome, None))
    }

    /// Applies the pending migrations up to `up_to`, re-reads the history, and returns the
    /// result (Ready when nothing is left up to `spec.targetVersion`, Pending when more is)
    /// with what the engine did.
    pub async fn apply(
        &mut self,
        up_to: Option<&Version>,
        on_progress: &mut dyn FnMut(Progress<'_>),
    ) -> (ResourceResult, RunReport) {
        let set = self.run.set();
        let result = engine::apply(&mut *self.db, set, &self.plan, up_to, on_progress).await;
        if let Ok(history) = self.db.read_history().await {
            self.plan = Plan::build(set, &history);
        }
        match result {
            Ok(report) => (self.finish(self.outcome(), None), report),
            Err(run_error) => {
                let failure = match &run_error.error {
                    EngineError::MigrationFailed(failure) => script_failure(failure),
                    error => other_failure(error.reason(), &error.to_string()),
                };
                let outcome = failed(&run_error.error);
                (self.finish(outcome, Some(failure)), run_error.report)
            }
        }
    }
}

fn failed(error: &EngineError) -> Outcome {
    Outcome::Failed {
        reason: error.reason().to_owned(),
        message: error.to_string(),
    }
}
