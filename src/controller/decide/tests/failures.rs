//! A DatabaseMigration that fails, is retried, waits for a Secret or a ConfigMap, or starts
//! over on new inputs.

use std::time::Duration;

use kube::{Resource, ResourceExt};

use super::*;

#[test]
fn a_database_migration_fails_retries_and_starts_over() {
    let new = || World::of(migration(""));
    let sql = || StepKind::Sql;
    let applying = "Progressing/Applying";
    let cases: Vec<(&str, Seen, Seen)> = vec![
        (
            "a step failed: its retry waits for the backoff",
            decide_at(
                &new().job(
                    0,
                    1,
                    sql(),
                    JobIs::Failed(15, failed(Reason::MigrationFailed)),
                ),
                Gate::Open,
                20,
            ),
            seen(
                &[],
                "Progressing/RetryScheduled: attempt 1 failed (MigrationFailed): MigrationFailed at 2: relation \"posts\" already exists; retrying at 1970-01-01T00:00:25Z",
                Requeue::After(Duration::from_secs(5)),
                Verdict::Retry,
            ),
        ),
        (
            "the backoff is over: the retry starts and the failed attempt is counted",
            decide_at(
                &new().job(
                    0,
                    1,
                    sql(),
                    JobIs::Failed(15, failed(Reason::MigrationFailed)),
                ),
                Gate::Open,
                25,
            ),
            seen(
                &["create s0-a2", "event StepStarted", "count MigrationFailed"],
                &format!(
                    "{applying}: step 1 (attempt 2): SQL migrations in Job {}",
                    job_name(&new(), 0, 2)
                ),
                RECHECK,
                Verdict::Create,
            ),
        ),
        (
            "retries used up: Failed, with a Warning Event",
            decide_at(&failing_four_times(), Gate::Open, 1000),
            seen(
                &["count MigrationFailed", "event MigrationFailed"],
                "Failed/MigrationFailed: MigrationFailed after 4 attempt(s): relation \"posts\" already exists; fix it and re-apply, or set the dbmigrate.dev/retry annotation to retry",
                Requeue::AwaitChange,
                Verdict::Failed,
            ),
        ),
        (
            "Failed already: no Event and no count again",
            decide_at(&settled_at(failing_four_times(), 1000), Gate::Open, 2000),
            seen(
                &[],
                "Failed/MigrationFailed: MigrationFailed after 4 attempt(s): relation \"posts\" already exists; fix it and re-apply, or set the dbmigrate.dev/retry annotation to retry",
                Requeue::AwaitChange,
                Verdict::Failed,
            ),
        ),
        (
            "an edited applied migration: Failed at once (no retry can fix it)",
            decide_at(
                &new().job(
                    0,
                    1,
                    sql(),
                    JobIs::Failed(15, failed(Reason::ChecksumMismatch)),
                ),
                Gate::Open,
                20,
            ),
            seen(
                &["count ChecksumMismatch", "event ChecksumMismatch"],
                "Failed/ChecksumMismatch: ChecksumMismatch after 1 attempt(s): relation \"posts\" already exists; fix it and re-apply, or set the dbmigrate.dev/retry annotation to retry",
                Requeue::AwaitChange,
                Verdict::Failed,
            ),
        ),
        (
            "a missing Secret: the pod waits (Kubernetes retries it), and so does the retry (the Job has not ended)",
            decide_at(&without_secret(), Gate::Open, 40),
            seen(
                &[],
                "Progressing/RetryScheduled: attempt 1 failed (SecretNotFound): secret \"db\" not found; create the Secret (and key) spec.database names in the resource's namespace; its pod starts once it can",
                Requeue::After(Duration::from_secs(10)),
                Verdict::Retry,
            ),
        ),
        (
            "the missing Secret created (a new input): the stuck Job is deleted, the step starts over",
            decide_at(&without_secret().secret("db", Some("7")), Gate::Open, 40),
            seen(
                &["delete s0-a1", "create s0-a1", "event StepStarted"],
                &format!(
                    "{applying}: step 1 (attempt 1): SQL migrations in Job {}",
                    job_name(&new().secret("db", Some("7")), 0, 1)
                ),
                RECHECK,
                Verdict::Create,
            ),
        ),
        (
            "the spec changed mid-step: the old spec's step is waited for",
            decide_at(
                &new().job_of("0000000000000000", 0, 1, sql(), JobIs::Running),
                Gate::Open,
                20,
            ),
            seen(
                &[],
                &format!("{applying}: waiting for the step of the previous spec to finish"),
                RECHECK,
                Verdict::Wait,
            ),
        ),
        (
            "the spec changed after a step: the new inputs start over",
            decide_at(
                &new().job_of(
                    "0000000000000000",
                    0,
                    1,
                    sql(),
                    JobIs::Succeeded(15, applied(1, NextStep::Sql)),
                ),
                Gate::Open,
                20,
            ),
            seen(
                &["create s0-a1", "event StepStarted"],
                &format!(
                    "{applying}: step 1 (attempt 1): SQL migrations in Job {}",
                    job_name(&new(), 0, 1)
                ),
                RECHECK,
                Verdict::Create,
            ),
        ),
        (
            "the retry annotation after a failure: the steps start over",
            decide_at(
                &settled_at(failing_four_times(), 1000).changed(|m| {
                    m.annotations_mut()
                        .insert(RETRY_ANNOTATION.to_owned(), "1".to_owned());
                }),
                Gate::Open,
                2000,
            ),
            seen(
                &["create s0-a1", "event StepStarted"],
                &format!(
                    "{applying}: step 1 (attempt 1): SQL migrations in Job {}",
                    job_name(
                        &new().changed(|m| {
                            m.annotations_mut()
                                .insert(RETRY_ANNOTATION.to_owned(), "1".to_owned());
                        }),
                        0,
                        1
                    )
                ),
                RECHECK,
                Verdict::Create,
            ),
        ),
        (
            "a ConfigMap the source names is missing",
            decide_at(
                &World::of(migration_from_config_map()).missing_config_map("forum-migrations"),
                Gate::Open,
                20,
            ),
            seen(
                &[],
                "Blocked/ConfigMapNotFound: ConfigMap forum/forum-migrations does not exist: create it (e.g. with kustomize's configMapGenerator), or fix the name in the spec",
                Requeue::AwaitChange,
                Verdict::Blocked,
            ),
        ),
        (
            "a script's env sets a variable dbmigrate sets: Failed until the spec changes",
            decide_at(
                &World::of(migration(&format!(
                    "{SCRIPT}    env: [{{name: DATABASE_URL, value: x}}]\n"
                )))
                .job(0, 1, sql(), JobIs::Succeeded(15, script_next())),
                Gate::Open,
                20,
            ),
            seen(
                &["event ReservedEnv"],
                "Failed/ReservedEnv: spec.scripts[version=3].env of DatabaseMigration schema sets DATABASE_URL, which dbmigrate sets for the step; rename the variable; fix the spec and re-apply",
                Requeue::AwaitChange,
                Verdict::Failed,
            ),
        ),
        (
            "being deleted: nothing starts, the status stays",
            decide_at(
                &new().changed(|m| {
                    m.meta_mut().deletion_timestamp =
                        Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(at(5)))
                }),
                Gate::Open,
                20,
            ),
            seen(&[], "unchanged", Requeue::AwaitChange, Verdict::Deleted),
        ),
    ];
    check(cases);
}
