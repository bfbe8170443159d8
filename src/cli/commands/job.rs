//! The commands step Jobs run: `step` and `sync` (write the report, exit with its verdict),
//! and `copy-self` (puts this binary where a script step's image can run it).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use tracing::error;

use crate::api::Reason;
use crate::cli::args::{EngineArgs, JobArgs};
use crate::cli::error::CliError;
use crate::jobs::{self, StepEnd, StepKind, StepRequest};

/// Runs the step, writes its report to the termination message file, and fails when the
/// step did.
pub async fn run(
    engine: &EngineArgs,
    args: &JobArgs,
    kind: StepKind,
    max_migrations: usize,
) -> Result<(), CliError> {
    let end = match super::engine_settings(engine) {
        Ok(settings) => {
            let request = StepRequest {
                config_maps_dir: &args.config_maps_dir,
                settings,
                kind,
                max_migrations,
            };
            jobs::run_step(&request).await
        }
        Err(error) => {
            error!(reason = Reason::InvalidInput.as_str(), "{error}");
            let env = |name: &str| std::env::var(name).ok();
            let generation = jobs::resource_generation(&env);
            StepEnd::not_run(
                kind.resource_kind(),
                Reason::InvalidInput,
                &error.to_string(),
                generation,
            )
        }
    };
    let path = &args.termination_message_path;
    if let Err(source) = std::fs::write(path, end.report.to_termination_message()) {
        error!(path = %path.display(), "cannot write the step report: {source}");
        return Err(CliError::Write {
            path: path.clone(),
            source,
        });
    }
    match end.failure {
        Some((reason, message)) => Err(CliError::StepFailed { reason, message }),
        None => Ok(()),
    }
}

/// Copies the running executable to `dest` with mode 0755.
pub fn copy_self(dest: &Path) -> Result<(), CliError> {
    let write_error = |source| CliError::Write {
        path: dest.to_path_buf(),
        source,
    };
    let me = std::env::current_exe().map_err(write_error)?;
    std::fs::copy(&me, dest).map_err(write_error)?;
    std::fs::set_permissions(dest, std::fs::Permissions::from_mode(0o755)).map_err(write_error)
}
