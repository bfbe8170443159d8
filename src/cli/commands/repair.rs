//! `repair`: clear dirty records and accept edited checksums, saying what changed.

use super::Folder;
use crate::cli::error::CliError;
use crate::engine::Migrator;
use crate::plan::MigrationState;

/// Clears dirty records and re-records checksums of edited files, or marks one version applied.
pub async fn run(folder: &Folder<'_>, mark_applied: Option<&str>) -> Result<(), CliError> {
    let set = folder.files()?;
    let mut migrator = folder.connect(&set).await?;
    let output = &folder.output;
    let changes = repair(&mut migrator, mark_applied).await?;
    output.document(&serde_json::json!({ "changes": changes, "status": migrator.plan() }));
    if changes.is_empty() {
        output.line("nothing to repair");
    }
    for change in &changes {
        output.line(change);
    }
    output.status_table(migrator.plan());
    Ok(())
}

/// Repairs one database against its plan, then plans anew; returns what changed, one
/// sentence each.
pub async fn repair(
    migrator: &mut Migrator<'_>,
    mark_applied: Option<&str>,
) -> Result<Vec<String>, CliError> {
    let mut changes = Vec::new();
    let edited: Vec<(String, String, String)> = migrator
        .plan()
        .entries
        .iter()
        .filter_map(|entry| match (&entry.state, &entry.checksum) {
            (MigrationState::ChecksumMismatch { recorded }, Some(actual)) => {
                Some((entry.version.clone(), recorded.clone(), actual.clone()))
            }
            _ => None,
        })
        .collect();
    let db = migrator.dialect();
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
        for (version, recorded, actual) in edited {
            db.set_checksum(&version, &actual).await?;
            changes.push(format!(
                "accepted the edited file of version {version}: checksum {recorded} -> {actual}"
            ));
        }
    }
    migrator.replan().await?;
    Ok(changes)
}
