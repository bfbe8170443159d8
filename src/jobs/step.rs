//! What a step Job's command runs: one step of a DatabaseMigration (`dbmigrate step`) or one
//! sync of a ConfigSync (`dbmigrate sync`), through the same manifest pipeline and engine as
//! `dbmigrate apply -f`, ending in a [`StepReport`].

use std::path::Path;

use tracing::{error, info};

use super::inputs::{InputError, read_bundle, resource_generation};
use super::kind::StepKind;
use super::{ENV_RESOURCE, NextStep, StepReport};
use crate::api::{Outcome, Reason};
use crate::engine::{EngineSettings, Progress};
use crate::manifest::{
    self, AnyStatus, Bundle, Checked, Defaults, ManifestError, MigrationRun, Mode, Prepared,
    ResourceKind, ResourceResult, Work,
};
use crate::plan::lint::LintPolicy;
use crate::plan::{PlanEntry, PlanOverrides};
use crate::source::{InvalidVersion, MigrationSet, Version};

/// What a step Job's command is asked to do.
#[derive(Debug, Clone)]
pub struct StepRequest<'a> {
    /// Where the referenced ConfigMaps are mounted.
    pub config_maps_dir: &'a Path,
    /// Timeouts and history table unless the resource's spec sets them.
    pub settings: EngineSettings,
    /// Which step.
    pub kind: StepKind,
    /// The most SQL migrations a [`StepKind::Sql`] step applies (it stops before a script step).
    pub max_migrations: usize,
}

/// How a step ended: the report to leave, and why it failed (if it did).
#[derive(Debug, Clone)]
pub struct StepEnd {
    /// The report for the termination message.
    pub report: StepReport,
    /// The failure's reason and message.
    pub failure: Option<(Reason, String)>,
}

/// Why a step could not run at all (nothing ran when one of these is returned).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StepError {
    /// The Job's inputs are unusable.
    #[error(transparent)]
    Input(#[from] InputError),
    /// The resource cannot be resolved.
    #[error(transparent)]
    Manifest(Box<ManifestError>),
    /// `--script` is not a version.
    #[error("--script: {0}")]
    ScriptVersion(#[from] InvalidVersion),
    /// `--script` names a version that is not a script step.
    #[error("--script {version}: the resource has no script step with this version (spec.scripts)")]
    NotAScript {
        /// The version asked for.
        version: String,
    },
    /// `--script` names a script step that is not the next migration to apply.
    #[error(
        "--script {version}: the next pending migration is {first}, not this script step; run the steps in order"
    )]
    ScriptNotNext {
        /// The version asked for.
        version: String,
        /// The first pending version (or `none`).
        first: String,
    },
}

impl From<ManifestError> for StepError {
    fn from(error: ManifestError) -> Self {
        Self::Manifest(Box::new(error))
    }
}

impl StepError {
    /// A stable reason string (the report's failure reason).
    pub fn reason(&self) -> Reason {
        match self {
            Self::Input(error) => error.reason(),
            Self::Manifest(error) => error.reason(),
            Self::ScriptVersion(_) | Self::NotAScript { .. } => Reason::InvalidInput,
            Self::ScriptNotNext { .. } => Reason::ScriptNotNext,
        }
    }
}

/// Reads the Job's inputs from this process's environment and runs the step; a failure
/// before the step could run still ends in a report.
pub async fn run_step(request: &StepRequest<'_>) -> StepEnd {
    let env = |name: &str| std::env::var(name).ok();
    let kind = request.kind.resource_kind();
    let result = match read_bundle(kind, request.config_maps_dir, &env) {
        Ok(bundle) => run_bundle(&bundle, request).await,
        Err(error) => Err(error.into()),
    };
    result.unwrap_or_else(|error| {
        let reason = error.reason();
        error!(reason = reason.as_str(), "{error}");
        StepEnd::not_run(kind, reason, &error.to_string(), resource_generation(&env))
    })
}

impl StepEnd {
    /// The end of a step of a resource of `kind` that failed before it could run.
    pub fn not_run(
        kind: ResourceKind,
        reason: Reason,
        message: &str,
        generation: Option<i64>,
    ) -> Self {
        let status = AnyStatus::not_run(kind, reason, message, generation);
        Self::of(
            generation,
            Vec::new(),
            NextStep::Done,
            status,
            Some(reason),
            message,
        )
    }

    /// The end of a step whose resource ended with `result`.
    fn from_result(
        result: ResourceResult,
        generation: Option<i64>,
        applied: Vec<String>,
        next: NextStep,
    ) -> Self {
        info!(
            resource = %result.id,
            database = %result.database,
            phase = ?result.outcome.phase(),
            applied = ?applied,
            next = ?next,
            "step finished"
        );
        let (reason, message) = match &result.outcome {
            Outcome::Failed { reason, message } => (Some(*reason), message.as_str()),
            Outcome::Blocked { reason, message } if *reason != Reason::Suspended => {
                (Some(*reason), message.as_str())
            }
            _ => (None, ""),
        };
        Self::of(generation, applied, next, result.status, reason, message)
    }

    fn of(
        generation: Option<i64>,
        applied: Vec<String>,
        next: NextStep,
        status: AnyStatus,
        reason: Option<Reason>,
        message: &str,
    ) -> Self {
        let mut report = StepReport {
            generation,
            applied,
            next,
            migration: None,
            sync: None,
        };
        // Conditions are the operator's to merge (with their transition times).
        match status {
            AnyStatus::Migration(mut status) => {
                status.conditions.clear();
                report.migration = Some(*status);
            }
            AnyStatus::Sync(mut status) => {
                status.conditions.clear();
                report.sync = Some(*status);
            }
        }
        Self {
            report,
            failure: reason.map(|reason| (reason, message.to_owned())),
        }
    }
}

async fn run_bundle(bundle: &Bundle, request: &StepRequest<'_>) -> Result<StepEnd, StepError> {
    let defaults = Defaults {
        database_url: None,
        settings: request.settings.clone(),
        lint: LintPolicy::default(),
    };
    let prepared = manifest::prepare(bundle, &defaults)?;
    // The bundle holds exactly one resource of the requested kind (see `read_bundle`).
    let Some(resource) = prepared.first() else {
        return Err(ManifestError::Empty.into());
    };
    info!(resource = %resource.id, database = %resource.url.redacted(), "step starting");
    let script = match &request.kind {
        StepKind::Sql => None,
        StepKind::Script { version } => Some(version.as_str()),
        StepKind::Sync => {
            let results = manifest::execute(
                std::slice::from_ref(resource),
                Mode::Apply,
                PlanOverrides::default(),
                &mut |_, _| {},
            )
            .await;
            let result = results.into_iter().next().ok_or(ManifestError::Empty)?;
            return Ok(StepEnd::from_result(
                result,
                resource.generation,
                Vec::new(),
                NextStep::Done,
            ));
        }
    };
    let Work::Migrate(work) = &resource.work else {
        return Err(InputError::WrongKind {
            variable: ENV_RESOURCE,
            expected: ResourceKind::DatabaseMigration.as_str(),
            found: resource.id.kind.as_str().to_owned(),
        }
        .into());
    };
    let run = MigrationRun::new(resource, work, PlanOverrides::default());
    Ok(migration_step(&run, resource, script, request.max_migrations).await)
}

/// Plans and checks; applies the next script step or the next SQL migrations; reports what
/// is next (a step that may not run ends in a failed report with the planned status).
async fn migration_step(
    run: &MigrationRun<'_>,
    resource: &Prepared,
    script: Option<&str>,
    max_migrations: usize,
) -> StepEnd {
    let generation = resource.generation;
    let mut checked = match run.check().await {
        Ok(checked) => checked,
        Err(result) => {
            return StepEnd::from_result(*result, generation, Vec::new(), NextStep::Done);
        }
    };
    let up_to = match choose(&checked, run.set(), script, max_migrations) {
        Ok(Some(up_to)) => up_to,
        Ok(None) => {
            let next = next_step(&checked, run.set());
            let result = checked.finish(checked.outcome(), None);
            return StepEnd::from_result(result, generation, Vec::new(), next);
        }
        Err(error) => {
            let result = checked.refuse(error.reason(), &error.to_string());
            return StepEnd::from_result(result, generation, Vec::new(), NextStep::Done);
        }
    };
    let mut progress = |progress: Progress<'_>| {
        if let Progress::Starting {
            index,
            total,
            script: step,
        } = progress
        {
            info!(
                version = step.version,
                name = step.name,
                index,
                total,
                "applying"
            );
        }
    };
    let (result, report) = checked.apply(Some(&up_to), &mut progress).await;
    let applied = report.applied.into_iter().map(|a| a.version).collect();
    let next = match result.outcome {
        Outcome::Failed { .. } => NextStep::Done,
        _ => next_step(&checked, run.set()),
    };
    StepEnd::from_result(result, generation, applied, next)
}

/// The version this step applies up to, or `None` when it applies nothing.
fn choose(
    checked: &Checked<'_>,
    set: &MigrationSet,
    script: Option<&str>,
    max_migrations: usize,
) -> Result<Option<Version>, StepError> {
    let pending = checked.pending();
    let Some(wanted) = script else {
        let last_sql = pending
            .iter()
            .take_while(|entry| !is_script(entry, set))
            .take(max_migrations)
            .last();
        return Ok(last_sql.and_then(|entry| entry.parsed_version().cloned()));
    };
    let version = Version::parse(wanted)?;
    if set.get(&version).is_none_or(|m| m.up.command.is_none()) {
        return Err(StepError::NotAScript {
            version: wanted.to_owned(),
        });
    }
    let applied = checked
        .plan()
        .entries
        .iter()
        .any(|e| e.is_applied() && e.parsed_version() == Some(&version));
    match pending.first() {
        _ if applied => Ok(None),
        Some(first) if first.parsed_version() == Some(&version) => Ok(Some(version)),
        first => Err(StepError::ScriptNotNext {
            version: wanted.to_owned(),
            first: first.map_or_else(|| "none".to_owned(), |e| e.version.clone()),
        }),
    }
}

/// What the resource needs next, from what is left to apply.
fn next_step(checked: &Checked<'_>, set: &MigrationSet) -> NextStep {
    match checked.pending().first() {
        None => NextStep::Done,
        Some(entry) if is_script(entry, set) => NextStep::Script {
            version: entry.version.clone(),
        },
        Some(_) => NextStep::Sql,
    }
}

fn is_script(entry: &PlanEntry, set: &MigrationSet) -> bool {
    entry
        .parsed_version()
        .and_then(|v| set.get(v))
        .is_some_and(|m| m.up.command.is_some())
}
