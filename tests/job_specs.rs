//! The step Jobs the operator builds are valid batch/v1 Jobs: the real kubectl creates them in
//! server dry-run, with strict field validation, against the e2e API server.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use dbmigrate::api::{ConfigSync, DatabaseMigration};
use dbmigrate::jobs::{JobSettings, StepRun, script_step_job, sql_step_job, sync_job};
use k8s_openapi::api::batch::v1::Job;

const MIGRATION: &str = include_str!("fixtures/jobs/migration.yaml");
const CONFIG_SYNC: &str = include_str!("fixtures/jobs/config-sync.yaml");

/// A resource from YAML, read the way manifests are (through JSON: the API's enums are
/// externally tagged maps, which serde_yaml reads only as YAML tags).
fn from_yaml<T: serde::de::DeserializeOwned>(yaml: &str) -> T {
    let value: serde_json::Value = serde_yaml::from_str(yaml).unwrap();
    serde_json::from_value(value).unwrap()
}

/// Runs `command` with `input` on stdin.
fn run_with_input(mut command: Command, input: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kubectl starts");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(input.as_bytes())
        .expect("kubectl reads its input");
    child.wait_with_output().expect("kubectl finishes")
}

fn yaml_stream(jobs: &[Job]) -> String {
    jobs.iter()
        .map(|job| format!("---\n{}", serde_yaml::to_string(job).unwrap()))
        .collect()
}

#[test]
fn kubectl_creates_every_kind_of_step_job_in_server_dry_run() {
    let env = e2e_harness::Environment::start().expect("the e2e environment starts");
    let namespace = env
        .kubectl()
        .args(["create", "namespace", "forum"])
        .output()
        .unwrap();
    assert!(namespace.status.success(), "{namespace:?}\n{}", env.logs());

    let migration: DatabaseMigration = from_yaml(MIGRATION);
    let sync: ConfigSync = from_yaml(CONFIG_SYNC);
    let settings = JobSettings::default();
    let run = StepRun {
        input_hash: "0123456789abcdef",
        step: 0,
        attempt: 1,
    };
    let jobs = [
        sql_step_job(&settings, &migration, run).unwrap(),
        script_step_job(&settings, &migration, "20240601000000", run).unwrap(),
        sync_job(&settings, &sync, run).unwrap(),
    ];

    let mut create = env.kubectl();
    create.args(["create", "--dry-run=server", "-o", "name", "-f", "-"]);
    let output = run_with_input(create, &yaml_stream(&jobs));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "kubectl rejected the Jobs:\n{}\n{}",
        String::from_utf8_lossy(&output.stderr),
        env.logs()
    );
    for job in &jobs {
        let name = job.metadata.name.as_deref().unwrap();
        assert!(stdout.contains(&format!("job.batch/{name}")), "{stdout}");
    }

    // The validation is real: an unknown field in the same Job is refused.
    let mut bogus: serde_json::Value = serde_json::to_value(&jobs[0]).unwrap();
    bogus["spec"]["template"]["spec"]["containers"][0]["imagePullPolicyy"] = "Always".into();
    let mut create = env.kubectl();
    create.args(["create", "--dry-run=server", "-f", "-"]);
    let output = run_with_input(create, &bogus.to_string());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "an unknown field was accepted");
    assert!(stderr.contains("imagePullPolicyy"), "{stderr}");
}
