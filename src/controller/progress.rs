//! What a resource needs next, decided from the step Jobs of its current inputs alone: the
//! Jobs are the operator's memory, so a restarted operator decides exactly as before.
//!
//! Steps are numbered from 0 per input hash (spec, referenced ConfigMaps, retry annotation);
//! each step has attempts numbered from 1. The newest attempt of the highest step says where
//! the resource is.

use std::time::Duration;

use k8s_openapi::jiff::Timestamp;

use crate::api::{Reason, ResourceStatus};
use crate::jobs::{NextStep, Runner, StepReport, StepState};

/// What one step does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepKind {
    /// Consecutive pending SQL migrations, in the dbmigrate image.
    Sql,
    /// One script step, in the user's image.
    Script {
        /// Its version.
        version: String,
    },
    /// One sync of a ConfigSync.
    Sync,
}

/// One step Job of the resource's current inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct StepJob {
    /// The Job's name.
    pub name: String,
    /// Step number (0-based).
    pub ordinal: u32,
    /// Attempt number of that step (1 for the first run).
    pub attempt: u32,
    /// What it does.
    pub kind: StepKind,
    /// Where it is.
    pub outcome: StepState,
    /// When it started (the Job's start time), if it did.
    pub started_at: Option<Timestamp>,
    /// When it finished (the Job's completion or failure time), if it did.
    pub finished_at: Option<Timestamp>,
}

/// How failed steps are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (`spec.runner.backoffLimit`).
    pub limit: u32,
    /// Delay before the first retry; doubled for each further one.
    pub base_delay: Duration,
    /// Longest delay.
    pub max_delay: Duration,
}

impl RetryPolicy {
    /// The policy of a resource's Jobs: its retry limit, 10 s doubling up to 5 min.
    pub fn for_runner(runner: &Runner) -> Self {
        Self {
            limit: runner.retry_limit,
            base_delay: Duration::from_secs(10),
            max_delay: Duration::from_secs(300),
        }
    }

    /// The delay before attempt `attempt` (1 = the first retry).
    pub fn delay(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(31);
        self.base_delay
            .saturating_mul(1 << doublings)
            .min(self.max_delay)
    }
}

/// The step Job to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStep {
    /// Step number.
    pub ordinal: u32,
    /// Attempt number.
    pub attempt: u32,
    /// What it does.
    pub kind: StepKind,
}

/// What the operator does next for a resource.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Create this Job now.
    Create(NewStep),
    /// A Job is active: wait for it (its status change wakes the controller).
    Wait,
    /// A step failed; retry it at `at` (the failure stays in the status until then).
    Retry {
        /// The retry's Job.
        step: NewStep,
        /// When.
        at: Timestamp,
        /// The failure being retried.
        reason: Reason,
        /// Its message.
        message: String,
    },
    /// Everything is applied; the last report says how things stand.
    Ready(StepReport),
    /// Failed for good, until the inputs change.
    Failed {
        /// Why.
        reason: Reason,
        /// What happened and what to do.
        message: String,
        /// The failing attempt's report, if any.
        report: Option<StepReport>,
        /// Attempts made of the failing step.
        attempts: u32,
    },
}

/// Decides the next action from the step Jobs of the current inputs. `first` is the kind of a
/// resource's first step ([`StepKind::Sql`] or [`StepKind::Sync`]); `earlier_active`: a Job of
/// earlier inputs still runs (a spec changed mid-step waits for that step, then re-plans).
pub fn decide(
    jobs: &[StepJob],
    earlier_active: bool,
    first: StepKind,
    policy: &RetryPolicy,
    now: Timestamp,
) -> Decision {
    if earlier_active {
        return Decision::Wait;
    }
    let Some(latest) = jobs.iter().max_by_key(|j| (j.ordinal, j.attempt)) else {
        return Decision::Create(NewStep {
            ordinal: 0,
            attempt: 1,
            kind: first,
        });
    };
    match &latest.outcome {
        StepState::Pending | StepState::Running => Decision::Wait,
        StepState::Succeeded(report) => match next_kind(&report.next) {
            None => Decision::Ready(report.clone()),
            Some(kind) => Decision::Create(NewStep {
                ordinal: latest.ordinal + 1,
                attempt: 1,
                kind,
            }),
        },
        StepState::Failed {
            report,
            reason,
            message,
        } => {
            // the runner's own reason (MigrationFailed, ChecksumMismatch, ...) is the precise one
            let reason = report.as_ref().and_then(reported_reason).unwrap_or(*reason);
            let attempts = latest.attempt;
            if reason.is_permanent() || attempts > policy.limit {
                return Decision::Failed {
                    reason,
                    message: message.clone(),
                    report: report.clone(),
                    attempts,
                };
            }
            let step = NewStep {
                ordinal: latest.ordinal,
                attempt: attempts + 1,
                kind: latest.kind.clone(),
            };
            let finished_at = latest.finished_at.unwrap_or(now);
            let at = finished_at
                .checked_add(policy.delay(attempts))
                .unwrap_or(finished_at);
            if at <= now {
                Decision::Create(step)
            } else {
                Decision::Retry {
                    step,
                    at,
                    reason,
                    message: message.clone(),
                }
            }
        }
    }
}

/// When a resource that syncs on a timer syncs again, once its newest step succeeded
/// `interval` ago: `Ok(step)` to run now, `Err(at)` to look again at `at` (or when the Job's
/// completion time arrives).
pub fn resync(jobs: &[StepJob], interval: Duration, now: Timestamp) -> Result<NewStep, Timestamp> {
    let latest = jobs.iter().max_by_key(|j| (j.ordinal, j.attempt));
    let next = NewStep {
        ordinal: latest.map_or(0, |j| j.ordinal + 1),
        attempt: 1,
        kind: latest.map_or(StepKind::Sync, |j| j.kind.clone()),
    };
    let Some(latest) = latest else {
        return Ok(next);
    };
    // its pod has ended but the Job's completion is not recorded yet: a full interval from now
    let finished = latest.finished_at.unwrap_or(now);
    let due = finished.checked_add(interval).unwrap_or(finished);
    if due <= now { Ok(next) } else { Err(due) }
}

/// The failure reason a step's report gives (when this build knows it).
pub fn reported_reason(report: &StepReport) -> Option<Reason> {
    let migration = report.migration.as_ref().and_then(|s| s.failure_reason());
    migration.or_else(|| report.sync.as_ref().and_then(|s| s.failure_reason()))
}

fn next_kind(next: &NextStep) -> Option<StepKind> {
    match next {
        NextStep::Done => None,
        NextStep::Sql => Some(StepKind::Sql),
        NextStep::Script { version } => Some(StepKind::Script {
            version: version.clone(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{DatabaseMigrationStatus, FailureStatus};
    use crate::jobs::JobSettings;

    /// The policy of a resource with default runner settings (3 retries).
    fn default_policy() -> RetryPolicy {
        RetryPolicy::for_runner(&JobSettings::default().runner(None))
    }

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(seconds).expect("a valid timestamp")
    }

    fn report(next: NextStep) -> StepReport {
        StepReport {
            generation: Some(1),
            applied: vec!["1".to_owned()],
            next,
            migration: None,
            sync: None,
        }
    }

    fn job(ordinal: u32, attempt: u32, kind: StepKind, outcome: StepState) -> StepJob {
        StepJob {
            name: format!("step-{ordinal}-{attempt}"),
            ordinal,
            attempt,
            kind,
            outcome,
            started_at: None,
            finished_at: None,
        }
    }

    /// A failed Job that ended at `finished_at`, with the runner's `reason` in its report.
    fn failed(ordinal: u32, attempt: u32, reason: &str, finished_at: Timestamp) -> StepJob {
        let mut report = report(NextStep::Done);
        report.migration = Some(DatabaseMigrationStatus {
            failure: Some(FailureStatus {
                reason: reason.to_owned(),
                message: format!("{reason} happened"),
                ..FailureStatus::default()
            }),
            ..DatabaseMigrationStatus::default()
        });
        StepJob {
            finished_at: Some(finished_at),
            ..job(
                ordinal,
                attempt,
                StepKind::Sql,
                StepState::Failed {
                    report: Some(report),
                    reason: Reason::StepFailed,
                    message: format!("{reason} happened"),
                },
            )
        }
    }

    fn create(ordinal: u32, attempt: u32, kind: StepKind) -> Decision {
        Decision::Create(NewStep {
            ordinal,
            attempt,
            kind,
        })
    }

    #[test]
    fn the_first_step_is_created_when_no_job_exists() {
        let policy = default_policy();
        assert_eq!(
            decide(&[], false, StepKind::Sql, &policy, at(0)),
            create(0, 1, StepKind::Sql)
        );
        assert_eq!(
            decide(&[], false, StepKind::Sync, &policy, at(0)),
            create(0, 1, StepKind::Sync)
        );
    }

    #[test]
    fn steps_follow_the_reports_until_done() {
        let policy = default_policy();
        let sql = job(
            0,
            1,
            StepKind::Sql,
            StepState::Succeeded(report(NextStep::Sql)),
        );
        assert_eq!(
            decide(
                std::slice::from_ref(&sql),
                false,
                StepKind::Sql,
                &policy,
                at(0)
            ),
            create(1, 1, StepKind::Sql)
        );
        let script = NextStep::Script {
            version: "5".to_owned(),
        };
        let second = job(1, 1, StepKind::Sql, StepState::Succeeded(report(script)));
        let script_kind = StepKind::Script {
            version: "5".to_owned(),
        };
        assert_eq!(
            decide(
                &[sql.clone(), second.clone()],
                false,
                StepKind::Sql,
                &policy,
                at(0)
            ),
            create(2, 1, script_kind.clone())
        );
        let running = job(2, 1, script_kind.clone(), StepState::Running);
        let jobs = [sql.clone(), second.clone(), running];
        assert_eq!(
            decide(&jobs, false, StepKind::Sql, &policy, at(0)),
            Decision::Wait
        );
        let done = job(
            2,
            1,
            script_kind,
            StepState::Succeeded(report(NextStep::Done)),
        );
        assert_eq!(
            decide(&[done, sql, second], false, StepKind::Sql, &policy, at(0)),
            Decision::Ready(report(NextStep::Done))
        );
    }

    #[test]
    fn a_failed_step_is_retried_with_exponential_backoff_then_fails() {
        let policy = RetryPolicy {
            limit: 2,
            base_delay: Duration::from_secs(10),
            max_delay: Duration::from_secs(300),
        };
        let first = failed(0, 1, "MigrationFailed", at(100));
        match decide(
            std::slice::from_ref(&first),
            false,
            StepKind::Sql,
            &policy,
            at(105),
        ) {
            Decision::Retry {
                step,
                at: when,
                reason,
                ..
            } => {
                assert_eq!(
                    step,
                    NewStep {
                        ordinal: 0,
                        attempt: 2,
                        kind: StepKind::Sql
                    }
                );
                assert_eq!(when, at(110));
                assert_eq!(reason, Reason::MigrationFailed);
            }
            other => panic!("expected a retry, got {other:?}"),
        }
        assert_eq!(
            decide(
                std::slice::from_ref(&first),
                false,
                StepKind::Sql,
                &policy,
                at(110)
            ),
            create(0, 2, StepKind::Sql)
        );
        let second = failed(0, 2, "MigrationFailed", at(200));
        let jobs = [first.clone(), second];
        match decide(&jobs, false, StepKind::Sql, &policy, at(201)) {
            Decision::Retry { at: when, .. } => assert_eq!(when, at(220)),
            other => panic!("expected a retry, got {other:?}"),
        }
        let third = failed(0, 3, "StepTimedOut", at(300));
        match decide(&[first, third], false, StepKind::Sql, &policy, at(10_000)) {
            Decision::Failed {
                reason, attempts, ..
            } => {
                assert_eq!((reason, attempts), (Reason::StepTimedOut, 3));
            }
            other => panic!("expected failure, got {other:?}"),
        }
    }

    #[test]
    fn a_step_of_earlier_inputs_still_running_is_waited_for() {
        let policy = default_policy();
        assert_eq!(
            decide(&[], true, StepKind::Sql, &policy, at(0)),
            Decision::Wait
        );
    }

    #[test]
    fn without_a_report_the_pods_reason_counts() {
        let policy = RetryPolicy {
            limit: 0,
            ..default_policy()
        };
        let pulled = job(
            0,
            1,
            StepKind::Sync,
            StepState::Failed {
                report: None,
                reason: Reason::ImagePullFailed,
                message: "image \"nothing:1\" cannot be pulled".to_owned(),
            },
        );
        match decide(&[pulled], false, StepKind::Sync, &policy, at(0)) {
            Decision::Failed {
                reason, message, ..
            } => {
                assert_eq!(reason, Reason::ImagePullFailed);
                assert!(message.contains("nothing:1"), "{message}");
            }
            other => panic!("expected failure, got {other:?}"),
        }
    }

    #[test]
    fn permanent_failures_are_not_retried() {
        let policy = default_policy();
        let jobs = [failed(0, 1, "ChecksumMismatch", at(0))];
        assert!(matches!(
            decide(&jobs, false, StepKind::Sql, &policy, at(1_000)),
            Decision::Failed { attempts: 1, .. }
        ));
    }

    #[test]
    fn delays_double_up_to_the_cap() {
        let policy = default_policy();
        let delays: Vec<u64> = (1..=7).map(|a| policy.delay(a).as_secs()).collect();
        assert_eq!(delays, [10, 20, 40, 80, 160, 300, 300]);
        assert_eq!(policy.delay(1_000).as_secs(), 300);
    }

    #[test]
    fn a_sync_runs_again_one_interval_after_its_newest_step_finished() {
        let interval = Duration::from_secs(600);
        assert_eq!(
            resync(&[], interval, at(1000)),
            Ok(NewStep {
                ordinal: 0,
                attempt: 1,
                kind: StepKind::Sync
            })
        );
        let synced = |ordinal, attempt, finished| StepJob {
            finished_at: Some(at(finished)),
            ..job(
                ordinal,
                attempt,
                StepKind::Sync,
                StepState::Succeeded(report(NextStep::Done)),
            )
        };
        let mut unrecorded = synced(0, 1, 0);
        unrecorded.finished_at = None;
        assert_eq!(resync(&[unrecorded], interval, at(50)), Err(at(650)));
        let jobs = [synced(0, 1, 100), synced(1, 2, 1000)];
        assert_eq!(resync(&jobs, interval, at(1599)), Err(at(1600)));
        assert_eq!(
            resync(&jobs, interval, at(1600)),
            Ok(NewStep {
                ordinal: 2,
                attempt: 1,
                kind: StepKind::Sync
            })
        );
    }
}
