//! `repair`: clear dirty records and accept edited checksums, saying what changed.

use super::Folder;
use crate::cli::error::CliError;
use crate::engine::Dialect;
use crate::plan::{MigrationState, Plan};

/// Clears dirty records and re-records checksums of edited files, or marks one version applied.
pub async fn run(folder: &Folder<'_>, mark_applied: Option<&str>) -> Result<(), CliError> {
    let mut loaded = folder.load().await?;
    let output = &folder.output;
    let changes = repair(&mut *loaded.db, &loaded.plan, mark_applied).await?;
    folder.replan(&mut loaded).await?;
    output.document(&serde_json::json!({ "changes": changes, "status": &loaded.plan }));
    if changes.is_empty() {
        output.line("nothing to repair");
    }
    for change in &changes {
        output.line(change);
    }
    output.status_table(&loaded.plan);
    Ok(())
}

/// Repairs one database against its plan; returns what changed, one sentence each.
pub async fn repair(
    db: &mut dyn Dialect,
    plan: &Plan,
    mark_applied: Option<&str>,
) -> Result<Vec<String>, CliError> {
    let mut changes = Vec::new();
    if let Some(version) = mark_applied {
        if !db.mark_applied(version).await? {
            return Err(CliError::Usage(format!(
                "version {version} is not dirty; `repair --mark-applied` only completes a dirty version"
            )));
        }
        changes.push(format!("marked dirty version {version} as applied"));
    } else {
        for version in db.clear_dirty().await? {
            changes.push(format!(
                "cleared dirty record of version {version}; it will run again"
            ));
        }
        for entry in &plan.entries {
            if let (MigrationState::ChecksumMismatch { recorded }, Some(actual)) =
                (&entry.state, &entry.checksum)
            {
                db.set_checksum(&entry.version, actual).await?;
                changes.push(format!(
                    "accepted the edited file of version {}: checksum {recorded} -> {actual}",
                    entry.version
                ));
            }
        }
    }
    Ok(changes)
}
