//! Unit tests of the step sequence: first step, next steps, backoff, permanent failures,
//! resyncs.

use super::*;
use crate::api::{DatabaseMigrationStatus, FailureStatus};
use crate::controller::decide::found::StepJob;
use crate::jobs::JobSettings;

/// The policy of a resource with default runner settings (3 retries).
fn default_policy() -> RetryPolicy {
    RetryPolicy::for_runner(&JobSettings::default())
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

fn job(ordinal: u32, attempt: u32, kind: StepKind, state: StepState) -> StepJob {
    StepJob {
        name: format!("step-{ordinal}-{attempt}"),
        ordinal,
        attempt,
        kind,
        state,
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

/// `progress` of `jobs` of the current inputs; `earlier_active`: a Job of earlier inputs runs.
fn next_move_of(
    jobs: &[StepJob],
    earlier_active: bool,
    first: StepKind,
    policy: &RetryPolicy,
    now: Timestamp,
) -> NextMove {
    let found = FoundJobs {
        current: jobs.to_vec(),
        earlier_active,
        stuck: Vec::new(),
    };
    next_move(&found, first, policy, now)
}

fn create(ordinal: u32, attempt: u32, kind: StepKind) -> NextMove {
    NextMove::Start(NewStep {
        ordinal,
        attempt,
        kind,
    })
}

#[test]
fn the_first_step_is_created_when_no_job_exists() {
    let policy = default_policy();
    assert_eq!(
        next_move_of(&[], false, StepKind::Sql, &policy, at(0)),
        create(0, 1, StepKind::Sql)
    );
    assert_eq!(
        next_move_of(&[], false, StepKind::Sync, &policy, at(0)),
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
        next_move_of(
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
        next_move_of(
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
        next_move_of(&jobs, false, StepKind::Sql, &policy, at(0)),
        NextMove::Wait
    );
    let done = job(
        2,
        1,
        script_kind,
        StepState::Succeeded(report(NextStep::Done)),
    );
    assert_eq!(
        next_move_of(&[done, sql, second], false, StepKind::Sql, &policy, at(0)),
        NextMove::Done(report(NextStep::Done))
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
    match next_move_of(
        std::slice::from_ref(&first),
        false,
        StepKind::Sql,
        &policy,
        at(105),
    ) {
        NextMove::Retry {
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
        next_move_of(
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
    match next_move_of(&jobs, false, StepKind::Sql, &policy, at(201)) {
        NextMove::Retry { at: when, .. } => assert_eq!(when, at(220)),
        other => panic!("expected a retry, got {other:?}"),
    }
    let third = failed(0, 3, "StepTimedOut", at(300));
    match next_move_of(&[first, third], false, StepKind::Sql, &policy, at(10_000)) {
        NextMove::Failed {
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
        next_move_of(&[], true, StepKind::Sql, &policy, at(0)),
        NextMove::Wait
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
    match next_move_of(&[pulled], false, StepKind::Sync, &policy, at(0)) {
        NextMove::Failed {
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
        next_move_of(&jobs, false, StepKind::Sql, &policy, at(1_000)),
        NextMove::Failed { attempts: 1, .. }
    ));
}

fn jobs_of(jobs: &[StepJob]) -> FoundJobs {
    FoundJobs {
        current: jobs.to_vec(),
        ..FoundJobs::default()
    }
}

#[test]
fn a_sync_runs_again_one_interval_after_its_newest_step_finished() {
    let interval = Duration::from_secs(600);
    assert_eq!(
        resync(&jobs_of(&[]), interval, at(1000)),
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
    assert_eq!(
        resync(&jobs_of(&[unrecorded]), interval, at(50)),
        Err(at(650))
    );
    let jobs = [synced(0, 1, 100), synced(1, 2, 1000)];
    assert_eq!(resync(&jobs_of(&jobs), interval, at(1599)), Err(at(1600)));
    assert_eq!(
        resync(&jobs_of(&jobs), interval, at(1600)),
        Ok(NewStep {
            ordinal: 2,
            attempt: 1,
            kind: StepKind::Sync
        })
    );
}
