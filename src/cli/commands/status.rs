//! `status`: every migration with its state, applied time and duration.

use super::Context;
use crate::cli::error::CliError;
use crate::plan::PlanOverrides;

/// Prints the status table (or the plan as JSON) and any problems, without changing anything.
pub async fn run(context: &Context<'_>) -> Result<(), CliError> {
    let loaded = context.load().await?;
    let output = &context.output;
    output.document(&loaded.plan);
    output.status_table(&loaded.plan);
    for problem in loaded.plan.problems(PlanOverrides::default()) {
        output.line(&format!("problem: {problem}"));
    }
    Ok(())
}
