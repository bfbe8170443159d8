//! The Helm chart `charts/dbmigrate` rendered as `helm template` renders it, for tests on
//! machines without helm: `tools/chart-render` (Go's text/template with Helm's sprig functions,
//! built by `scripts/build-chart-render` into the target directory) renders the templates, and
//! the merged values are first checked against `values.schema.json`, as helm does.
//!
//! ```no_run
//! let manifests = e2e_harness::chart::render("watchNamespaces: [forum]").expect("renders");
//! assert!(manifests.contains("kind: Role"));
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::HarnessError;
use crate::os::run;

/// The release name [`render`] uses.
pub const RELEASE_NAME: &str = "dbmigrate";
/// The release namespace [`render`] uses (the kustomize base's namespace too).
pub const RELEASE_NAMESPACE: &str = "dbmigrate-system";

/// The repository's root (two levels above this crate).
pub fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `charts/dbmigrate`.
pub fn chart_dir() -> PathBuf {
    repository_root().join("charts/dbmigrate")
}

/// The renderer, built once per process into `<target>/<profile>/chart-render/`.
///
/// # Errors
/// When Go or the Debian packages it builds from are missing (the message names them), or the
/// build fails.
pub fn renderer() -> Result<PathBuf, HarnessError> {
    static RENDERER: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    RENDERER
        .get_or_init(|| build_renderer().map_err(|e| e.to_string()))
        .clone()
        .map_err(|reason| HarnessError::Renderer { reason })
}

fn build_renderer() -> Result<PathBuf, HarnessError> {
    let out_dir = crate::bin_dir().join("chart-render");
    let output = run(Command::new("bash")
        .arg(repository_root().join("scripts/build-chart-render"))
        .arg(&out_dir))?;
    let path = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    Ok(PathBuf::from(path))
}

/// `helm template dbmigrate charts/dbmigrate -n dbmigrate-system -f <values>`: the manifests,
/// each document headed by `---` and `# Source: dbmigrate/templates/<file>`.
///
/// # Errors
/// [`HarnessError::ChartValues`] when the merged values break `values.schema.json`;
/// [`HarnessError::Command`] when the render fails (a `fail` or `required` of the chart: the
/// output holds its message).
pub fn render(values_yaml: &str) -> Result<String, HarnessError> {
    render_release(RELEASE_NAME, RELEASE_NAMESPACE, values_yaml, &[])
}

/// The chart's NOTES.txt rendered with these values (what `helm install` prints).
///
/// # Errors
/// As [`render`].
pub fn notes(values_yaml: &str) -> Result<String, HarnessError> {
    render_release(RELEASE_NAME, RELEASE_NAMESPACE, values_yaml, &["-notes"])
}

/// [`render`] with another release name and namespace, and extra renderer flags
/// (`-release-service kustomize`, `-notes`).
///
/// # Errors
/// As [`render`].
pub fn render_release(
    name: &str,
    namespace: &str,
    values_yaml: &str,
    flags: &[&str],
) -> Result<String, HarnessError> {
    let renderer = renderer()?;
    let values = tempfile::Builder::new()
        .prefix("values-")
        .suffix(".yaml")
        .tempfile()
        .map_err(HarnessError::io("creating a values file"))?;
    std::fs::write(values.path(), values_yaml).map_err(HarnessError::io(format!(
        "writing {}",
        values.path().display()
    )))?;
    let merged = run(Command::new(&renderer)
        .arg("-values")
        .arg("-f")
        .arg(values.path())
        .arg(chart_dir()))?;
    check_values(&merged.stdout)?;
    let output = run(Command::new(&renderer)
        .args(["-name", name, "-namespace", namespace])
        .args(flags)
        .arg("-f")
        .arg(values.path())
        .arg(chart_dir()))?;
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Checks merged values (JSON) against the chart's `values.schema.json`, as helm does before
/// it renders.
fn check_values(merged_json: &[u8]) -> Result<(), HarnessError> {
    let schema_path = chart_dir().join("values.schema.json");
    let invalid = |reason: String| HarnessError::ChartValues {
        schema: schema_path.clone(),
        errors: reason,
    };
    let schema_text = std::fs::read_to_string(&schema_path).map_err(HarnessError::io(format!(
        "reading {}",
        schema_path.display()
    )))?;
    let schema: serde_json::Value =
        serde_json::from_str(&schema_text).map_err(|e| invalid(format!("not JSON: {e}")))?;
    let values: serde_json::Value = serde_json::from_slice(merged_json)
        .map_err(|e| invalid(format!("the renderer's values are not JSON: {e}")))?;
    let validator = jsonschema::draft7::new(&schema)
        .map_err(|e| invalid(format!("not a draft-07 schema: {e}")))?;
    let errors: Vec<String> = validator
        .iter_errors(&values)
        .map(|e| format!("- at `{}`: {e}", e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(invalid(errors.join("\n")))
    }
}
