//! The one apply path of the CLI, `apply -f` and step Jobs: connect and plan against the
//! history, check what a run may do (plan problems, the lint policy, non-transactional
//! migrations), then apply and re-read the history.

use std::path::PathBuf;

use super::dialect::Dialect;
use super::error::EngineError;
use super::runner::{self, Progress, RunError, RunReport};
use super::settings::EngineSettings;
use super::url::DatabaseUrl;
use crate::api::Reason;
use crate::plan::lint::{Finding, LintPolicy, lint_pending};
use crate::plan::{Plan, PlanEntry, PlanOverrides, PlanProblem};
use crate::source::{MigrationSet, Version};

/// What a run may do: how far, which safety checks it relaxes, which lint findings block it,
/// and whether migrations without a transaction may run.
#[derive(Debug, Clone, Copy)]
pub struct ApplyPolicy<'a> {
    /// Apply up to and including this version (all when `None`).
    pub target: Option<&'a Version>,
    /// The safety checks relaxed.
    pub overrides: PlanOverrides,
    /// Which lint findings block.
    pub lint: &'a LintPolicy,
    /// Whether a pending migration marked no-transaction may run.
    pub allow_non_transactional: bool,
}

/// Why a run must not apply anything.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// The files and the history disagree (edited, missing, dirty, out of order).
    Plan {
        /// The first problem in plan order.
        first: PlanProblem,
        /// The others, in plan order.
        others: Vec<PlanProblem>,
    },
    /// Pending migrations have this many blocking lint findings.
    LintBlocked {
        /// How many.
        count: usize,
    },
    /// A pending migration runs without a transaction and the policy does not allow it.
    NonTransactional {
        /// Its version.
        version: String,
        /// Its file.
        path: PathBuf,
    },
}

impl Refusal {
    /// The plan problems, in plan order (none for a policy's refusal).
    pub fn problems(&self) -> Vec<PlanProblem> {
        match self {
            Self::Plan { first, others } => std::iter::once(first).chain(others).cloned().collect(),
            Self::LintBlocked { .. } | Self::NonTransactional { .. } => Vec::new(),
        }
    }

    /// The reason of the status (the first plan problem's for [`Refusal::Plan`]).
    pub fn reason(&self) -> Reason {
        match self {
            Self::Plan { first, .. } => first.reason(),
            Self::LintBlocked { .. } => Reason::LintBlocked,
            Self::NonTransactional { .. } => Reason::NonTransactionalNotAllowed,
        }
    }
}

/// What checking a run found: lint findings of the pending migrations, and the refusal if the
/// run must not apply anything. Only [`Migrator::check`] makes one.
#[derive(Debug, Clone)]
pub struct Check {
    findings: Vec<Finding>,
    refusal: Option<Refusal>,
}

impl Check {
    /// The lint findings of the pending migrations.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// Why the run must not apply anything, if it must not.
    pub fn refusal(&self) -> Option<&Refusal> {
        self.refusal.as_ref()
    }
}

/// Why [`Migrator::apply`] applied nothing or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// A check refused the run; nothing was applied.
    #[error("the run was refused ({})", .0.reason())]
    Refused(Refusal),
    /// A migration or the bookkeeping failed; what was applied before stays applied.
    #[error(transparent)]
    Run(#[from] RunError),
}

/// A database connected, with its history planned against the migration files.
pub struct Migrator<'s> {
    db: Box<dyn Dialect>,
    set: &'s MigrationSet,
    plan: Plan,
}

impl<'s> Migrator<'s> {
    /// Connects to `url` (within the connect timeout), reads the history and plans `set`.
    pub async fn connect(
        url: &DatabaseUrl,
        settings: &EngineSettings,
        set: &'s MigrationSet,
    ) -> Result<Self, EngineError> {
        let mut db = super::connect(url, settings).await?;
        let history = db.read_history().await?;
        let plan = Plan::build(set, &history);
        Ok(Self { db, set, plan })
    }

    /// The migration files.
    pub fn set(&self) -> &'s MigrationSet {
        self.set
    }

    /// The plan against the history (re-read after each run).
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// What remains to apply up to `target`, in order.
    pub fn pending<'a>(&'a self, target: Option<&'a Version>) -> Vec<&'a PlanEntry> {
        self.plan.to_apply(target).collect()
    }

    /// The connection, for repairs and schema snapshots.
    pub fn dialect(&mut self) -> &mut dyn Dialect {
        &mut *self.db
    }

    /// Lints the pending migrations and decides whether `policy` lets a run apply them:
    /// plan problems first, then blocking lint findings, then migrations without a
    /// transaction.
    pub fn check(&self, policy: &ApplyPolicy<'_>) -> Check {
        let findings = lint_pending(
            &self.plan,
            self.set,
            self.db.kind(),
            policy.lint,
            policy.target,
        );
        let refusal = self.refusal(policy, &findings);
        Check { findings, refusal }
    }

    fn refusal(&self, policy: &ApplyPolicy<'_>, findings: &[Finding]) -> Option<Refusal> {
        let mut problems = self.plan.problems(policy.overrides).into_iter();
        if let Some(first) = problems.next() {
            let others = problems.collect();
            return Some(Refusal::Plan { first, others });
        }
        let blocking = findings.iter().filter(|f| f.blocking()).count();
        if blocking > 0 {
            return Some(Refusal::LintBlocked { count: blocking });
        }
        if policy.allow_non_transactional {
            return None;
        }
        let migration = self
            .plan
            .to_apply(policy.target)
            .filter_map(|e| e.parsed_version().and_then(|v| self.set.get(v)))
            .find(|m| !m.transactional())?;
        Some(Refusal::NonTransactional {
            version: migration.version.to_string(),
            path: migration.up.path.clone(),
        })
    }

    /// Applies the pending migrations up to `up_to` unless `check` refused the run, then
    /// re-reads the history (also after a failure, so the plan shows what was applied).
    pub async fn apply(
        &mut self,
        check: &Check,
        up_to: Option<&Version>,
        on_progress: &mut dyn FnMut(Progress<'_>),
    ) -> Result<RunReport, ApplyError> {
        if let Some(refusal) = &check.refusal {
            return Err(ApplyError::Refused(refusal.clone()));
        }
        let result = runner::apply(&mut *self.db, self.set, &self.plan, up_to, on_progress).await;
        self.replan_after(result).await.map_err(ApplyError::Run)
    }

    /// Reverts the applied migrations above `to`, newest first, then re-reads the history.
    pub async fn down(
        &mut self,
        to: Option<&Version>,
        on_progress: &mut dyn FnMut(Progress<'_>),
    ) -> Result<RunReport, RunError> {
        let result = runner::down(&mut *self.db, self.set, &self.plan, to, on_progress).await;
        self.replan_after(result).await
    }

    /// Reads the history again and plans anew.
    pub async fn replan(&mut self) -> Result<(), EngineError> {
        let history = self.db.read_history().await?;
        self.plan = Plan::build(self.set, &history);
        Ok(())
    }

    /// Plans anew after a run; a run's own failure wins over one reading the history.
    async fn replan_after(
        &mut self,
        result: Result<RunReport, RunError>,
    ) -> Result<RunReport, RunError> {
        let replanned = self.replan().await;
        let report = result?;
        match replanned {
            Ok(()) => Ok(report),
            Err(error) => Err(RunError { report, error }),
        }
    }
}
