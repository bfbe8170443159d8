//! The operator under the least privilege of `docs/rbac.md`, proven with kube-standin's RBAC
//! and audit log: every request it makes is a row of the table and is allowed; a missing row
//! is a 403; with `--secret-access none` it makes no request about Secrets and still reports
//! (and recovers from) a missing one; with `--namespace a,b` it touches nothing elsewhere.

mod support;

use std::time::{Duration, Instant};

use e2e_harness::AuditEvent;
use e2e_harness::rbac_reference::{OperatorInstall, RbacReference, Watched};
use support::Fixture;
use support::operator::{Operator, SERVICE_ACCOUNT, migration};

fn reference() -> RbacReference {
    RbacReference::of_repository().unwrap_or_else(|e| panic!("{e}"))
}

/// `<verb> <requestURI> → <code> (<decision>)`, one per line.
fn listed(events: &[&AuditEvent]) -> String {
    let lines: Vec<String> = events
        .iter()
        .map(|e| {
            format!(
                "{} {} → {} ({})",
                e.verb,
                e.request_uri,
                e.response_status.code,
                decision(e)
            )
        })
        .collect();
    lines.join("\n")
}

fn decision(event: &AuditEvent) -> &str {
    event
        .annotations
        .get("authorization.k8s.io/decision")
        .map_or("", String::as_str)
}

/// A migration reading its URL from Secret `secret` instead of `db`.
fn migration_with_secret(name: &str, sql: &str, secret: &str) -> String {
    migration(name, &[("1_a.sql", sql)], "  runner: {backoffLimit: 5}\n").replace(
        "{name: db, key: url}",
        &format!("{{name: {secret}, key: url}}"),
    )
}

/// Creates Secret `name` holding the test database's URL in `namespace`.
fn create_url_secret(fixture: &Fixture, namespace: &str, name: &str) {
    let url = format!("--from-literal=url={}", fixture.env.database_url());
    fixture.ok(&["create", "secret", "generic", name, &url, "-n", namespace]);
}

#[test]
fn every_request_of_the_operator_is_a_row_of_the_rbac_reference_and_allowed() {
    // all namespaces (a ClusterRole); the other tests watch namespaces with Roles there. The
    // audit log is kube-standin's, so this test never runs against a shared cluster.
    let fixture = Fixture::start("rbac-audit");
    let install = OperatorInstall {
        namespace: fixture.namespace.clone(),
        service_account: SERVICE_ACCOUNT.to_owned(),
        watched: Watched::All,
        reads_secrets: true,
    };
    let operator = Operator::start_as(fixture, install, &reference());
    let fixture = &operator.fixture;
    // a failure: no retries, Failed with a Warning Event
    let broken = "CREATE TABLE audit_forums (slug text PRIMARY KEY, x nosuchtype);";
    let no_retries = "  runner: {backoffLimit: 0}\n";
    fixture.apply(&migration(
        "audit-schema",
        &[("1_forums.sql", broken)],
        no_retries,
    ));
    operator.wait_for("dbm/audit-schema", "condition=Failed");
    // a ConfigSync depending on it: Blocked until it is fixed, then synced from a ConfigMap
    fixture.apply(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: forum-config}\ndata:\n  forums.yaml: |\n    forums:\n    - {slug: general}\n",
    );
    fixture.apply(
        "apiVersion: dbmigrate.dev/v1alpha1
kind: ConfigSync
metadata: {name: forums}
spec:
  database: {urlSecretRef: {name: db, key: url}}
  dependsOn: [{kind: DatabaseMigration, name: audit-schema}]
  tables:
  - {table: audit_forums, keyColumns: [slug], rowsFrom: {configMap: forum-config, key: forums.yaml, path: forums}}
",
    );
    operator.wait_for("cfgsync/forums", "condition=Blocked");
    let fixed = "CREATE TABLE audit_forums (slug text PRIMARY KEY);";
    fixture.apply(&migration(
        "audit-schema",
        &[("1_forums.sql", fixed)],
        no_retries,
    ));
    operator.wait_for("cfgsync/forums", "condition=Ready");
    // a missing Secret: the stuck Job is deleted once the Secret is created
    fixture.apply(&migration_with_secret(
        "audit-late",
        "CREATE TABLE audit_late (id int);",
        "db-late",
    ));
    operator.wait_for(
        "dbm/audit-late",
        "jsonpath={.status.failure.reason}=SecretNotFound",
    );
    create_url_secret(fixture, &fixture.namespace, "db-late");
    operator.wait_for("dbm/audit-late", "condition=Ready");

    let reference = reference();
    let events = operator.audited_requests();
    let install = &operator.install;
    let non_resource: Vec<&AuditEvent> = events.iter().filter(|e| e.object_ref.is_none()).collect();
    let uncovered: Vec<&AuditEvent> = events
        .iter()
        .filter(|e| e.object_ref.is_some() && reference.operator_row_of(install, e).is_none())
        .collect();
    let denied: Vec<&AuditEvent> = events.iter().filter(|e| decision(e) != "allow").collect();
    assert!(
        uncovered.is_empty() && denied.is_empty(),
        "requests of the operator no row of docs/rbac.md covers:\n{}\ndenied:\n{}",
        listed(&uncovered),
        listed(&denied)
    );
    // /version at start: every authenticated user may (system:public-info-viewer)
    assert!(
        non_resource
            .iter()
            .all(|e| e.request_uri.starts_with("/version")),
        "non-resource requests other than /version:\n{}",
        listed(&non_resource)
    );
    for kind in [
        "jobs",
        "databasemigrations",
        "configsyncs",
        "events",
        "leases",
        "secrets",
    ] {
        assert!(
            events.iter().any(|e| e.resource() == kind),
            "the scenario made no request about {kind}"
        );
    }
    let never: Vec<String> = reference
        .operator
        .iter()
        .flat_map(|row| row.verbs.iter().map(move |verb| (row, verb)))
        .filter(|(row, verb)| {
            !events
                .iter()
                .any(|e| &e.verb == *verb && reference.operator_row_of(install, e) == Some(row))
        })
        .map(|(row, verb)| format!("{} ({verb})", row.describe()))
        .collect();
    // `*/finalizers update` is checked by the OwnerReferencesPermissionEnforcement admission
    // plugin on each Job create, not requested: it appears in no audit event
    eprintln!(
        "rows (and verbs) this scenario never exercised:\n{}",
        never.join("\n")
    );
}

/// Runs the operator without `verb` on `resource` of `group` and applies a migration; returns
/// the operator and the audit event of its refused Job create, once it tried.
fn refused_job_create(
    test: &str,
    group: &str,
    resource: &str,
    verb: &str,
) -> (Operator, AuditEvent) {
    let fixture = Fixture::start(test);
    let install = OperatorInstall {
        namespace: fixture.namespace.clone(),
        service_account: SERVICE_ACCOUNT.to_owned(),
        watched: Watched::Namespaces(vec![fixture.namespace.clone()]),
        reads_secrets: true,
    };
    let reference = reference().without(group, resource, verb);
    let operator = Operator::start_as(fixture, install, &reference);
    let sql = "CREATE TABLE denied_a (id int);";
    operator
        .fixture
        .apply(&migration("denied", &[("1_a.sql", sql)], ""));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let create = operator
            .audited_requests()
            .into_iter()
            .find(|e| e.verb == "create" && e.resource() == "jobs");
        if let Some(create) = create {
            return (operator, create);
        }
        assert!(
            Instant::now() < deadline,
            "the operator never tried to create a Job\n{}",
            operator.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Waits (10 s at most) until the operator's log holds `expected`.
fn logged(operator: &Operator, expected: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !operator.log().contains(expected) {
        assert!(
            Instant::now() < deadline,
            "the operator's log does not show {expected:?}:\n{}",
            operator.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_missing_rule_is_a_403_in_the_operators_log_and_the_audit_log() {
    // RBAC refuses the create itself
    let (operator, refused) = refused_job_create("rbac-deny", "batch", "jobs", "create");
    assert_eq!(
        (refused.response_status.code, decision(&refused)),
        (403, "forbid"),
        "{refused:?}"
    );
    let fixture = &operator.fixture;
    logged(
        &operator,
        &format!(
            "jobs.batch is forbidden: User \"{}\" cannot create resource \"jobs\" in API group \"batch\" in the namespace \"{}\"",
            operator.install.user(),
            fixture.namespace
        ),
    );
    // the resource itself shows nothing of it yet: the failed reconcile writes no status
    assert_eq!(fixture.jsonpath("dbm/denied", "{.status.phase}"), "");
    assert_eq!(fixture.jsonpath("jobs", "{.items[*].metadata.name}"), "");
    drop(operator);

    // RBAC allows the create, the OwnerReferencesPermissionEnforcement admission refuses it:
    // the Job's owner reference blocks its owner's deletion
    let (operator, refused) = refused_job_create(
        "rbac-finalizers",
        "dbmigrate.dev",
        "databasemigrations/finalizers",
        "update",
    );
    assert_eq!(
        (refused.response_status.code, decision(&refused)),
        (403, "allow"),
        "{refused:?}"
    );
    logged(
        &operator,
        "cannot set blockOwnerDeletion if an ownerReference refers to a resource you can't set finalizers on",
    );
}

#[test]
fn with_secret_access_none_a_missing_secret_is_reported_and_picked_up_without_reading_secrets() {
    let fixture = Fixture::start("rbac-nosecret");
    let install = OperatorInstall {
        namespace: fixture.namespace.clone(),
        service_account: SERVICE_ACCOUNT.to_owned(),
        watched: Watched::Namespaces(vec![fixture.namespace.clone()]),
        reads_secrets: false,
    };
    let reference = reference();
    let objects = serde_json::to_string(&reference.operator_objects(&install)).unwrap();
    assert!(!objects.contains("secrets"), "{objects}");
    let operator = Operator::start_as(fixture, install, &reference);
    let fixture = &operator.fixture;
    fixture.apply(&migration_with_secret(
        "nosecret-late",
        "CREATE TABLE nosecret_a (id int);",
        "db-late",
    ));
    operator.wait_for(
        "dbm/nosecret-late",
        "jsonpath={.status.failure.reason}=SecretNotFound",
    );
    let failure = fixture.jsonpath("dbm/nosecret-late", "{.status.failure.message}");
    assert!(failure.contains("\"db-late\""), "{failure}");
    let progressing = fixture.jsonpath(
        "dbm/nosecret-late",
        "{.status.conditions[?(@.type==\"Progressing\")].message}",
    );
    assert!(
        progressing.contains("SecretNotFound") && progressing.contains("\"db-late\""),
        "{progressing}"
    );
    create_url_secret(fixture, &fixture.namespace, "db-late");
    operator.wait_for("dbm/nosecret-late", "condition=Ready");
    assert_eq!(
        operator.sql("SELECT count(*) FROM nosecret_late_history"),
        "1"
    );
    let secret_requests: Vec<AuditEvent> = operator
        .audited_requests()
        .into_iter()
        .filter(|e| e.resource() == "secrets")
        .collect();
    assert!(
        secret_requests.is_empty(),
        "the operator asked about Secrets:\n{}",
        listed(&secret_requests.iter().collect::<Vec<_>>())
    );
}

#[test]
fn watching_two_namespaces_it_reconciles_those_and_touches_nothing_else() {
    let fixture = Fixture::start("rbac-ns");
    let [a, b, c] = ["a", "b", "c"].map(|n| format!("{}-{n}", fixture.namespace));
    for namespace in [&a, &b, &c] {
        fixture.ok(&["create", "namespace", namespace]);
    }
    let install = OperatorInstall {
        namespace: fixture.namespace.clone(),
        service_account: SERVICE_ACCOUNT.to_owned(),
        watched: Watched::Namespaces(vec![a.clone(), b.clone()]),
        reads_secrets: true,
    };
    let operator = Operator::start_as(fixture, install, &reference());
    let fixture = &operator.fixture;
    for (namespace, letter) in [(&a, "a"), (&b, "b"), (&c, "c")] {
        create_url_secret(fixture, namespace, "db");
        let sql = format!("CREATE TABLE ns_{letter}_{} (id int);", std::process::id());
        let manifest = migration(&format!("in-{letter}"), &[("1_a.sql", &sql)], "").replacen(
            "metadata:\n",
            &format!("metadata:\n  namespace: {namespace}\n"),
            1,
        );
        fixture.apply_anywhere(&manifest);
    }
    operator.wait_for_in(&a, "dbm/in-a", "condition=Ready");
    operator.wait_for_in(&b, "dbm/in-b", "condition=Ready");
    let untouched = fixture.ok(&["get", "dbm/in-c", "-n", &c, "-o", "jsonpath={.status}"]);
    assert_eq!(
        untouched, "",
        "the operator wrote the status of dbm/in-c in {c}"
    );
    let jobs = fixture.ok(&["get", "jobs", "-n", &c, "-o", "name"]);
    assert_eq!(jobs, "", "the operator created Jobs in {c}");

    let reference = reference();
    let events = operator.audited_requests();
    let allowed = [a.as_str(), b.as_str(), operator.install.namespace.as_str()];
    let elsewhere: Vec<&AuditEvent> = events
        .iter()
        .filter(|e| {
            e.object_ref
                .as_ref()
                .is_some_and(|o| !allowed.contains(&o.namespace.as_str()))
        })
        .collect();
    assert!(
        elsewhere.is_empty(),
        "requests outside {allowed:?} (a cluster-wide one has no namespace):\n{}",
        listed(&elsewhere)
    );
    let uncovered: Vec<&AuditEvent> = events
        .iter()
        .filter(|e| {
            e.object_ref.is_some() && reference.operator_row_of(&operator.install, e).is_none()
        })
        .collect();
    assert!(
        uncovered.is_empty(),
        "not in docs/rbac.md:\n{}",
        listed(&uncovered)
    );
}
