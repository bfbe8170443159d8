//! `dbmigrate operator`: the controllers, until SIGINT/SIGTERM or the loss of leadership.

use crate::api::RunnerSettings;
use crate::cli::error::CliError;
use crate::controller::{self, LeaderElection, OperatorOptions, SecretAccess};
use crate::jobs::JobSettings;

/// The command line of `dbmigrate operator`, parsed.
pub struct Options {
    /// `--namespace` (all namespaces when empty).
    pub namespaces: Vec<String>,
    /// `--secret-access`.
    pub secret_access: SecretAccess,
    /// `--runner-defaults`.
    pub runner_defaults: Option<RunnerSettings>,
    /// `--image`.
    pub image: Option<String>,
    /// `--retry-limit`.
    pub retry_limit: Option<u32>,
    /// The Lease's namespace, with `--leader-election`.
    pub lease_namespace: Option<String>,
    /// `--max-concurrent-reconciles`.
    pub concurrency: u16,
    /// `--http-address`, unless `off`.
    pub http_address: Option<std::net::SocketAddr>,
}

/// Connects to the cluster (KUBECONFIG, else in-cluster) and runs the controllers; with a
/// Lease namespace, only while this replica holds the leader election Lease there.
pub async fn run(options: Options) -> Result<(), CliError> {
    let Options {
        namespaces,
        secret_access,
        runner_defaults,
        image,
        retry_limit,
        lease_namespace,
        concurrency,
        http_address,
    } = options;
    let settings = job_settings(runner_defaults, image, retry_limit)?;
    let client = connect().await?;
    let leader_election = lease_namespace.map(|namespace| LeaderElection {
        namespace,
        identity: identity(),
    });
    let options = OperatorOptions {
        namespaces,
        settings,
        secret_access,
        leader_election,
        concurrency,
        http_address,
    };
    controller::run(client, options)
        .await
        .map_err(|e| CliError::Operator(Box::new(e)))
}

/// The step Jobs' defaults: `--runner-defaults` with `--image` and `--retry-limit` (its
/// shorthands) put in it, applied over the built-in defaults the way a resource's
/// `spec.runner` is applied over the operator's. A field set both ways is a usage error.
pub fn job_settings(
    defaults: Option<RunnerSettings>,
    image: Option<String>,
    retry_limit: Option<u32>,
) -> Result<JobSettings, CliError> {
    let mut defaults = defaults.unwrap_or_default();
    let twice = |flag: &str, field: &str| {
        CliError::Usage(format!(
            "{flag} and --runner-defaults both set the step Jobs' {field}: keep one of them"
        ))
    };
    if let Some(image) = image {
        if defaults.image.is_some() {
            return Err(twice("--image (DBMIGRATE_IMAGE)", "image"));
        }
        defaults.image = Some(image);
    }
    if let Some(limit) = retry_limit {
        if defaults.backoff_limit.is_some() {
            return Err(twice("--retry-limit", "backoffLimit"));
        }
        defaults.backoff_limit = Some(limit);
    }
    Ok(JobSettings::default().with_runner(Some(&defaults)))
}

/// A client of the cluster of KUBECONFIG (its current context), else of the pod's service
/// account.
pub async fn connect() -> Result<kube::Client, CliError> {
    kube::Client::try_default().await.map_err(|e| {
        CliError::Usage(format!(
            "cannot reach a Kubernetes API server: {e} (set KUBECONFIG, or run in a pod with a \
             service account)"
        ))
    })
}

/// This replica's name in the Lease: its pod (POD_NAME, HOSTNAME) and process id.
fn identity() -> String {
    let host = std::env::var("POD_NAME")
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_else(|_| "dbmigrate".to_owned());
    format!("{host}-{}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults(json: &str) -> RunnerSettings {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn runner_defaults_and_their_shorthands_make_the_jobs_defaults() {
        let built_in = JobSettings::default();
        assert_eq!(job_settings(None, None, None).unwrap(), built_in);
        let settings = job_settings(
            Some(defaults(
                r#"{"activeDeadlineSeconds": 600, "nodeSelector": {"pool": "jobs"}}"#,
            )),
            Some("registry.example.com/dbmigrate:1".to_owned()),
            Some(5),
        )
        .unwrap();
        assert_eq!(settings.image, "registry.example.com/dbmigrate:1");
        assert_eq!(settings.retry_limit, 5);
        assert_eq!(settings.active_deadline_seconds, 600);
        assert_eq!(settings.node_selector["pool"], "jobs");
        assert_eq!(
            settings.ttl_seconds_after_finished,
            built_in.ttl_seconds_after_finished
        );
    }

    #[test]
    fn a_field_set_by_a_shorthand_and_the_json_is_a_usage_error() {
        let image = job_settings(
            Some(defaults(r#"{"image": "a"}"#)),
            Some("b".to_owned()),
            None,
        )
        .unwrap_err();
        assert!(
            image
                .to_string()
                .contains("--image (DBMIGRATE_IMAGE) and --runner-defaults"),
            "{image}"
        );
        let retries =
            job_settings(Some(defaults(r#"{"backoffLimit": 1}"#)), None, Some(2)).unwrap_err();
        assert!(retries.to_string().contains("backoffLimit"), "{retries}");
    }
}
