//! A DatabaseMigration on its way to Ready: steps starting, waiting and succeeding.

use std::time::Duration;

use super::*;

#[test]
fn a_database_migration_steps_towards_ready() {
    let new = || World::of(migration(""));
    let sql = || StepKind::Sql;
    let applying = "Progressing/Applying";
    let cases: Vec<(&str, Seen, Seen)> = vec![
        (
            "new: the first SQL step starts",
            decide_at(&new(), Gate::Open, 20),
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
            "waiting on a dependency",
            decide_at(
                &new(),
                Gate::Dependency(Some(Err("not Ready: 1 to apply".to_owned()))),
                20,
            ),
            seen(
                &[],
                "Blocked/DependencyNotReady: waits for DatabaseMigration forum/schema (not Ready: 1 to apply)",
                Requeue::After(Duration::from_secs(10)),
                Verdict::Blocked,
            ),
        ),
        (
            "a dependency that does not exist",
            decide_at(&new(), Gate::Dependency(None), 20),
            seen(
                &[],
                "Blocked/DependencyNotReady: waits for DatabaseMigration forum/schema, which does not exist",
                Requeue::After(Duration::from_secs(10)),
                Verdict::Blocked,
            ),
        ),
        (
            "another resource's step runs on the database",
            decide_at(&new(), Gate::Busy, 20),
            seen(
                &[],
                &format!(
                    "Progressing/DatabaseBusy: waits for ConfigSync themes (Job themes-s0-a1-0123456789), a step on the same database (dbmigrate.dev/database={})",
                    database_label("forum", migration("").database())
                ),
                Requeue::After(Duration::from_secs(3)),
                Verdict::Wait,
            ),
        ),
        (
            "a step running",
            decide_at(&new().job(0, 1, sql(), JobIs::Running), Gate::Open, 20),
            seen(
                &[],
                &format!("{applying}: a step Job is running"),
                RECHECK,
                Verdict::Wait,
            ),
        ),
        (
            "a step succeeded with more SQL to apply: the next step starts",
            decide_at(
                &new().job(0, 1, sql(), JobIs::Succeeded(15, applied(1, NextStep::Sql))),
                Gate::Open,
                20,
            ),
            seen(
                &["create s1-a1", "event StepStarted"],
                &format!(
                    "{applying}: step 2 (attempt 1): SQL migrations in Job {}",
                    job_name(&new(), 1, 1)
                ),
                RECHECK,
                Verdict::Create,
            ),
        ),
        (
            "a step succeeded and a script step is next",
            decide_at(
                &World::of(migration(SCRIPT)).job(0, 1, sql(), JobIs::Succeeded(15, script_next())),
                Gate::Open,
                20,
            ),
            seen(
                &["create s1-a1", "event StepStarted"],
                &format!(
                    "{applying}: step 2 (attempt 1): script step 3 in Job {}",
                    job_name(&World::of(migration(SCRIPT)), 1, 1)
                ),
                RECHECK,
                Verdict::Create,
            ),
        ),
        (
            "everything applied: Ready",
            decide_at(
                &new().job(
                    0,
                    1,
                    sql(),
                    JobIs::Succeeded(15, applied(2, NextStep::Done)),
                ),
                Gate::Open,
                20,
            ),
            seen(
                &["event Applied"],
                "Ready/Applied: 2 applied, up to date",
                Requeue::AwaitChange,
                Verdict::Ready,
            ),
        ),
        (
            "Ready already: nothing changes, no status write, no Event again",
            decide_at(
                &settled_at(
                    new().job(
                        0,
                        1,
                        sql(),
                        JobIs::Succeeded(15, applied(2, NextStep::Done)),
                    ),
                    20,
                ),
                Gate::Open,
                30,
            ),
            seen(&[], "unchanged", Requeue::AwaitChange, Verdict::Ready),
        ),
        (
            "Ready and its Jobs gone (TTL): nothing runs again",
            decide_at(
                &settled_at(
                    new().job(
                        0,
                        1,
                        sql(),
                        JobIs::Succeeded(15, applied(2, NextStep::Done)),
                    ),
                    20,
                )
                .without_jobs(),
                Gate::Open,
                30,
            ),
            seen(&[], "unchanged", Requeue::AwaitChange, Verdict::Ready),
        ),
        (
            "Ready and only its first step's Job gone: that step does not run again",
            decide_at(
                &settled_at(
                    new()
                        .job(0, 1, sql(), JobIs::Succeeded(15, applied(1, NextStep::Sql)))
                        .job(
                            1,
                            1,
                            sql(),
                            JobIs::Succeeded(18, applied(2, NextStep::Done)),
                        ),
                    20,
                )
                .without_job(0),
                Gate::Open,
                30,
            ),
            seen(&[], "unchanged", Requeue::AwaitChange, Verdict::Ready),
        ),
    ];
    check(cases);
}
