//! The report a step Job leaves in its container's termination message: compact JSON that
//! fits Kubernetes' 4 KiB limit, trimmed (oldest applied entries, lint findings, long
//! messages) rather than cut.

use serde::{Deserialize, Serialize};

use crate::api::{ConfigSyncStatus, DatabaseMigrationStatus};

/// The most bytes Kubernetes keeps of a termination message.
pub const TERMINATION_MESSAGE_LIMIT: usize = 4096;

/// The longest message kept when a report has to shrink.
const SHORT_MESSAGE: usize = 300;

/// What the resource needs after this step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum NextStep {
    /// Nothing: everything declared is applied (or the step failed: see the status).
    Done,
    /// More SQL migrations: another SQL step.
    Sql,
    /// A script step, run in the user's image.
    Script {
        /// Its version.
        version: String,
    },
}

/// What one step did and where the resource stands after it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StepReport {
    /// The resource's `metadata.generation` the step ran for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<i64>,
    /// Versions this step applied, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub applied: Vec<String>,
    /// What comes next.
    pub next: NextStep,
    /// A DatabaseMigration's status after the step, as `dbmigrate apply -f` computes it
    /// (conditions left to the operator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migration: Option<DatabaseMigrationStatus>,
    /// A ConfigSync's status after the step (conditions left to the operator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync: Option<ConfigSyncStatus>,
}

impl StepReport {
    /// The report as JSON of at most [`TERMINATION_MESSAGE_LIMIT`] bytes: when too long,
    /// drops lint findings that do not block, then the oldest `lastApplied` entries, then
    /// shortens messages, then drops the list of versions this step applied (the counts and
    /// current version in the status stay), then blocking findings from the last.
    pub fn to_termination_message(&self) -> String {
        let mut report = self.clone();
        let mut text = report.json();
        let shrink: [fn(&mut StepReport) -> bool; 5] = [
            drop_non_blocking_findings,
            drop_oldest_applied,
            shorten_messages,
            drop_applied_versions,
            drop_last_finding,
        ];
        for step in shrink {
            while text.len() > TERMINATION_MESSAGE_LIMIT && step(&mut report) {
                text = report.json();
            }
        }
        text
    }

    /// Reads a termination message written by [`Self::to_termination_message`].
    pub fn from_termination_message(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text.trim())
    }

    fn json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

fn drop_non_blocking_findings(report: &mut StepReport) -> bool {
    let Some(status) = &mut report.migration else {
        return false;
    };
    let before = status.lint_findings.len();
    status.lint_findings.retain(|f| f.blocking);
    status.lint_findings.len() != before
}

fn drop_oldest_applied(report: &mut StepReport) -> bool {
    report
        .migration
        .as_mut()
        .is_some_and(|status| status.last_applied.pop().is_some())
}

fn shorten_messages(report: &mut StepReport) -> bool {
    let mut changed = false;
    let mut shorten = |text: &mut String| {
        if text.chars().count() > SHORT_MESSAGE {
            *text = format!(
                "{}…",
                text.chars().take(SHORT_MESSAGE - 1).collect::<String>()
            );
            changed = true;
        }
    };
    if let Some(status) = &mut report.migration {
        if let Some(failure) = &mut status.failure {
            shorten(&mut failure.message);
        }
        status
            .lint_findings
            .iter_mut()
            .for_each(|f| shorten(&mut f.message));
        status.message.iter_mut().for_each(&mut shorten);
    }
    if let Some(status) = &mut report.sync {
        if let Some(failure) = &mut status.failure {
            shorten(&mut failure.message);
        }
        status.message.iter_mut().for_each(&mut shorten);
    }
    changed
}

fn drop_applied_versions(report: &mut StepReport) -> bool {
    !std::mem::take(&mut report.applied).is_empty()
}

fn drop_last_finding(report: &mut StepReport) -> bool {
    report
        .migration
        .as_mut()
        .is_some_and(|status| status.lint_findings.pop().is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{AppliedMigrationStatus, FailureStatus, LintFindingStatus, Phase};

    fn applied(n: usize) -> AppliedMigrationStatus {
        AppliedMigrationStatus {
            version: format!("20240501{n:06}"),
            name: format!("migration_number_{n}_with_a_rather_long_descriptive_name"),
            checksum: "ab".repeat(32),
            applied_at: "2026-11-25T09:00:00Z".to_owned(),
            duration_ms: 12,
        }
    }

    fn finding(n: usize, blocking: bool) -> LintFindingStatus {
        LintFindingStatus {
            version: format!("20240501{n:06}"),
            file: format!("20240501{n:06}_add_column.sql"),
            line: 3,
            rule: "adding-not-nullable-field".to_owned(),
            severity: if blocking { "error" } else { "warning" }.to_owned(),
            message: "Adding a NOT NULL field requires exclusive locks and table rewrites. Make the field nullable first.".to_owned(),
            blocking,
        }
    }

    fn large_report() -> StepReport {
        StepReport {
            generation: Some(3),
            applied: (0..60).map(|n| format!("20240501{n:06}")).collect(),
            next: NextStep::Script {
                version: "20240601000000".to_owned(),
            },
            migration: Some(DatabaseMigrationStatus {
                observed_generation: Some(3),
                phase: Phase::Failed,
                current_version: Some("20240501000059".to_owned()),
                applied: 60,
                pending: 4,
                last_applied: (0..10).map(applied).collect(),
                failure: Some(FailureStatus {
                    reason: "MigrationFailed".to_owned(),
                    version: Some("20240501000060".to_owned()),
                    file: Some("20240501000060_add_index.sql".to_owned()),
                    line: Some(7),
                    column: Some(12),
                    sqlstate: Some("42P07".to_owned()),
                    message: "relation \"idx\" already exists ".repeat(100),
                    attempt: 2,
                    time: Some("2026-11-25T09:00:00Z".to_owned()),
                }),
                lint_findings: (0..20).map(|n| finding(n, n % 2 == 0)).collect(),
                ..DatabaseMigrationStatus::default()
            }),
            sync: None,
        }
    }

    #[test]
    fn a_small_report_round_trips_unchanged() {
        let report = StepReport {
            generation: Some(1),
            applied: vec!["1".to_owned(), "2".to_owned()],
            next: NextStep::Sql,
            migration: Some(DatabaseMigrationStatus {
                applied: 2,
                pending: 1,
                last_applied: vec![applied(1)],
                ..DatabaseMigrationStatus::default()
            }),
            sync: None,
        };
        let text = report.to_termination_message();
        assert_eq!(StepReport::from_termination_message(&text).unwrap(), report);
    }

    #[test]
    fn a_large_report_shrinks_below_the_limit_keeping_the_failure_and_blocking_findings() {
        let report = large_report();
        assert!(serde_json::to_string(&report).unwrap().len() > TERMINATION_MESSAGE_LIMIT);
        let text = report.to_termination_message();
        assert!(
            text.len() <= TERMINATION_MESSAGE_LIMIT,
            "{} bytes",
            text.len()
        );
        let read = StepReport::from_termination_message(&text).unwrap();
        let status = read.migration.unwrap();
        let failure = status.failure.unwrap();
        assert_eq!(failure.sqlstate.as_deref(), Some("42P07"));
        assert_eq!(failure.line, Some(7));
        assert!(
            failure
                .message
                .starts_with("relation \"idx\" already exists")
        );
        assert!(status.lint_findings.iter().all(|f| f.blocking));
        assert!(!status.lint_findings.is_empty());
        assert_eq!((status.applied, status.pending), (60, 4));
        assert_eq!(read.next, report.next);
    }

    #[test]
    fn next_steps_are_tagged_by_kind() {
        let script = NextStep::Script {
            version: "7".to_owned(),
        };
        assert_eq!(
            serde_json::to_string(&script).unwrap(),
            r#"{"kind":"script","version":"7"}"#
        );
        assert_eq!(
            serde_json::to_string(&NextStep::Done).unwrap(),
            r#"{"kind":"done"}"#
        );
    }
}
