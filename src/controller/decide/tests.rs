//! Every state a resource can be in, one row each: what `observe` read (built with the real Job
//! builders), the gate when a step would start, and what `decide` answers — the actions in
//! order, the status (phase, reason, message), when to look again and the verdict.

use std::time::Duration;

use k8s_openapi::api::batch::v1::Job;
use kube::ResourceExt;

use super::*;
use crate::api::{
    ConfigSyncStatus, DatabaseMigration, DatabaseMigrationStatus, FailureStatus, SyncTableStatus,
};
use crate::controller::fixtures::{JobIs, World, at, config_sync, migration};
use crate::controller::observe::{self, Dependency};
use crate::jobs::{NextStep, StepKind, StepReport, StepResource};

/// What a decision comes to, in words a row can state.
#[derive(Debug, PartialEq)]
struct Seen {
    actions: Vec<String>,
    /// `Phase/Reason: message` of the status written, or `unchanged`.
    status: String,
    requeue: Requeue,
    verdict: Verdict,
}

/// The gate a starting step finds.
enum Gate {
    /// Dependencies Ready, database free.
    Open,
    /// A dependency is not Ready.
    Dependency(Option<Result<(), String>>),
    /// Another resource's step runs on the database.
    Busy,
}

/// Decides for `world` at second `now`, reading `gate` when a step would start.
fn decide_at<K: Reconciled>(world: &World<K>, gate: Gate, now: i64) -> Seen {
    let snapshot = world.snapshot();
    let decision = match decide(snapshot, &JobSettings::default(), at(now)) {
        Decided::Done(decision) => decision,
        Decided::Start(start) => {
            let read = match gate {
                Gate::Open => observe::Gate::read_as(Vec::new(), Vec::new()),
                Gate::Dependency(readiness) => observe::Gate::read_as(
                    vec![Dependency {
                        subject: "DatabaseMigration forum/schema".to_owned(),
                        readiness,
                    }],
                    Vec::new(),
                ),
                Gate::Busy => observe::Gate::read_as(Vec::new(), vec![other_step()]),
            };
            super::start(snapshot, *start, &read, at(now))
        }
    };
    let status = decision
        .status
        .as_ref()
        .map_or("unchanged".to_owned(), |s| {
            let ready = s.conditions().iter().find(|c| c.type_ == "Ready");
            format!(
                "{:?}/{}: {}",
                s.phase(),
                ready.map_or("", |c| c.reason.as_str()),
                s.message().unwrap_or_default()
            )
        });
    Seen {
        actions: decision.actions.iter().map(describe).collect(),
        status,
        requeue: decision.requeue,
        verdict: decision.verdict,
    }
}

fn describe(action: &Action) -> String {
    match action {
        Action::DeleteJob(name) => format!("delete {}", step_of(name)),
        Action::CreateJob(job) => format!("create {}", step_of(&job.name_any())),
        Action::Publish(note) => format!("event {}", note.reason),
        Action::CountFailedStep(reason) => format!("count {reason}"),
    }
}

/// `s1-a2` of a Job name `<resource>-s1-a2-<hash>`.
fn step_of(name: &str) -> String {
    let parts: Vec<&str> = name.rsplitn(4, '-').collect();
    format!("{}-{}", parts[2], parts[1])
}

/// A running step Job of another resource on the same database.
fn other_step() -> Job {
    serde_json::from_value(serde_json::json!({
        "metadata": {"name": "themes-s0-a1-0123456789", "labels": {
            "dbmigrate.dev/kind": "ConfigSync", "dbmigrate.dev/resource": "themes"},
            "ownerReferences": [{"apiVersion": "dbmigrate.dev/v1alpha1", "kind": "ConfigSync", "name": "themes", "uid": "uid-themes"}]},
        "status": {"active": 1}
    }))
    .expect("a Job")
}

fn report(next: NextStep, migration: DatabaseMigrationStatus) -> StepReport {
    StepReport {
        generation: Some(1),
        applied: Vec::new(),
        next,
        migration: Some(migration),
        sync: None,
    }
}

/// The report of a step after which `applied` migrations are applied and `next` comes.
fn applied(applied: u32, next: NextStep) -> StepReport {
    let pending = u32::from(next != NextStep::Done);
    let message = format!("{applied} applied, up to date");
    report(
        next,
        DatabaseMigrationStatus {
            applied,
            pending,
            current_version: Some(applied.to_string()),
            message: Some(message),
            ..DatabaseMigrationStatus::default()
        },
    )
}

/// The report of a step after which the script step `3` is next.
fn script_next() -> StepReport {
    applied(
        1,
        NextStep::Script {
            version: "3".to_owned(),
        },
    )
}

/// The report of a step that failed for `reason`.
fn failed(reason: Reason) -> StepReport {
    report(
        NextStep::Done,
        DatabaseMigrationStatus {
            applied: 1,
            pending: 1,
            failure: Some(FailureStatus {
                version: Some("2".to_owned()),
                file: Some("2_posts.sql".to_owned()),
                line: Some(1),
                ..FailureStatus::new(reason, "relation \"posts\" already exists")
            }),
            ..DatabaseMigrationStatus::default()
        },
    )
}

/// The report of a sync of `rows` rows, with drift or not.
fn synced(drift: bool) -> StepReport {
    StepReport {
        generation: Some(1),
        applied: Vec::new(),
        next: NextStep::Done,
        migration: None,
        sync: Some(ConfigSyncStatus {
            rows: 1,
            tables: vec![SyncTableStatus {
                table: "forums".to_owned(),
                desired: 1,
                drift_detected: drift,
                ..SyncTableStatus::default()
            }],
            drift_detected: drift,
            last_sync_time: Some(at(100).to_string()),
            message: Some("1 rows in sync, 1 written".to_owned()),
            ..ConfigSyncStatus::default()
        }),
    }
}

/// `world` after the status `decide` wrote for it at `now`, with its Jobs as they were.
fn settled_at<K: Reconciled>(world: World<K>, now: i64) -> World<K> {
    let Decided::Done(decision) = decide(world.snapshot(), &JobSettings::default(), at(now)) else {
        panic!("the world is meant to settle without starting a step")
    };
    let status = decision.status.expect("a status to settle on");
    world.changed(|resource| set_status(resource, status))
}

fn set_status<K: Reconciled>(resource: &mut K, status: K::Status) {
    let mut value = serde_json::to_value(&*resource).expect("JSON");
    value["status"] = serde_json::to_value(status).expect("JSON");
    *resource = serde_json::from_value(value).expect("the resource");
}

const RECHECK: Requeue = Requeue::After(Duration::from_secs(300));

fn seen(actions: &[&str], status: &str, requeue: Requeue, verdict: Verdict) -> Seen {
    Seen {
        actions: actions.iter().map(|a| (*a).to_owned()).collect(),
        status: status.to_owned(),
        requeue,
        verdict,
    }
}

#[test]
fn each_state_of_a_database_migration_decides_its_next_move() {
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
            "Ready already: nothing changes, no Event again",
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
            seen(
                &[],
                "Ready/Applied: 2 applied, up to date",
                Requeue::AwaitChange,
                Verdict::Ready,
            ),
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
            "a missing Secret: the pod waits, and so does the retry (the Job has not ended)",
            decide_at(&without_secret(), Gate::Open, 40),
            seen(
                &[],
                "Progressing/RetryScheduled: attempt 1 failed (SecretNotFound): secret \"db\" not found; create the Secret (and key) spec.database names in the resource's namespace; retrying at 1970-01-01T00:00:50Z",
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

#[test]
fn each_state_of_a_config_sync_decides_its_next_move() {
    let new = || World::of(config_sync(""));
    let sync = || StepKind::Sync;
    let synced_once = || new().job(0, 1, sync(), JobIs::Succeeded(100, synced(false)));
    let ready = || settled_at(synced_once(), 110);
    let cases: Vec<(&str, Seen, Seen)> = vec![
        (
            "new: the first sync starts",
            decide_at(&new(), Gate::Open, 20),
            seen(
                &["create s0-a1", "event StepStarted"],
                &format!(
                    "Progressing/Applying: step 1 (attempt 1): sync in Job {}",
                    job_name(&new(), 0, 1)
                ),
                RECHECK,
                Verdict::Create,
            ),
        ),
        (
            "synced: Ready until the interval is over",
            decide_at(&synced_once(), Gate::Open, 110),
            seen(
                &["event Synced"],
                "Ready/Synced: 1 rows in sync, 1 written",
                Requeue::After(Duration::from_secs(590)),
                Verdict::Ready,
            ),
        ),
        (
            "synced with drift: an Event says what was set back",
            decide_at(
                &new().job(0, 1, sync(), JobIs::Succeeded(100, synced(true))),
                Gate::Open,
                110,
            ),
            seen(
                &["event Synced", "event DriftCorrected"],
                "Ready/Synced: 1 rows in sync, 1 written",
                Requeue::After(Duration::from_secs(590)),
                Verdict::Ready,
            ),
        ),
        (
            "the interval is over: the next sync starts and the status stays Ready",
            decide_at(&ready(), Gate::Open, 700),
            seen(
                &["create s1-a1"],
                "Ready/Synced: 1 rows in sync, 1 written",
                RECHECK,
                Verdict::Create,
            ),
        ),
        (
            "a periodic sync waits for a busy database without leaving Ready",
            decide_at(&ready(), Gate::Busy, 700),
            seen(
                &[],
                "Ready/Synced: 1 rows in sync, 1 written",
                Requeue::After(Duration::from_secs(3)),
                Verdict::Wait,
            ),
        ),
        (
            "a periodic sync runs without leaving Ready",
            decide_at(&ready().job(1, 1, sync(), JobIs::Running), Gate::Open, 705),
            seen(&[], "unchanged", RECHECK, Verdict::Wait),
        ),
        (
            "the third sync deletes the first, finished one",
            decide_at(
                &settled_at(
                    ready().job(1, 1, sync(), JobIs::Succeeded(705, synced(false))),
                    710,
                ),
                Gate::Open,
                1400,
            ),
            seen(
                &["create s2-a1", "delete s0-a1"],
                "Ready/Synced: 1 rows in sync, 1 written",
                RECHECK,
                Verdict::Create,
            ),
        ),
        (
            "suspended: nothing runs",
            decide_at(&new().changed(|s| s.spec.suspend = true), Gate::Open, 20),
            seen(
                &[],
                "Blocked/Suspended: spec.suspend is true; set it to false to sync",
                Requeue::AwaitChange,
                Verdict::Blocked,
            ),
        ),
    ];
    check(cases);
}

fn check(cases: Vec<(&str, Seen, Seen)>) {
    let failures: Vec<String> = cases
        .into_iter()
        .filter(|(_, got, want)| got != want)
        .map(|(name, got, want)| format!("{name}:\n  got  {got:?}\n  want {want:?}"))
        .collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// A script step `3` after the two SQL migrations, to add under `spec`.
const SCRIPT: &str = "  scripts:\n  - version: '3'\n    name: backfill\n    image: 'app:1'\n    command: [tsx, backfill.ts]\n";

/// The four failed attempts of step 0 (three retries, the default limit).
fn failing_four_times() -> World<DatabaseMigration> {
    (1..=4).fold(World::of(migration("")), |world, attempt| {
        let second = 100 * i64::from(attempt);
        world.job(
            0,
            attempt,
            StepKind::Sql,
            JobIs::Failed(second, failed(Reason::MigrationFailed)),
        )
    })
}

/// A step whose pod cannot start: the Secret `db` does not exist.
fn without_secret() -> World<DatabaseMigration> {
    World::of(migration("")).secret("db", None).job(
        0,
        1,
        StepKind::Sql,
        JobIs::Waiting("CreateContainerConfigError", "secret \"db\" not found"),
    )
}

/// The migration reading its files from the ConfigMap `forum-migrations`.
fn migration_from_config_map() -> DatabaseMigration {
    let mut value = serde_json::to_value(migration("")).expect("JSON");
    value["spec"]["source"] = serde_json::json!({"configMaps": [{"name": "forum-migrations"}]});
    serde_json::from_value(value).expect("a DatabaseMigration")
}

/// The name of the Job of step `ordinal`, attempt `attempt` of `world`'s current inputs.
fn job_name<K: Reconciled>(world: &World<K>, ordinal: u32, attempt: u32) -> String {
    let kind = if K::FIRST_STEP == StepKind::Sync {
        StepKind::Sync
    } else {
        StepKind::Sql
    };
    let mut fresh = World::of(world.resource.clone());
    fresh.snapshot.secrets = world.snapshot.secrets.clone();
    fresh.snapshot.config_maps = world.snapshot.config_maps.clone();
    let built = fresh.job(ordinal, attempt, kind, JobIs::Running);
    built.snapshot().jobs[0].name_any()
}

impl<K: Reconciled> World<K> {
    /// The same world after its Jobs were deleted (their TTL).
    fn without_jobs(mut self) -> Self {
        self.snapshot.jobs.clear();
        self.snapshot.pods.clear();
        self
    }

    /// The same world where the Secret `name` is at `version` (`None`: it does not exist).
    fn secret(mut self, name: &str, version: Option<&str>) -> Self {
        self.snapshot
            .secrets
            .insert(name.to_owned(), version.map(str::to_owned));
        self
    }

    /// The same world where the ConfigMap `name` was looked for and not found.
    fn missing_config_map(mut self, name: &str) -> Self {
        self.snapshot.config_maps.insert(name.to_owned(), None);
        self
    }
}
