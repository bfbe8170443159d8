//! The operator's Prometheus metrics (prometheus-client, OpenMetrics text).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Labels of a reconcile's result.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResultLabels {
    /// `DatabaseMigration` or `ConfigSync`.
    pub kind: String,
    /// What the reconcile did: `create`, `wait`, `retry`, `ready`, `failed`, `blocked` or `error`.
    pub result: String,
}

/// Labels of one resource.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResourceLabels {
    /// Its kind.
    pub kind: String,
    /// Its namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
}

/// Labels of a failed step.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FailureLabels {
    /// The resource's kind.
    pub kind: String,
    /// The failure's reason (`MigrationFailed`, `StepTimedOut`, ...).
    pub reason: String,
}

/// Labels of a finished step.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StepLabels {
    /// The resource's kind.
    pub kind: String,
    /// `succeeded` or `failed`.
    pub result: String,
}

/// A histogram of step durations: 1 s to about 1 h in doublings.
fn step_duration_histogram() -> Histogram {
    Histogram::new(exponential_buckets(1.0, 2.0, 12))
}

/// Everything the operator counts.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// Reconciles by kind and result.
    pub reconciles: Family<ResultLabels, Counter>,
    /// Step Jobs created, by resource.
    pub steps_started: Family<ResourceLabels, Counter>,
    /// Failed step attempts, by kind and reason.
    pub step_failures: Family<FailureLabels, Counter>,
    /// Migrations still to apply, by resource (from the newest step report).
    pub pending_migrations: Family<ResourceLabels, Gauge>,
    /// How long finished step Jobs ran (start to completion), by kind and result.
    pub step_duration: Family<StepLabels, Histogram, fn() -> Histogram>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("dbmigrate");
        let reconciles = Family::default();
        let steps_started = Family::default();
        let step_failures = Family::default();
        let pending_migrations = Family::default();
        let step_duration: Family<StepLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(step_duration_histogram);
        registry.register(
            "reconciles",
            "Reconciles by kind and result",
            reconciles.clone(),
        );
        registry.register("steps_started", "Step Jobs created", steps_started.clone());
        registry.register(
            "step_failures",
            "Failed step attempts by reason",
            step_failures.clone(),
        );
        registry.register(
            "pending_migrations",
            "Migrations still to apply, per resource",
            pending_migrations.clone(),
        );
        registry.register(
            "step_duration_seconds",
            "How long finished step Jobs ran",
            step_duration.clone(),
        );
        Self {
            registry,
            reconciles,
            steps_started,
            step_failures,
            pending_migrations,
            step_duration,
        }
    }
}

impl Metrics {
    /// Counts one reconcile of `kind` that ended in `result`.
    pub fn reconciled(&self, kind: &str, result: &str) {
        self.reconciles
            .get_or_create(&ResultLabels {
                kind: kind.to_owned(),
                result: result.to_owned(),
            })
            .inc();
    }

    /// The metrics in the OpenMetrics text format.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_and_gauges_are_encoded_with_their_labels() {
        let metrics = Metrics::default();
        metrics.reconciled("DatabaseMigration", "create");
        metrics.reconciled("DatabaseMigration", "create");
        let forum = ResourceLabels {
            kind: "DatabaseMigration".to_owned(),
            namespace: "apps".to_owned(),
            name: "forum".to_owned(),
        };
        metrics.pending_migrations.get_or_create(&forum).set(4);
        let succeeded = StepLabels {
            kind: "ConfigSync".to_owned(),
            result: "succeeded".to_owned(),
        };
        metrics.step_duration.get_or_create(&succeeded).observe(3.0);
        let text = metrics.encode();
        assert!(
            text.contains(
                r#"dbmigrate_step_duration_seconds_bucket{le="4.0",kind="ConfigSync",result="succeeded"} 1"#
            ),
            "{text}"
        );
        assert!(
            text.contains(
                r#"dbmigrate_step_duration_seconds_bucket{le="2.0",kind="ConfigSync",result="succeeded"} 0"#
            ),
            "{text}"
        );
        assert!(
            text.contains(
                r#"dbmigrate_reconciles_total{kind="DatabaseMigration",result="create"} 2"#
            ),
            "{text}"
        );
        assert!(
            text.contains(
                r#"dbmigrate_pending_migrations{kind="DatabaseMigration",namespace="apps",name="forum"} 4"#
            ),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
