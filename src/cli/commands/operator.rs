//! `dbmigrate operator`: the controllers, until SIGINT/SIGTERM.

use crate::cli::error::CliError;
use crate::controller::{self, OperatorOptions};
use crate::jobs::JobSettings;

/// Connects to the cluster (KUBECONFIG, else in-cluster) and runs the controllers.
pub async fn run(namespace: Option<String>, image: &str, retry_limit: u32) -> Result<(), CliError> {
    let client = kube::Client::try_default().await.map_err(|e| {
        CliError::Usage(format!(
            "cannot reach a Kubernetes API server: {e} (set KUBECONFIG, or run in a pod with a \
             service account)"
        ))
    })?;
    let settings = JobSettings {
        image: image.to_owned(),
        retry_limit,
        ..JobSettings::default()
    };
    controller::run(
        client,
        OperatorOptions {
            namespace,
            settings,
        },
    )
    .await;
    Ok(())
}
