//! Every state a resource can be in, one row each (`migration.rs`, `failures.rs`,
//! `config_sync.rs`): what `observe` read (built with the real Job builders), the gate when a
//! step would start, and what `decide` answers — the actions in order, the status (phase,
//! reason, message), when to look again and the verdict. This file holds the harness.

mod config_sync;
mod failures;
mod migration;

use std::time::Duration;

use k8s_openapi::api::batch::v1::Job;
use kube::ResourceExt;

use super::*;
use crate::api::{
    ConfigSyncStatus, DatabaseMigration, DatabaseMigrationStatus, FailureStatus, SyncTableStatus,
};
use crate::controller::fixtures::{JobIs, World, at, config_sync, migration};
use crate::controller::observe::{self, Dependency};
use crate::jobs::{LABEL_STEP, NextStep, StepKind, StepReport, StepResource};

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

    /// The same world after the Job of step `ordinal` was deleted (the TTLs of a resource's
    /// Jobs end one by one, the earliest step's first).
    fn without_job(mut self, ordinal: u32) -> Self {
        let step = ordinal.to_string();
        self.snapshot
            .jobs
            .retain(|job| job.labels().get(LABEL_STEP) != Some(&step));
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
