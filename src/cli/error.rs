//! CLI failures and their documented exit codes.

use std::process::ExitCode;

use crate::api::Reason;
use crate::engine::{EngineError, RunError};
use crate::manifest::ManifestError;
use crate::plan::PlanProblem;
use crate::plan::lint::LintPolicyError;
use crate::source::{InvalidVersion, SourceError};

/// Exit code: a migration script failed (earlier ones stay applied).
pub const EXIT_MIGRATION_FAILED: u8 = 1;
/// Exit code: bad flags or settings (also clap's own usage errors).
pub const EXIT_USAGE: u8 = 2;
/// Exit code: the migrations or the history are inconsistent; nothing ran.
pub const EXIT_INVALID: u8 = 3;
/// Exit code: blocking lint findings; nothing ran.
pub const EXIT_LINT: u8 = 4;
/// Exit code: the database is unreachable, hangs, or the lock could not be taken.
pub const EXIT_DATABASE: u8 = 5;
/// Exit code: verify-rollback found a down script that does not restore the schema.
pub const EXIT_ROLLBACK: u8 = 6;
/// `operator`: leader election failed, or another replica took the leadership.
pub const EXIT_OPERATOR: u8 = 7;
/// `wait`: the resources were not all Ready before the timeout.
pub const EXIT_WAIT_TIMEOUT: u8 = 8;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The migration files are invalid.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The engine failed before any script ran.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// A run stopped part-way.
    #[error(transparent)]
    Run(#[from] RunError),
    /// The plan must not run.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Plan(Vec<PlanProblem>),
    /// Lint findings block the run.
    #[error(
        "{count} blocking lint finding(s); fix them, silence one with `-- dbmigrate: allow=<rule>` in the file, or drop --deny/--deny-warnings"
    )]
    LintBlocked {
        /// How many.
        count: usize,
    },
    /// The lint policy names an unknown rule.
    #[error(transparent)]
    LintPolicy(#[from] LintPolicyError),
    /// A `--to` version does not parse.
    #[error("--to: {0}")]
    Version(#[from] InvalidVersion),
    /// verify-rollback found a mismatch (already printed).
    #[error("version {version} ({name}): {what}")]
    Rollback {
        /// Version.
        version: String,
        /// Name.
        name: String,
        /// What differs.
        what: String,
    },
    /// A file could not be written (`new`, `copy-self`, a step report).
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: std::path::PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A usage error found after parsing.
    #[error("{0}")]
    Usage(String),
    /// The operator stopped (leader election failed or leadership was lost).
    #[error(transparent)]
    Operator(Box<crate::controller::OperatorError>),
    /// The manifests cannot be run; nothing ran.
    #[error(transparent)]
    Manifest(Box<ManifestError>),
    /// A step Job's command failed (its report says why).
    #[error("{message}")]
    StepFailed {
        /// The report's failure reason.
        reason: Reason,
        /// What failed.
        message: String,
    },
    /// `wait` ran out of time.
    #[error(
        "not Ready after {}s in namespace {namespace}: {}",
        after.as_secs(),
        not_ready.join("; ")
    )]
    WaitTimedOut {
        /// The timeout.
        after: std::time::Duration,
        /// The namespace.
        namespace: String,
        /// Each resource with where it stands.
        not_ready: Vec<String>,
    },
    /// `wait` found a resource Failed.
    #[error("{resource} is Failed ({reason}): {message}")]
    WaitFailed {
        /// `namespace/kind/name`.
        resource: String,
        /// Its failure's reason.
        reason: Reason,
        /// Its message.
        message: String,
    },
    /// Watching a resource failed (RBAC, the API server).
    #[error("cannot watch {resource}: {source}")]
    Watch {
        /// `namespace/kind/name`.
        resource: String,
        /// The watch error.
        #[source]
        source: kube::runtime::watcher::Error,
    },
    /// Some resources of a manifest run did not end Ready (their statuses say why).
    #[error("{} of {total} resource(s) not Ready: {}", not_ready.len(), not_ready.join("; "))]
    NotReady {
        /// `<resource>: <reason>` of each one.
        not_ready: Vec<String>,
        /// How many resources ran.
        total: usize,
        /// The reason of the first one.
        reason: Reason,
        /// The exit code of the first one.
        code: u8,
    },
}

impl From<ManifestError> for CliError {
    fn from(error: ManifestError) -> Self {
        Self::Manifest(Box::new(error))
    }
}

impl CliError {
    /// A stable reason string for JSON output: the [`Reason`] of a resource's or the engine's
    /// failure, or one of the CLI's own.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Source(e) => e.reason().as_str(),
            Self::Engine(e) => e.reason().as_str(),
            Self::Run(e) => e.error.reason().as_str(),
            Self::Plan(problems) => problems
                .first()
                .map_or("PlanInvalid", |p| p.reason().as_str()),
            Self::LintBlocked { .. } => "LintBlocked",
            Self::LintPolicy(_) => "InvalidLintPolicy",
            Self::Version(_) => "InvalidVersion",
            Self::Rollback { .. } => "RollbackMismatch",
            Self::Write { .. } => "WriteFailed",
            Self::Usage(_) => "Usage",
            Self::Operator(e) => match e.as_ref() {
                crate::controller::OperatorError::Leader(_) => "LeaderElectionFailed",
                crate::controller::OperatorError::LostLeadership(_) => "LostLeadership",
                crate::controller::OperatorError::Serve(_) => "HttpPortUnavailable",
                crate::controller::OperatorError::ApiServer(_) => "ApiServerUnreachable",
            },
            Self::Manifest(e) => e.reason().as_str(),
            Self::NotReady { reason, .. }
            | Self::StepFailed { reason, .. }
            | Self::WaitFailed { reason, .. } => reason.as_str(),
            Self::WaitTimedOut { .. } => "WaitTimedOut",
            Self::Watch { .. } => "ApiServerUnreachable",
        }
    }

    /// The documented exit code (see docs/cli.md).
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(match self {
            Self::Source(_) | Self::Plan(_) => EXIT_INVALID,
            Self::Engine(e) | Self::Run(RunError { error: e, .. }) => engine_exit_code(e),
            Self::LintBlocked { .. } => EXIT_LINT,
            Self::LintPolicy(_) | Self::Version(_) | Self::Usage(_) => EXIT_USAGE,
            Self::Rollback { .. } => EXIT_ROLLBACK,
            Self::Operator(_) => EXIT_OPERATOR,
            Self::Write { .. } | Self::Manifest(_) => EXIT_INVALID,
            Self::NotReady { code, .. } => *code,
            Self::StepFailed { reason, .. } | Self::WaitFailed { reason, .. } => {
                reason_exit_code(*reason)
            }
            Self::WaitTimedOut { .. } => EXIT_WAIT_TIMEOUT,
            Self::Watch { .. } => EXIT_OPERATOR,
        })
    }
}

/// The exit code of a resource that ended with this condition reason.
pub fn reason_exit_code(reason: Reason) -> u8 {
    match reason {
        Reason::MigrationFailed | Reason::ConstraintViolation => EXIT_MIGRATION_FAILED,
        Reason::LintBlocked => EXIT_LINT,
        Reason::DatabaseUnreachable
        | Reason::LockTimeout
        | Reason::DatabaseTimeout
        | Reason::DatabaseError => EXIT_DATABASE,
        Reason::InvalidDatabaseUrl | Reason::InvalidSetting => EXIT_USAGE,
        _ => EXIT_INVALID,
    }
}

fn engine_exit_code(error: &EngineError) -> u8 {
    match error {
        EngineError::MigrationFailed(_) => EXIT_MIGRATION_FAILED,
        EngineError::InvalidUrl { .. }
        | EngineError::UnsupportedScheme { .. }
        | EngineError::InvalidSetting { .. } => EXIT_USAGE,
        EngineError::Dirty { .. }
        | EngineError::Irreversible { .. }
        | EngineError::HistoryTooNew { .. } => EXIT_INVALID,
        _ => EXIT_DATABASE,
    }
}
