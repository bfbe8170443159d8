//! Unit tests of [`super`] from inline YAML.
use super::*;

fn job(yaml: &str) -> Job {
    serde_yaml::from_str(yaml).unwrap()
}

fn pod(name: &str, uid: &str, phase: &str, finalizer: bool, finished: Option<&str>) -> Pod {
    let fin = if finalizer {
        format!("[{TRACKING_FINALIZER}]")
    } else {
        "[]".into()
    };
    let term = finished.map_or(String::new(), |t| {
        format!("containerStatuses: [{{name: c, image: i, imageID: '', ready: false, restartCount: 0, state: {{terminated: {{exitCode: 1, finishedAt: '{t}'}}}}}}]")
    });
    serde_yaml::from_str(&format!(
        "metadata: {{name: {name}, uid: {uid}, finalizers: {fin}, ownerReferences: [{{apiVersion: batch/v1, kind: Job, name: j, uid: job-uid, controller: true}}]}}\nstatus: {{phase: {phase}, {term}}}"
    ))
    .unwrap()
}

const JOB: &str = "
metadata: {name: j, namespace: ns, uid: job-uid}
spec:
  backoffLimit: 1
  template:
    metadata: {labels: {app: x}}
    spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}
";

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

const BASE: Duration = Duration::from_secs(10);

#[test]
fn creates_first_pod_and_sets_start_time() {
    let j = job(JOB);
    let now = ts("2025-01-01T00:00:00Z");
    let p = plan(&j, &[], now, BASE);
    assert_eq!(p.create, 1);
    assert_eq!(p.status.start_time, Some(Time(now)));
    assert_eq!(p.status.active, Some(1));
    assert_eq!((p.status.ready, p.status.terminating), (Some(0), Some(0)));
    assert_eq!(
        p.status.uncounted_terminated_pods,
        Some(UncountedTerminatedPods::default())
    );
    let pod = new_pod(&j, "node");
    assert_eq!(pod.metadata.generate_name.as_deref(), Some("j-"));
    assert_eq!(pod.metadata.labels.as_ref().unwrap()["job-name"], "j");
    assert_eq!(pod.metadata.labels.as_ref().unwrap()["app"], "x");
    assert_eq!(
        pod.spec.as_ref().unwrap().node_name.as_deref(),
        Some("node")
    );
    assert!(owned_by(&pod, &j));
}

#[test]
fn success_in_two_phases() {
    let mut j = job(JOB);
    let now = ts("2025-01-01T00:01:00Z");
    let pods = [pod(
        "j-a",
        "pa",
        "Succeeded",
        true,
        Some("2025-01-01T00:00:30Z"),
    )];
    let p = plan(&j, &pods, now, BASE);
    assert_eq!(p.create, 0);
    assert_eq!(p.remove_finalizers, ["j-a"]);
    assert_eq!(
        p.status
            .uncounted_terminated_pods
            .as_ref()
            .unwrap()
            .succeeded,
        Some(vec!["pa".to_owned()])
    );
    let types: Vec<_> = p
        .status
        .conditions
        .iter()
        .flatten()
        .map(|c| c.type_.as_str())
        .collect();
    assert_eq!(types, ["SuccessCriteriaMet"]);
    assert_eq!(p.status.active, None);
    // Finalizer removed: counted, Complete.
    j.status = Some(p.status);
    let pods = [pod(
        "j-a",
        "pa",
        "Succeeded",
        false,
        Some("2025-01-01T00:00:30Z"),
    )];
    let p = plan(&j, &pods, now, BASE);
    assert_eq!(p.status.succeeded, Some(1));
    assert_eq!(
        p.status.uncounted_terminated_pods,
        Some(UncountedTerminatedPods::default())
    );
    let types: Vec<_> = p
        .status
        .conditions
        .iter()
        .flatten()
        .map(|c| c.type_.as_str())
        .collect();
    assert_eq!(types, ["SuccessCriteriaMet", "Complete"]);
    assert_eq!(p.status.completion_time, Some(Time(now)));
    j.status = Some(p.status);
    assert!(finished(&j).is_some());
    j.spec.as_mut().unwrap().ttl_seconds_after_finished = Some(5);
    assert_eq!(ttl_deadline(&j), Some(ts("2025-01-01T00:01:05Z")));
}

#[test]
fn failure_with_backoff_then_backoff_limit() {
    let mut j = job(JOB);
    j.status = Some(JobStatus {
        start_time: Some(Time(ts("2025-01-01T00:00:00Z"))),
        failed: Some(1),
        ..JobStatus::default()
    });
    let pods = [pod(
        "j-a",
        "pa",
        "Failed",
        false,
        Some("2025-01-01T00:00:30Z"),
    )];
    // failed (1) <= backoffLimit (1): replacement after 10 s × 2^0.
    let p = plan(&j, &pods, ts("2025-01-01T00:00:35Z"), BASE);
    assert_eq!(p.create, 0);
    assert_eq!(p.requeue_after, Some(Duration::from_secs(5)));
    assert_eq!(p.status.active, None);
    let p = plan(&j, &pods, ts("2025-01-01T00:00:40Z"), BASE);
    assert_eq!(p.create, 1);
    // Second failure exceeds the limit.
    let pods = [
        pods[0].clone(),
        pod("j-b", "pb", "Failed", true, Some("2025-01-01T00:01:00Z")),
    ];
    let p = plan(&j, &pods, ts("2025-01-01T00:01:01Z"), BASE);
    assert_eq!(p.create, 0);
    assert_eq!(p.remove_finalizers, ["j-b"]);
    let c = &p.status.conditions.as_ref().unwrap()[0];
    assert_eq!(
        (c.type_.as_str(), c.reason.as_deref()),
        ("FailureTarget", Some("BackoffLimitExceeded"))
    );
    assert_eq!(
        c.message.as_deref(),
        Some("Job has reached the specified backoff limit")
    );
    j.status = Some(p.status);
    let pods = [pods[0].clone(), pod("j-b", "pb", "Failed", false, None)];
    let p = plan(&j, &pods, ts("2025-01-01T00:01:02Z"), BASE);
    assert_eq!(p.status.failed, Some(2));
    let types: Vec<_> = p
        .status
        .conditions
        .iter()
        .flatten()
        .map(|c| c.type_.as_str())
        .collect();
    assert_eq!(types, ["FailureTarget", "Failed"]);
    assert_eq!(p.status.completion_time, None);
}

#[test]
fn backoff_doubles_and_caps() {
    let mut j = job(JOB);
    j.spec.as_mut().unwrap().backoff_limit = Some(100);
    j.status = Some(JobStatus {
        failed: Some(3),
        ..JobStatus::default()
    });
    let pods = [pod(
        "j-a",
        "pa",
        "Failed",
        false,
        Some("2025-01-01T00:00:00Z"),
    )];
    let p = plan(&j, &pods, ts("2025-01-01T00:00:00Z"), BASE);
    assert_eq!(p.requeue_after, Some(Duration::from_secs(40)));
    j.status = Some(JobStatus {
        failed: Some(30),
        ..JobStatus::default()
    });
    let p = plan(&j, &pods, ts("2025-01-01T00:00:00Z"), BASE);
    assert_eq!(p.requeue_after, Some(MAX_BACKOFF));
}

#[test]
fn deadline_deletes_active_pods() {
    let mut j = job(JOB);
    j.spec.as_mut().unwrap().active_deadline_seconds = Some(60);
    j.status = Some(JobStatus {
        start_time: Some(Time(ts("2025-01-01T00:00:00Z"))),
        ..JobStatus::default()
    });
    let pods = [pod("j-a", "pa", "Running", true, None)];
    let p = plan(&j, &pods, ts("2025-01-01T00:00:30Z"), BASE);
    assert_eq!(p.requeue_after, Some(Duration::from_secs(30)));
    assert_eq!(p.status.active, Some(1));
    let p = plan(&j, &pods, ts("2025-01-01T00:01:00Z"), BASE);
    assert_eq!(p.delete, ["j-a"]);
    assert_eq!(p.status.terminating, Some(1));
    assert_eq!(p.status.active, None);
    let c = &p.status.conditions.as_ref().unwrap()[0];
    assert_eq!(
        (c.type_.as_str(), c.reason.as_deref()),
        ("FailureTarget", Some("DeadlineExceeded"))
    );
    assert_eq!(
        c.message.as_deref(),
        Some("Job was active longer than specified deadline")
    );
    // The pod fails; once counted the Job is Failed.
    j.status = Some(p.status);
    let pods = [pod("j-a", "pa", "Failed", true, None)];
    let p = plan(&j, &pods, ts("2025-01-01T00:01:05Z"), BASE);
    assert_eq!(p.remove_finalizers, ["j-a"]);
    j.status = Some(p.status);
    let pods = [pod("j-a", "pa", "Failed", false, None)];
    let p = plan(&j, &pods, ts("2025-01-01T00:01:06Z"), BASE);
    let last = p
        .status
        .conditions
        .as_ref()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (last.type_.as_str(), last.reason.as_deref()),
        ("Failed", Some("DeadlineExceeded"))
    );
    assert_eq!(p.status.failed, Some(1));
}
