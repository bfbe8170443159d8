//! `dbmigrate operator` end to end: the real binary as the operator, the real kubectl as the
//! client, step Jobs run by job-runner (or a real cluster's kubelets) against a real
//! PostgreSQL. Each test asserts the status, the Events and the database itself.

mod support;

use support::operator::{Operator, http_get, migration};

#[test]
fn migrations_are_applied_by_step_jobs_and_reapplying_changes_nothing() {
    let operator = Operator::start("op-apply");
    let fixture = &operator.fixture;
    let files = [
        (
            "1_users.sql",
            "CREATE TABLE apply_users (id serial PRIMARY KEY, name text NOT NULL);",
        ),
        (
            "2_posts.sql",
            "CREATE TABLE apply_posts (id serial PRIMARY KEY, user_id int REFERENCES apply_users(id));",
        ),
        (
            "3_seed.sql",
            "INSERT INTO apply_users (name) VALUES ('admin');",
        ),
    ];
    let manifest = migration("forum", &files, "  runner: {maxMigrationsPerJob: 2}\n");
    fixture.apply(&manifest);
    operator.wait_for("dbm/forum", "condition=Ready");
    let status = fixture.jsonpath(
        "dbm/forum",
        "{.status.phase} {.status.applied} {.status.pending} {.status.currentVersion} {.status.observedGeneration}",
    );
    assert_eq!(status, "Ready 3 0 3 1");
    assert_eq!(operator.sql("SELECT name FROM apply_users"), "admin");
    assert_eq!(
        operator.sql("SELECT count(*) FROM forum_history"),
        "3",
        "one history row per migration"
    );
    // two steps: at most two migrations per Job
    let jobs = fixture.jsonpath("jobs", "{.items[*].metadata.labels.dbmigrate\\.dev/step}");
    let mut steps: Vec<&str> = jobs.split_whitespace().collect();
    steps.sort_unstable();
    assert_eq!(steps, ["0", "1"], "step Jobs: {jobs}");
    let table = fixture.ok(&["get", "dbm"]);
    assert!(
        table.contains("Ready") && table.contains("3 applied, up to date"),
        "kubectl get dbm:\n{table}"
    );
    let events = fixture.ok(&["describe", "dbm", "forum"]);
    assert!(
        events.contains("StepStarted") && events.contains("Applied"),
        "kubectl describe dbm:\n{events}"
    );
    assert_eq!(http_get(&operator.http, "/healthz"), (200, "ok".to_owned()));
    assert_eq!(http_get(&operator.http, "/readyz").0, 200);
    let (code, metrics) = http_get(&operator.http, "/metrics");
    assert_eq!(code, 200);
    let namespace = &fixture.namespace;
    for expected in [
        r#"dbmigrate_reconciles_total{kind="DatabaseMigration",result="ready"}"#.to_owned(),
        format!(
            r#"dbmigrate_steps_started_total{{kind="DatabaseMigration",namespace="{namespace}",name="forum"}} 2"#
        ),
        format!(
            r#"dbmigrate_pending_migrations{{kind="DatabaseMigration",namespace="{namespace}",name="forum"}} 0"#
        ),
        r#"dbmigrate_step_duration_seconds_count{kind="DatabaseMigration",result="succeeded"}"#
            .to_owned(),
    ] {
        assert!(metrics.contains(&expected), "no {expected} in\n{metrics}");
    }
    // the same manifest again: no new Job, same status
    fixture.apply(&manifest);
    std::thread::sleep(std::time::Duration::from_secs(2));
    let again = fixture.jsonpath("jobs", "{.items[*].metadata.name}");
    assert_eq!(
        again.split_whitespace().count(),
        2,
        "jobs after re-apply: {again}"
    );
    assert_eq!(fixture.jsonpath("dbm/forum", "{.status.phase}"), "Ready");

    // the Jobs go (their TTL, or by hand): the status is Ready for these inputs, nothing reruns
    fixture.ok(&["delete", "jobs", "--all", "--wait=false"]);
    std::thread::sleep(std::time::Duration::from_secs(3));
    assert_eq!(fixture.jsonpath("jobs", "{.items[*].metadata.name}"), "");
    assert_eq!(fixture.jsonpath("dbm/forum", "{.status.phase}"), "Ready");
}

#[test]
fn a_failing_migration_fails_with_its_file_and_sqlstate_then_a_fix_applies() {
    let operator = Operator::start("op-fail");
    let fixture = &operator.fixture;
    let good = (
        "1_tags.sql",
        "CREATE TABLE fail_tags (id serial PRIMARY KEY);",
    );
    let bad = (
        "2_links.sql",
        "CREATE TABLE fail_links (id int REFERENCES fail_nothing(id));",
    );
    let no_retries = "  runner: {backoffLimit: 0}\n";
    fixture.apply(&migration("links", &[good, bad], no_retries));
    operator.wait_for("dbm/links", "condition=Failed");
    let failure = fixture.jsonpath(
        "dbm/links",
        "{.status.phase} {.status.failure.reason} {.status.failure.file} {.status.failure.sqlstate} {.status.applied}",
    );
    assert_eq!(failure, "Failed MigrationFailed 2_links.sql 42P01 1");
    let message = fixture.jsonpath("dbm/links", "{.status.failure.message}");
    assert!(message.contains("fail_nothing"), "{message}");
    assert_eq!(
        operator.sql("SELECT to_regclass('fail_links') IS NULL"),
        "t"
    );
    let events = fixture.ok(&["describe", "dbm", "links"]);
    assert!(events.contains("MigrationFailed"), "{events}");

    let fixed = (
        "2_links.sql",
        "CREATE TABLE fail_links (id int REFERENCES fail_tags(id));",
    );
    // an applied migration is never edited; the failed one was not applied, so it may change
    fixture.apply(&migration("links", &[good, fixed], no_retries));
    operator.wait_for("dbm/links", "condition=Ready");
    assert_eq!(
        fixture.jsonpath("dbm/links", "{.status.applied} {.status.failure}"),
        "2 "
    );
    assert_eq!(
        operator.sql("SELECT to_regclass('fail_links') IS NOT NULL"),
        "t"
    );
}

#[test]
fn a_migration_waits_blocked_until_its_dependency_is_ready() {
    let operator = Operator::start("op-deps");
    let fixture = &operator.fixture;
    let schema = (
        "1_themes.sql",
        "CREATE TABLE deps_themes (slug text PRIMARY KEY);",
    );
    let broken = (
        "1_themes.sql",
        "CREATE TABLE deps_themes (slug text PRIMARY KEY, x nosuchtype);",
    );
    let no_retries = "  runner: {backoffLimit: 0}\n";
    fixture.apply(&migration("schema", &[broken], no_retries));
    let data = (
        "1_default_theme.sql",
        "INSERT INTO deps_themes VALUES ('default');",
    );
    let depends = "  dependsOn:\n  - {kind: DatabaseMigration, name: schema}\n";
    fixture.apply(&migration("data", &[data], depends));
    operator.wait_for("dbm/data", "condition=Blocked");
    let blocked = fixture.jsonpath(
        "dbm/data",
        "{.status.conditions[?(@.type==\"Blocked\")].reason}",
    );
    assert_eq!(blocked, "DependencyNotReady");
    let message = fixture.jsonpath("dbm/data", "{.status.message}");
    assert!(
        message.contains("DatabaseMigration") && message.contains("/schema"),
        "{message}"
    );
    assert_eq!(
        fixture.jsonpath(
            "jobs",
            "{.items[*].metadata.labels.dbmigrate\\.dev/resource}"
        ),
        "schema"
    );

    fixture.apply(&migration("schema", &[schema], no_retries));
    operator.wait_for("dbm/schema", "condition=Ready");
    operator.wait_for("dbm/data", "condition=Ready");
    assert_eq!(operator.sql("SELECT slug FROM deps_themes"), "default");
}

#[test]
fn an_operator_killed_mid_step_resumes_after_restart_and_applies_nothing_twice() {
    let mut operator = Operator::start("op-restart");
    let files = [
        (
            "1_slow.sql",
            "CREATE TABLE restart_a (id int); SELECT pg_sleep(3);",
        ),
        ("2_b.sql", "CREATE TABLE restart_b (id int);"),
        ("3_c.sql", "INSERT INTO restart_a VALUES (1);"),
    ];
    let one_per_job = "  runner: {maxMigrationsPerJob: 1}\n";
    operator
        .fixture
        .apply(&migration("resume", &files, one_per_job));
    // the first step runs (pg_sleep); the operator dies meanwhile
    operator.fixture.eventually(
        "jobs",
        "{.items[*].metadata.labels.dbmigrate\\.dev/step}",
        "0",
    );
    operator.restart();
    operator.wait_for("dbm/resume", "condition=Ready");
    assert_eq!(operator.sql("SELECT count(*) FROM resume_history"), "3");
    assert_eq!(operator.sql("SELECT count(*) FROM restart_a"), "1");
    let steps = operator
        .fixture
        .jsonpath("jobs", "{.items[*].metadata.labels.dbmigrate\\.dev/step}");
    let mut steps: Vec<&str> = steps.split_whitespace().collect();
    steps.sort_unstable();
    assert_eq!(steps, ["0", "1", "2"], "one Job per step, none twice");
}

#[test]
fn of_two_operators_only_the_leader_creates_jobs_and_the_other_takes_over() {
    let mut operator = Operator::start("op-leader");
    let (mut second, _) = operator.start_another("operator-2.log");
    let read = |name: &str| {
        std::fs::read_to_string(operator.fixture.env.dir().join(name)).unwrap_or_default()
    };
    let files = [("1_a.sql", "CREATE TABLE leader_a (id int);")];
    operator.fixture.apply(&migration("first", &files, ""));
    operator.wait_for("dbm/first", "condition=Ready");
    let (one, two) = (read("operator.log"), read("operator-2.log"));
    let acted = |log: &str| log.contains("SQL migrations in Job");
    assert!(
        acted(&one) != acted(&two),
        "exactly one operator creates Jobs:\n--- 1 ---\n{one}\n--- 2 ---\n{two}"
    );
    // the leader dies; the other takes the Lease once it expires (15 s) and carries on
    let follower_log = if acted(&one) {
        operator.process.kill();
        "operator-2.log"
    } else {
        second.kill();
        "operator.log"
    };
    let more = [files[0], ("2_b.sql", "CREATE TABLE leader_b (id int);")];
    operator.fixture.apply(&migration("first", &more, ""));
    operator.wait_for("dbm/first", "jsonpath={.status.applied}=2");
    assert!(acted(&read(follower_log)), "{}", read(follower_log));
    assert_eq!(
        operator.sql("SELECT to_regclass('leader_b') IS NOT NULL"),
        "t"
    );
}

#[test]
fn a_missing_secret_is_secret_not_found_until_it_is_created() {
    let operator = Operator::start("op-secret");
    let fixture = &operator.fixture;
    let files = [("1_a.sql", "CREATE TABLE secret_a (id int);")];
    let manifest = migration("late", &files, "  runner: {backoffLimit: 5}\n")
        .replace("{name: db, key: url}", "{name: db-late, key: url}");
    fixture.apply(&manifest);
    operator.wait_for(
        "dbm/late",
        "jsonpath={.status.failure.reason}=SecretNotFound",
    );
    let message = fixture.jsonpath("dbm/late", "{.status.failure.message}");
    assert!(message.contains("db-late"), "{message}");
    let url = format!("--from-literal=url={}", fixture.env.database_url());
    fixture.ok(&["create", "secret", "generic", "db-late", &url]);
    operator.wait_for("dbm/late", "condition=Ready");
    assert_eq!(
        operator.sql("SELECT to_regclass('secret_a') IS NOT NULL"),
        "t"
    );
    // the created Secret is a new input: the stuck Job of the first attempt is deleted (or, if
    // its pod started first, as a kubelet's may, it finishes before the new step): the
    // migration is applied once either way
    assert_eq!(operator.sql("SELECT count(*) FROM late_history"), "1");
}

#[test]
fn a_secret_fixed_after_the_resource_failed_is_retried_without_the_annotation() {
    let operator = Operator::start("op-fix-secret");
    let fixture = &operator.fixture;
    // nothing listens on port 9 of loopback: the database is unreachable
    let wrong = "postgres://postgres@127.0.0.1:9/postgres?connect_timeout=2";
    fixture.ok(&[
        "create",
        "secret",
        "generic",
        "db-fix",
        &format!("--from-literal=url={wrong}"),
    ]);
    let files = [("1_a.sql", "CREATE TABLE fixed_a (id int);")];
    let manifest = migration("fix", &files, "  runner: {backoffLimit: 0}\n")
        .replace("{name: db, key: url}", "{name: db-fix, key: url}");
    fixture.apply(&manifest);
    operator.wait_for("dbm/fix", "jsonpath={.status.phase}=Failed");
    let reason = fixture.jsonpath("dbm/fix", "{.status.failure.reason}");
    assert_eq!(reason, "DatabaseUnreachable");
    let url = format!("--from-literal=url={}", fixture.env.database_url());
    let secret = fixture.ok(&[
        "create",
        "secret",
        "generic",
        "db-fix",
        &url,
        "--dry-run=client",
        "-o",
        "yaml",
    ]);
    fixture.apply(&secret);
    operator.wait_for("dbm/fix", "condition=Ready");
    assert_eq!(
        operator.sql("SELECT to_regclass('fixed_a') IS NOT NULL"),
        "t"
    );
}
