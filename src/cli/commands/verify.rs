//! `verify-rollback`: prove every down script restores the schema, on a scratch database.

use super::Folder;
use crate::cli::error::CliError;
use crate::engine::{Scratch, verify_rollback};

/// Runs the up/down/up cycle on a scratch database and reports the first mismatch.
pub async fn run(folder: &Folder<'_>) -> Result<(), CliError> {
    let set = folder.files()?;
    let scratch = Scratch::create(&folder.url, &folder.settings).await?;
    let result = async {
        let mut db = scratch.connect(&folder.settings).await?;
        let mut progress = folder.progress();
        Ok::<_, CliError>(verify_rollback(&mut *db, &set, &mut progress).await?)
    }
    .await;
    scratch.remove(&folder.settings).await;
    let report = result?;
    let output = &folder.output;
    output.document(&report);
    match report.problem {
        None => {
            output.line(&format!(
                "verified {} migration(s): every down script restores the schema, and re-applying gives the same schema",
                report.checked
            ));
            Ok(())
        }
        Some(problem) => {
            let what = if problem.phase == "down" {
                "its down script does not restore the schema from before it"
            } else {
                "applying it again after its down script gives a different schema"
            };
            for line in &problem.missing {
                output.line(&format!("  - missing:    {line}"));
            }
            for line in &problem.unexpected {
                output.line(&format!("  + unexpected: {line}"));
            }
            Err(CliError::Rollback {
                version: problem.version,
                name: problem.name,
                what: what.into(),
            })
        }
    }
}
