//! The reconcile's API calls, verified request by request against a fake API server: what
//! `observe` reads, what `act` writes, the one status write, and a whole reconcile of a new
//! resource.

use std::sync::Arc;
use std::time::Duration;

use http::{Method, StatusCode};
use k8s_openapi::api::batch::v1::Job;
use kube::runtime::controller::Action as Requeued;
use kube::runtime::events::Reporter;
use kube::{Client, ResourceExt};
use serde_json::{Value, json};

use super::act::act;
use super::context::{Context, SecretAccess};
use super::decide::{Action, Decided, EventNote, decide};
use super::durations::CountedJobs;
use super::events::Publisher;
use super::fixtures::{
    Exchange, JobIs, World, answer, at, config_sync, empty_list, fake_api, list_of, migration,
    not_found,
};
use super::observe;
use super::slots::DatabaseSlots;
use crate::api::{DatabaseMigration, Reason};
use crate::jobs::{JobSettings, StepKind, StepResource, database_label};
use crate::server::Health;

const JOBS: &str = "/apis/batch/v1/namespaces/forum/jobs";
const PODS: &str = "/api/v1/namespaces/forum/pods";
const EVENTS: &str = "/apis/events.k8s.io/v1/namespaces/forum/events";
const SCHEMA: &str = "/apis/dbmigrate.dev/v1alpha1/namespaces/forum/databasemigrations/schema";
const STEPS_OF_SCHEMA: &str =
    "labelSelector=dbmigrate.dev/kind=DatabaseMigration,dbmigrate.dev/resource=schema";

fn context(client: Client) -> Arc<Context> {
    let reporter = Reporter {
        controller: "dbmigrate-operator".to_owned(),
        instance: None,
    };
    Arc::new(Context {
        events: Publisher::new(client.clone(), reporter),
        client,
        settings: JobSettings::default(),
        secret_access: SecretAccess::Namespaced,
        health: Arc::new(Health::default()),
        databases: DatabaseSlots::default(),
        counted_jobs: CountedJobs::default(),
    })
}

/// The metadata of Secret `name` at `version`, as a metadata-only GET returns it.
fn secret_metadata(name: &str, version: &str) -> Value {
    json!({"apiVersion": "meta.k8s.io/v1", "kind": "PartialObjectMetadata",
           "metadata": {"name": name, "namespace": "forum", "resourceVersion": version}})
}

/// Runs `work` (which must not hang), then returns what the fake API received.
async fn within<T>(
    work: impl Future<Output = T>,
    verifier: tokio::task::JoinHandle<super::fixtures::Received>,
) -> (T, super::fixtures::Received) {
    let done = tokio::time::timeout(Duration::from_secs(10), work)
        .await
        .expect("no request waits for an answer the fake API was not told to give");
    (
        done,
        verifier.await.expect("the fake API saw what it expected"),
    )
}

#[tokio::test]
async fn observe_reads_config_maps_secrets_then_jobs_and_pods_at_once() {
    let sync = config_sync(
        "  - table: themes\n    keyColumns: [name]\n    rowsFrom: {configMap: themes, key: themes.yaml}\n",
    );
    let (client, verifier) = fake_api(vec![
        vec![not_found("/api/v1/namespaces/forum/configmaps/themes")],
        vec![not_found("/api/v1/namespaces/forum/secrets/db")],
        vec![
            Exchange::new(Method::GET, JOBS, empty_list("JobList")).with_query(
                "labelSelector=dbmigrate.dev/kind=ConfigSync,dbmigrate.dev/resource=forums",
            ),
            Exchange::new(Method::GET, PODS, empty_list("PodList")).with_query(
                "labelSelector=dbmigrate.dev/kind=ConfigSync,dbmigrate.dev/resource=forums",
            ),
        ],
    ]);
    let (snapshot, _) = within(
        observe::snapshot(&client, SecretAccess::Namespaced, Arc::new(sync)),
        verifier,
    )
    .await;
    let snapshot = snapshot.expect("the snapshot");
    assert_eq!(
        snapshot.config_maps.into_iter().collect::<Vec<_>>(),
        [("themes".to_owned(), None)]
    );
    assert_eq!(
        snapshot.secrets.into_iter().collect::<Vec<_>>(),
        [("db".to_owned(), None)]
    );
    assert!(snapshot.jobs.is_empty() && snapshot.pods.is_empty());
}

#[tokio::test]
async fn observe_without_secret_access_makes_no_secret_request() {
    let (client, verifier) = fake_api(vec![vec![
        Exchange::new(Method::GET, JOBS, empty_list("JobList")).with_query(STEPS_OF_SCHEMA),
        Exchange::new(Method::GET, PODS, empty_list("PodList")).with_query(STEPS_OF_SCHEMA),
    ]]);
    let (snapshot, _) = within(
        observe::snapshot(&client, SecretAccess::None, Arc::new(migration(""))),
        verifier,
    )
    .await;
    let snapshot = snapshot.expect("the snapshot");
    assert!(snapshot.secrets.is_empty(), "{:?}", snapshot.secrets);
}

#[tokio::test]
async fn the_gate_reads_dependencies_then_the_step_jobs_on_the_database() {
    let dependent = migration("  dependsOn: [{name: tables}, {kind: ConfigSync, name: forums}]\n");
    let database = database_label("forum", dependent.database());
    let mut tables = migration("");
    tables.metadata.name = Some("tables".to_owned());
    let running = World::of(config_sync(""))
        .job(0, 1, StepKind::Sync, JobIs::Running)
        .snapshot()
        .jobs
        .clone();
    let (client, verifier) = fake_api(vec![
        vec![Exchange::new(
            Method::GET,
            "/apis/dbmigrate.dev/v1alpha1/namespaces/forum/databasemigrations/tables",
            answer(&tables),
        )],
        vec![not_found(
            "/apis/dbmigrate.dev/v1alpha1/namespaces/forum/configsyncs/forums",
        )],
        vec![
            Exchange::new(Method::GET, JOBS, list_of("JobList", &running))
                .with_query(&format!("labelSelector=dbmigrate.dev/database={database}")),
        ],
    ]);
    let slots = DatabaseSlots::default();
    let (gate, _) = within(
        observe::gate(&client, &slots, &dependent, &database),
        verifier,
    )
    .await;
    let gate = gate.expect("the gate");
    let found: Vec<(&str, bool)> = gate
        .dependencies
        .iter()
        .map(|d| (d.subject.as_str(), d.readiness.is_some()))
        .collect();
    assert_eq!(
        found,
        [
            ("DatabaseMigration forum/tables", true),
            ("ConfigSync forum/forums", false)
        ]
    );
    assert_eq!(
        gate.dependencies[0].readiness,
        Some(Err("not Ready: no status yet".to_owned()))
    );
    assert_eq!(gate.database_jobs.len(), 1);
}

#[tokio::test]
async fn a_whole_reconcile_of_a_new_migration_creates_its_first_step_and_writes_status_once() {
    let resource = migration("");
    let database = database_label("forum", resource.database());
    let created = World::of(resource.clone())
        .job(0, 1, StepKind::Sql, JobIs::Running)
        .snapshot()
        .jobs[0]
        .clone();
    let (client, verifier) = fake_api(vec![
        vec![Exchange::new(
            Method::GET,
            "/api/v1/namespaces/forum/secrets/db",
            secret_metadata("db", "1"),
        )],
        vec![
            Exchange::new(Method::GET, JOBS, empty_list("JobList")).with_query(STEPS_OF_SCHEMA),
            Exchange::new(Method::GET, PODS, empty_list("PodList")).with_query(STEPS_OF_SCHEMA),
        ],
        vec![
            Exchange::new(Method::GET, JOBS, empty_list("JobList"))
                .with_query(&format!("labelSelector=dbmigrate.dev/database={database}")),
        ],
        vec![Exchange::new(Method::POST, JOBS, answer(&created))],
        vec![Exchange::new(Method::POST, EVENTS, json!({}))],
        vec![
            Exchange::new(
                Method::PATCH,
                &format!("{SCHEMA}/status"),
                answer(&resource),
            )
            .with_query("fieldManager=dbmigrate-operator")
            .with_query("force=true"),
        ],
    ]);
    let ctx = context(client);
    let run = super::reconcile::reconcile(Arc::new(resource), ctx.clone());
    let (requeued, received) = within(
        async move {
            let requeued = run.await;
            drop(ctx);
            requeued
        },
        verifier,
    )
    .await;
    assert_eq!(
        requeued.expect("the reconcile"),
        Requeued::requeue(Duration::from_secs(300))
    );
    let bodies: Vec<&Value> = received.iter().map(|(_, _, body)| body).collect();
    let job: Job = serde_json::from_value(bodies[4].clone()).expect("the Job created");
    assert_eq!(
        job.name_any(),
        created.name_any(),
        "the Job of step 0, attempt 1"
    );
    assert_eq!(bodies[5]["reason"], "StepStarted");
    assert_eq!(bodies[5]["related"]["name"], json!(created.name_any()));
    let status = &bodies[6]["status"];
    assert_eq!(bodies[6]["kind"], "DatabaseMigration");
    assert_eq!(status["phase"], "Progressing");
    assert_eq!(status["observedGeneration"], 1);
    assert!(
        status["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("step 1 (attempt 1): SQL migrations in Job")),
        "{status}"
    );
}

#[tokio::test]
async fn act_deletes_creates_and_publishes_in_order_then_the_status_is_written() {
    let world = World::of(migration("")).job(0, 1, StepKind::Sql, JobIs::Running);
    let stuck = world.snapshot().jobs[0].clone();
    let Decided::Done(mut decision) = decide(world.snapshot(), &JobSettings::default(), at(20))
    else {
        panic!("a running step is waited for")
    };
    let job = Box::new(stuck.clone());
    decision.actions = vec![
        Action::DeleteJob(stuck.name_any()),
        Action::CreateJob(job),
        Action::Publish(EventNote {
            reason: Reason::MigrationFailed,
            note: "2_posts.sql:1: syntax error".to_owned(),
            related: None,
        }),
        Action::CountFailedStep(Reason::MigrationFailed),
    ];
    let (client, verifier) = fake_api(vec![
        vec![
            Exchange::new(
                Method::DELETE,
                &format!("{JOBS}/{}", stuck.name_any()),
                json!({}),
            )
            .failing(StatusCode::NOT_FOUND, "NotFound"),
        ],
        vec![Exchange::new(Method::POST, JOBS, answer(&stuck))],
        vec![Exchange::new(Method::POST, EVENTS, json!({}))],
        vec![Exchange::new(
            Method::PATCH,
            &format!("{SCHEMA}/status"),
            answer(&migration("")),
        )],
    ]);
    let ctx = context(client);
    let resource: DatabaseMigration = world.resource.clone();
    let work = async {
        let acted = act(&ctx, &resource, decision, at(20)).await?;
        super::status::write(&ctx, &resource, acted).await
    };
    let (written, received) = within(work, verifier).await;
    written.expect("acted and written");
    assert_eq!(received[2].2["type"], "Warning");
    assert_eq!(received[2].2["note"], "2_posts.sql:1: syntax error");
    let metrics = ctx.health.metrics.encode();
    assert!(
        metrics.contains(
            r#"dbmigrate_step_failures_total{kind="DatabaseMigration",reason="MigrationFailed"} 1"#
        ),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_job_an_earlier_reconcile_created_leaves_the_rest_to_it() {
    let world = World::of(migration("")).job(0, 1, StepKind::Sql, JobIs::Running);
    let existing = world.snapshot().jobs[0].clone();
    let Decided::Done(mut decision) = decide(world.snapshot(), &JobSettings::default(), at(20))
    else {
        panic!("a running step is waited for")
    };
    decision.actions = vec![
        Action::CreateJob(Box::new(existing)),
        Action::Publish(EventNote {
            reason: Reason::StepStarted,
            note: "step 1".to_owned(),
            related: None,
        }),
    ];
    let (client, verifier) = fake_api(vec![vec![
        Exchange::new(Method::POST, JOBS, Value::Null)
            .failing(StatusCode::CONFLICT, "AlreadyExists"),
    ]]);
    let ctx = context(client);
    let resource = world.resource.clone();
    let work = async {
        let acted = act(&ctx, &resource, decision, at(20)).await?;
        super::status::write(&ctx, &resource, acted).await
    };
    let (written, received) = within(work, verifier).await;
    written.expect("acted");
    assert_eq!(
        received.len(),
        1,
        "no Event and no status write: {received:?}"
    );
}
