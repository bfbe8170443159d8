//! `crds`: prints the CustomResourceDefinitions generated from the API types, or writes them
//! as the `crds/` files.

use std::path::Path;

use crate::api;
use crate::cli::error::CliError;
use crate::cli::output::Output;

/// Prints every CRD as one YAML stream, or with `write` writes one file per CRD into that
/// directory (created when missing) and lists the files written.
pub fn run(write: Option<&Path>, output: &Output) -> Result<(), CliError> {
    let Some(dir) = write else {
        let yaml =
            api::crds_yaml().map_err(|e| CliError::Usage(format!("rendering the CRDs: {e}")))?;
        output.raw(&yaml);
        return Ok(());
    };
    std::fs::create_dir_all(dir).map_err(|source| CliError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::new();
    for (name, yaml) in api::crd_files() {
        let path = dir.join(name);
        std::fs::write(&path, yaml).map_err(|source| CliError::Write {
            path: path.clone(),
            source,
        })?;
        output.line(&format!("wrote {}", path.display()));
        written.push(path.display().to_string());
    }
    output.document(&serde_json::json!({ "written": written }));
    Ok(())
}
