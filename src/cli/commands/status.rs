//! `status`: every migration with its state, applied time and duration.

use super::Folder;
use crate::cli::error::CliError;
use crate::plan::PlanOverrides;

/// Prints the status table (or the plan as JSON) and any problems, without changing anything.
pub async fn run(folder: &Folder<'_>) -> Result<(), CliError> {
    let loaded = folder.load().await?;
    let output = &folder.output;
    output.document(&loaded.plan);
    output.status_table(&loaded.plan);
    for problem in loaded.plan.problems(PlanOverrides::default()) {
        output.line(&format!("problem: {problem}"));
    }
    Ok(())
}
