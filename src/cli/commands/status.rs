//! `status`: every migration with its state, applied time and duration.

use super::Folder;
use crate::cli::error::CliError;
use crate::plan::PlanOverrides;

/// Prints the status table (or the plan as JSON) and any problems, without changing anything.
pub async fn run(folder: &Folder<'_>) -> Result<(), CliError> {
    let set = folder.files()?;
    let migrator = folder.connect(&set).await?;
    let plan = migrator.plan();
    let output = &folder.output;
    output.document(plan);
    output.status_table(plan);
    for problem in plan.problems(PlanOverrides::default()) {
        output.line(&format!("problem: {problem}"));
    }
    Ok(())
}
