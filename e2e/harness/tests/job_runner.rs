//! Jobs run by job-runner look to kubectl (oldest and newest) as on a real cluster: exit codes,
//! logs, termination messages, Secret and ConfigMap inputs, init containers, deadlines,
//! `backoffLimit`, `ttlSecondsAfterFinished`, images it cannot run, and what a busybox
//! container sees: its image's files, its volumes and the kubelet's `/etc` files only.
//!
//! The tests only use kubectl, so with `KUBECONFIG` pointing at a real cluster they check that
//! cluster's Job controller and kubelet the same way.

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use e2e_harness::kubectl_versions;
use support::Fixture;

/// A Job of one busybox container running `script` with `sh -c`; `extra` is appended to the
/// Job's spec (two-space indented YAML).
fn shell_job(name: &str, script: &str, extra: &str) -> String {
    format!(
        "apiVersion: batch/v1
kind: Job
metadata:
  name: {name}
spec:
  backoffLimit: 0
{extra}  template:
    spec:
      restartPolicy: Never
      containers:
        - name: main
          image: busybox:1.36
          command: [sh, -c, {script:?}]
"
    )
}

#[test]
fn a_failing_job_reports_its_exit_code_termination_message_and_logs() {
    let fixture = Fixture::start("jr-fail");
    for minor in kubectl_versions() {
        let job = format!("fail-1-{minor}");
        fixture.run(
            Some(minor),
            &["apply", "-f", "-"],
            Some(&shell_job(
                &job,
                "echo hi; echo 'migration 3 failed' > /dev/termination-log; exit 3",
                "",
            )),
        );
        fixture.run(
            Some(minor),
            &[
                "wait",
                "--for=condition=Failed",
                &format!("job/{job}"),
                "--timeout=60s",
            ],
            None,
        );
        let pod = format!("-l=job-name={job}");
        let terminated = fixture.run(
            Some(minor),
            &[
                "get",
                "pods",
                &pod,
                "-o",
                "jsonpath={.items[0].status.phase} {.items[0].status.containerStatuses[0].state.terminated.exitCode} {.items[0].status.containerStatuses[0].state.terminated.reason} {.items[0].status.containerStatuses[0].state.terminated.message}",
            ],
            None,
        );
        assert_eq!(terminated, "Failed 3 Error migration 3 failed\n");
        let status = fixture.run(
            Some(minor),
            &[
                "get",
                &format!("job/{job}"),
                "-o",
                "jsonpath={.status.failed} {.status.active} {.status.conditions[?(@.type==\"Failed\")].reason}",
            ],
            None,
        );
        assert_eq!(status, "1  BackoffLimitExceeded");
        let logs = fixture.run(Some(minor), &["logs", &format!("job/{job}")], None);
        assert_eq!(logs, "hi\n", "kubectl 1.{minor} logs");
        if fixture.env.has_job_runner() {
            let previous =
                fixture.fails(Some(minor), &["logs", &format!("job/{job}"), "--previous"]);
            assert!(
                previous.contains("previous terminated container \"main\"")
                    && previous.contains("not found"),
                "kubectl 1.{minor} logs --previous:\n{previous}"
            );
        }
        let table = fixture.run(Some(minor), &["get", "jobs", &job], None);
        assert!(
            table.contains(&job) && table.contains("0/1"),
            "kubectl 1.{minor} get jobs:\n{table}"
        );
        let described = fixture.run(Some(minor), &["describe", "pod", &pod], None);
        assert!(
            described.contains("Exit Code:    3"),
            "kubectl 1.{minor} describe pod:\n{described}"
        );
    }
}

#[test]
fn a_job_sees_its_secret_config_map_and_field_refs_after_its_init_containers() {
    let fixture = Fixture::start("jr-inputs");
    fixture.ok(&[
        "create",
        "secret",
        "generic",
        "db",
        "--from-literal=password=s3cret pass",
    ]);
    fixture.ok(&[
        "create",
        "configmap",
        "app",
        "--from-literal=greeting=hello",
        "--from-literal=schema=forum",
    ]);
    fixture.apply(
        "apiVersion: batch/v1
kind: Job
metadata:
  name: inputs
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      volumes:
        - name: config
          configMap:
            name: app
        - name: scratch
          emptyDir: {}
      initContainers:
        - name: prepare
          image: busybox:1.36
          command: [sh, -c, 'echo prepared > /scratch/marker']
          volumeMounts:
            - name: scratch
              mountPath: /scratch
      containers:
        - name: main
          image: busybox:1.36
          command: [sh, -c]
          args:
            - 'echo \"password=$PASSWORD\"; echo \"schema=$SCHEMA\"; echo \"pod=$POD_NAME\"; echo \"greeting=$(cat /etc/app/greeting)\"; cat /scratch/marker; echo \"cwd=$(pwd)\"'
          env:
            - name: PASSWORD
              valueFrom:
                secretKeyRef:
                  name: db
                  key: password
            - name: SCHEMA
              valueFrom:
                configMapKeyRef:
                  name: app
                  key: schema
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
          volumeMounts:
            - name: config
              mountPath: /etc/app
              readOnly: true
            - name: scratch
              mountPath: /scratch
",
    );
    fixture.wait(&["job/inputs"], "condition=Complete");
    let pod = fixture.jsonpath("pods", "{.items[0].metadata.name}");
    let logs = fixture.ok(&["logs", "job/inputs", "-c", "main"]);
    let (logs, cwd) = logs
        .rsplit_once("cwd=")
        .expect("the working directory line");
    assert_eq!(
        logs,
        format!("password=s3cret pass\nschema=forum\npod={pod}\ngreeting=hello\nprepared\n")
    );
    if e2e_harness::os::running_as_root() {
        // in its own mount namespace, a container without workingDir starts in `/`
        assert_eq!(cwd, "/\n");
    }
    let status = fixture.jsonpath(
        "job/inputs",
        "{.status.succeeded} {.status.conditions[?(@.type==\"Complete\")].status} {.status.startTime} {.status.completionTime}",
    );
    let fields: Vec<&str> = status.split(' ').collect();
    assert_eq!(fields[..2], ["1", "True"], "job status: {status}");
    assert!(
        fields[2].ends_with('Z') && fields[3].ends_with('Z') && fields[2] <= fields[3],
        "start and completion times: {status}"
    );
    let init = fixture.jsonpath(
        &format!("pod/{pod}"),
        "{.status.initContainerStatuses[0].state.terminated.reason}",
    );
    assert_eq!(init, "Completed");
}

#[test]
fn active_deadline_seconds_kills_a_sleeping_pod() {
    let fixture = Fixture::start("jr-deadline");
    // a sleep no other test runs, so the process can be looked for afterwards
    let script = "echo sleeping; exec sleep 86321";
    fixture.apply(&shell_job(
        "sleeper",
        script,
        "  activeDeadlineSeconds: 2\n",
    ));
    fixture.wait(&["job/sleeper"], "condition=Failed");
    let reason = fixture.jsonpath(
        "job/sleeper",
        "{.status.conditions[?(@.type==\"Failed\")].reason} {.status.active}",
    );
    assert_eq!(reason, "DeadlineExceeded ");
    // as the Job controller does, the deadline deletes the Job's active pods
    fixture.eventually("pods", "{.items[*].metadata.name}", "");
    if fixture.env.has_job_runner() {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let survivors = Command::new("pgrep")
                .args(["-f", "sleep 86321"])
                .output()
                .expect("running pgrep");
            if survivors.stdout.is_empty() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the sleeping process outlived its pod: pids {}",
                String::from_utf8_lossy(&survivors.stdout)
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

#[test]
fn backoff_limit_replaces_failed_pods_then_fails_the_job() {
    let fixture = Fixture::start("jr-backoff");
    fixture.apply(&shell_job("flaky", "exit 1", "").replace("backoffLimit: 0", "backoffLimit: 1"));
    fixture.wait(&["job/flaky"], "condition=Failed");
    let status = fixture.jsonpath(
        "job/flaky",
        "{.status.failed} {.status.conditions[?(@.type==\"Failed\")].reason}",
    );
    assert_eq!(status, "2 BackoffLimitExceeded");
    let phases = fixture.jsonpath("pods", "{.items[*].status.phase}");
    assert_eq!(phases, "Failed Failed");
}

#[test]
fn a_finished_job_with_a_ttl_is_deleted_with_its_pods() {
    let fixture = Fixture::start("jr-ttl");
    fixture.apply(&shell_job(
        "brief",
        "echo done",
        "  ttlSecondsAfterFinished: 0\n",
    ));
    fixture.eventually("jobs", "{.items[*].metadata.name}", "");
    fixture.eventually("pods", "{.items[*].metadata.name}", "");
}

#[test]
fn an_image_the_runner_cannot_run_is_an_image_pull_error_naming_the_config() {
    let fixture = Fixture::start("jr-image");
    if !fixture.env.has_job_runner() {
        return; // a real cluster pulls images; what it cannot pull differs per cluster
    }
    fixture.apply(
        &shell_job("unknown", "true", "").replace("busybox:1.36", "registry.example/nothing:1"),
    );
    fixture.wait(
        &["pods", "-l", "job-name=unknown"],
        "jsonpath={.status.containerStatuses[0].state.waiting.reason}=ErrImagePull",
    );
    let message = fixture.jsonpath(
        "pods",
        "{.items[0].status.containerStatuses[0].state.waiting.message}",
    );
    assert!(
        message.contains("registry.example/nothing:1") && message.contains("images.yaml"),
        "waiting message: {message}"
    );
}

#[test]
fn a_busybox_container_sees_its_image_its_volumes_and_the_kubelets_files_only() {
    let fixture = Fixture::start("jr-rootfs");
    fixture.apply(
        "apiVersion: batch/v1
kind: Job
metadata:
  name: rootfs
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      hostAliases:
        - ip: 127.0.0.1
          hostnames: [db.alias.test]
      volumes:
        - name: scratch
          emptyDir: {}
      initContainers:
        - name: first
          image: busybox:1.36
          command: [sh, -c, 'echo mine > /marker && echo shared > /scratch/marker']
          volumeMounts:
            - name: scratch
              mountPath: /scratch
      containers:
        - name: main
          image: busybox:1.36
          workingDir: /work/here
          command:
            - sh
            - -c
            - |
              echo \"pwd=$(pwd)\"
              echo \"path=$PATH\"
              echo \"hostname=$(cat /etc/hostname)\"
              head -n 1 /etc/hosts
              grep -c \"$(cat /etc/hostname)\" /etc/hosts
              grep db.alias.test /etc/hosts
              test -e /marker && echo \"sees the init container's root\" || echo \"own root\"
              cat /scratch/marker
              test -e /etc/debian_version && echo \"sees the host\" || echo \"image files only\"
          volumeMounts:
            - name: scratch
              mountPath: /scratch
",
    );
    fixture.wait(&["job/rootfs"], "condition=Complete");
    let pod = fixture.jsonpath("pods", "{.items[0].metadata.name}");
    let logs = fixture.ok(&["logs", "job/rootfs", "-c", "main"]);
    let path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    assert_eq!(
        logs,
        format!(
            "pwd=/work/here\npath={path}\nhostname={pod}\n# Kubernetes-managed hosts file.\n1\n\
             127.0.0.1\tdb.alias.test\nown root\nshared\nimage files only\n"
        )
    );
}
