//! Whole flows through `dbmigrate operator`: the kustomize GitOps example installed with the
//! commands of its README, an applied migration edited afterwards, a script (data) step
//! between SQL steps, and a script step in a busybox image (job-runner runs it chrooted in a
//! root of busybox alone), which the static runner copied by the init container reaches the
//! database from by name.

mod support;

use std::path::Path;
use std::time::Duration;

use e2e_harness::Environment;
use e2e_harness::markdown::code_block;
use support::Fixture;
use support::operator::{Operator, image, migration};

/// The repository's root (the examples and migrations live there).
const REPOSITORY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

/// The names of the Jobs in the namespace, sorted.
fn job_names(operator: &Operator) -> Vec<String> {
    let names = operator
        .fixture
        .jsonpath("jobs", "{.items[*].metadata.name}");
    let mut names: Vec<String> = names.split_whitespace().map(str::to_owned).collect();
    names.sort();
    names
}

/// The commands of examples/kustomize/README.md that install the example in a cluster
/// (`kubectl create namespace`, the Secret, `kubectl apply -k`), run with the real kubectl as
/// written, except: the namespace `forum` is the fixture's (runs on one cluster stay apart),
/// the Secret holds the test database's URL, and `apply -k` applies an overlay that only sets
/// that namespace over the example.
fn install_the_kustomize_example_as_its_readme_says(fixture: &Fixture) {
    let example = Path::new(REPOSITORY).join("examples/kustomize");
    let readme = std::fs::read_to_string(example.join("README.md")).expect("the example's README");
    let commands = code_block(&readme, "sh", "kubectl apply -k examples/kustomize")
        .expect("examples/kustomize/README.md shows the commands installing it");
    let overlay = fixture.env.dir().join("kustomize-overlay");
    std::fs::create_dir_all(&overlay).expect("creating the overlay");
    // kustomize takes a base only by a relative path
    let up = "../".repeat(overlay.components().count() - 1);
    let base = example.canonicalize().expect("the example's path");
    let base = format!("{up}{}", base.display().to_string().trim_start_matches('/'));
    let kustomization = format!("namespace: {}\nresources:\n- {base}\n", fixture.namespace);
    std::fs::write(overlay.join("kustomization.yaml"), kustomization).expect("the overlay");
    let mut ran = Vec::new();
    for line in commands.lines().filter(|line| !line.trim().is_empty()) {
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(words[0], "kubectl", "{line}");
        let args: Vec<String> = words[1..]
            .iter()
            .map(|word| match *word {
                "forum" => fixture.namespace.clone(),
                "examples/kustomize" => overlay.display().to_string(),
                url if url.starts_with("--from-literal=url=") => {
                    format!("--from-literal=url={}", fixture.env.database_url())
                }
                other => other.to_owned(),
            })
            .collect();
        let output = fixture.env.kubectl().args(&args).output().expect("kubectl");
        assert!(
            output.status.success(),
            "`{line}` of examples/kustomize/README.md failed (after {ran:?}): {}",
            String::from_utf8_lossy(&output.stderr)
        );
        ran.push(line);
    }
    assert_eq!(ran.len(), 3, "namespace, Secret, apply -k: {ran:?}");
}

#[test]
fn the_kustomize_example_applies_from_generated_config_maps_and_reapplying_is_a_no_op() {
    let env = Environment::start().unwrap_or_else(|e| panic!("{e}"));
    let namespace = format!("flow-kustomize-{}", std::process::id());
    let fixture = Fixture { env, namespace };
    fixture.install_crds();
    install_the_kustomize_example_as_its_readme_says(&fixture);
    let operator = Operator::start_prepared(fixture);
    let fixture = &operator.fixture;
    let example = format!("{REPOSITORY}/examples/kustomize");
    let configmaps = fixture.jsonpath("configmaps", "{.items[*].metadata.name}");
    assert!(
        configmaps.contains("forum-migrations-") && configmaps.contains("forum-config-"),
        "kustomize generated hash-suffixed ConfigMaps: {configmaps}"
    );
    operator.wait_for("dbm/forum-schema", "condition=Ready");
    operator.wait_for("cfgsync/forums", "condition=Ready");
    operator.wait_for("cfgsync/themes", "condition=Ready");
    assert_eq!(
        fixture.jsonpath(
            "dbm/forum-schema",
            "{.status.applied} {.status.pending} {.status.currentVersion}"
        ),
        "7 0 20240502000200"
    );
    let forums = std::fs::read_to_string(format!("{example}/config/forums.yaml")).unwrap();
    let declared = forums.matches("- id:").count();
    assert!(declared > 0, "forums.yaml declares forums:\n{forums}");
    assert_eq!(
        operator.sql("SELECT count(*) FROM forums"),
        declared.to_string()
    );
    assert_eq!(
        fixture.jsonpath("cfgsync/forums", "{.status.rows}"),
        declared.to_string()
    );
    assert_ne!(operator.sql("SELECT count(*) FROM themes"), "0");
    let table = fixture.ok(&["get", "dbm,cfgsync"]);
    assert_eq!(table.matches("Ready").count(), 3, "{table}");

    let jobs = job_names(&operator);
    let overlay = fixture.env.dir().join("kustomize-overlay");
    fixture.ok(&["apply", "-k", &overlay.display().to_string()]);
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(job_names(&operator), jobs, "re-applying created Jobs");
    assert_eq!(
        fixture.jsonpath("dbm/forum-schema", "{.status.observedGeneration}"),
        "1"
    );
}

#[test]
fn an_edited_applied_migration_is_a_checksum_mismatch_and_nothing_is_applied() {
    let operator = Operator::start("flow-checksum");
    let fixture = &operator.fixture;
    let first = ("1_accounts.sql", "CREATE TABLE ck_accounts (id int);");
    fixture.apply(&migration("ledger", &[first], ""));
    operator.wait_for("dbm/ledger", "condition=Ready");

    let edited = ("1_accounts.sql", "CREATE TABLE ck_accounts (id bigint);");
    let second = ("2_entries.sql", "CREATE TABLE ck_entries (id int);");
    fixture.apply(&migration("ledger", &[edited, second], ""));
    operator.wait_for("dbm/ledger", "jsonpath={.status.observedGeneration}=2");
    operator.wait_for("dbm/ledger", "condition=Failed");
    assert_eq!(
        fixture.jsonpath(
            "dbm/ledger",
            "{.status.failure.reason} {.status.failure.version}"
        ),
        "ChecksumMismatch 1"
    );
    let message = fixture.jsonpath("dbm/ledger", "{.status.message}");
    assert!(
        message.contains("ChecksumMismatch") && message.contains("1_accounts.sql"),
        "{message}"
    );
    assert_eq!(
        operator.sql("SELECT to_regclass('ck_entries') IS NULL"),
        "t"
    );
    assert_eq!(
        operator.sql("SELECT count(*) FROM ledger_history"),
        "1",
        "nothing new recorded"
    );
    // not retried: one Job per generation
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(job_names(&operator).len(), 2, "{:?}", job_names(&operator));
    let described = fixture.ok(&["describe", "dbm", "ledger"]);
    assert!(described.contains("ChecksumMismatch"), "{described}");
}

#[test]
fn a_script_step_between_two_sql_steps_runs_in_order_in_its_own_image() {
    let operator = Operator::start("flow-script");
    let fixture = &operator.fixture;
    let scripts = r#"  scripts:
  - version: "2"
    name: backfill_scores
    image: postgres:16-alpine
    command: [sh, -c, 'psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -c "INSERT INTO sc_users VALUES (1, 10), (2, 20)"']
"#;
    let files = [
        (
            "1_users.sql",
            "CREATE TABLE sc_users (id int PRIMARY KEY, score int);",
        ),
        (
            "3_summary.sql",
            "CREATE TABLE sc_summary AS SELECT count(*) AS users FROM sc_users;",
        ),
    ];
    fixture.apply(&migration("scores", &files, scripts));
    operator.wait_for("dbm/scores", "condition=Ready");
    assert_eq!(
        operator.sql("SELECT users FROM sc_summary"),
        "2",
        "the summary saw the script's rows"
    );
    assert_eq!(
        operator.sql("SELECT version FROM scores_history ORDER BY version"),
        "1\n2\n3"
    );
    assert_eq!(
        fixture.jsonpath("dbm/scores", "{.status.applied} {.status.currentVersion}"),
        "3 3"
    );
    // three steps, the script's in its own image
    let images = fixture.jsonpath(
        "jobs",
        "{range .items[*]}{.metadata.labels.dbmigrate\\.dev/step}={.spec.template.spec.containers[0].image} {end}",
    );
    let mut images: Vec<&str> = images.split_whitespace().collect();
    images.sort_unstable();
    let runner = image();
    assert_eq!(
        images,
        [
            format!("0={runner}"),
            "1=postgres:16-alpine".to_owned(),
            format!("2={runner}")
        ]
    );
}

#[test]
fn a_script_step_runs_in_a_busybox_root_reaching_the_database_by_host_name() {
    let operator = Operator::start("flow-busybox");
    let fixture = &operator.fixture;
    // the runner copied into the busybox root resolves the name itself (no libc there),
    // from the kubelet's /etc/hosts
    let url = fixture
        .env
        .database_url()
        .replacen("@127.0.0.1:", "@localhost:", 1);
    let secret = format!("--from-literal=url={url}");
    fixture.ok(&["create", "secret", "generic", "db-by-name", &secret]);
    let scripts = r#"  scripts:
  - version: "2"
    name: in_busybox
    image: busybox:1.36
    command: [sh, -c, 'test -x /opt/dbmigrate/dbmigrate && test ! -e /etc/debian_version && echo "busybox step as $(id -u) in $(pwd)"']
"#;
    let files = [
        ("1_items.sql", "CREATE TABLE bb_items (id int);"),
        ("3_names.sql", "ALTER TABLE bb_items ADD COLUMN name text;"),
    ];
    let manifest = migration("boxed", &files, scripts)
        .replace("{name: db, key: url}", "{name: db-by-name, key: url}");
    fixture.apply(&manifest);
    operator.wait_for("dbm/boxed", "condition=Ready");
    assert_eq!(
        operator.sql("SELECT version FROM boxed_history WHERE success ORDER BY version"),
        "1\n2\n3"
    );
    let jobs = fixture.jsonpath(
        "jobs",
        "{range .items[*]}{.metadata.labels.dbmigrate\\.dev/step}={.metadata.name}={.spec.template.spec.containers[0].image} {end}",
    );
    let script_job = jobs
        .split_whitespace()
        .find_map(|job| job.strip_prefix("1="))
        .unwrap_or_else(|| panic!("the script step's Job: {jobs}"));
    let (job, image) = script_job.split_once('=').expect("name=image");
    assert_eq!(image, "busybox:1.36");
    let logs = fixture.ok(&["logs", &format!("job/{job}"), "-c", "step"]);
    assert!(
        logs.contains("busybox step as 65532 in /"),
        "the script ran in the busybox root:\n{logs}"
    );
}
