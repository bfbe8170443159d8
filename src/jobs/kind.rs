//! What one step Job does — apply SQL migrations, run a script step, or sync a ConfigSync —
//! written into its command by the Job builders and read back from a Job.

use k8s_openapi::api::batch::v1::Job;

use super::spec::STEP_CONTAINER;
use crate::manifest::ResourceKind;

/// What one step does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepKind {
    /// Consecutive pending SQL migrations, in the dbmigrate image (`dbmigrate step`).
    Sql,
    /// One script step, in the user's image (`dbmigrate step --script <version>`).
    Script {
        /// Its version.
        version: String,
    },
    /// One sync of a ConfigSync (`dbmigrate sync`).
    Sync,
}

impl StepKind {
    /// What a step Job runs, read back from its step container's command.
    pub fn of_job(job: &Job) -> Self {
        let command: Vec<String> = job
            .spec
            .as_ref()
            .and_then(|spec| spec.template.spec.as_ref())
            .and_then(|pod| pod.containers.iter().find(|c| c.name == STEP_CONTAINER))
            .and_then(|c| c.command.clone())
            .unwrap_or_default();
        if let Some(at) = command.iter().position(|arg| arg == "--script") {
            return Self::Script {
                version: command.get(at + 1).cloned().unwrap_or_default(),
            };
        }
        if command.iter().any(|arg| arg == "sync") {
            Self::Sync
        } else {
            Self::Sql
        }
    }

    /// The kind of resource whose step this is.
    pub fn resource_kind(&self) -> ResourceKind {
        match self {
            Self::Sql | Self::Script { .. } => ResourceKind::DatabaseMigration,
            Self::Sync => ResourceKind::ConfigSync,
        }
    }

    /// What the step does, for messages: `SQL migrations`, `script step <version>`, `sync`.
    pub fn describe(&self) -> String {
        match self {
            Self::Sql => "SQL migrations".to_owned(),
            Self::Script { version } => format!("script step {version}"),
            Self::Sync => "sync".to_owned(),
        }
    }
}
