//! `down --to <version>`: revert newer migrations with their down scripts, newest first.

use super::Folder;
use crate::cli::error::CliError;
use crate::plan::PlanOverrides;
use crate::source::Version;

/// Reverts applied migrations above `to` (`0` reverts everything) and prints the status.
pub async fn run(folder: &Folder<'_>, to: &str) -> Result<(), CliError> {
    let target = Version::parse(to)?;
    let set = folder.files()?;
    let mut migrator = folder.connect(&set).await?;
    let problems = migrator.plan().problems(PlanOverrides {
        out_of_order: true,
        ..PlanOverrides::default()
    });
    if !problems.is_empty() {
        return Err(CliError::Plan(problems));
    }
    let mut progress = folder.progress();
    let result = migrator.down(Some(&target), &mut progress).await;
    let output = &folder.output;
    let report = match &result {
        Ok(report) => report,
        Err(run) => &run.report,
    };
    output.document(&serde_json::json!({ "report": report, "status": migrator.plan() }));
    output.line(&format!("{} reverted", report.applied.len()));
    output.status_table(migrator.plan());
    result.map(drop).map_err(Into::into)
}
