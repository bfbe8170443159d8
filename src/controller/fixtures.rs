//! Test fixtures of the controller: resources from inline YAML, their step Jobs and pods in any
//! state (built by the real Job builders), and a fake API server that verifies the exact
//! requests a reconcile makes, in order (kube-rs's `tower-test` pattern).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use http::{Method, Request, Response, StatusCode};
use k8s_openapi::jiff::Timestamp;
use kube::client::Body;
use kube::{Client, Resource, ResourceExt};
use serde_json::{Value, json};

use super::kinds::Reconciled;
use super::observe::Snapshot;
use crate::api::{ConfigSync, DatabaseMigration};
use crate::jobs::{JobSettings, StepKind, StepReport, StepRun};

/// A DatabaseMigration `forum/schema` (generation 1) with a URL Secret `db` and two inline
/// migrations; `extra` is YAML added under `spec`.
pub fn migration(extra: &str) -> DatabaseMigration {
    let yaml = format!(
        r"
apiVersion: dbmigrate.dev/v1alpha1
kind: DatabaseMigration
metadata: {{name: schema, namespace: forum, uid: uid-schema, generation: 1}}
spec:
  database: {{urlSecretRef: {{name: db, key: url}}}}
  source:
    inline:
    - {{name: 1_users.sql, sql: 'CREATE TABLE users (id int);'}}
    - {{name: 2_posts.sql, sql: 'CREATE TABLE posts (id int);'}}
{extra}"
    );
    from_yaml(&yaml)
}

/// A ConfigSync `forum/forums` (generation 1) of one inline table, synced every 10 minutes;
/// `extra` is YAML added under `spec`.
pub fn config_sync(extra: &str) -> ConfigSync {
    let yaml = format!(
        r"
apiVersion: dbmigrate.dev/v1alpha1
kind: ConfigSync
metadata: {{name: forums, namespace: forum, uid: uid-forums, generation: 1}}
spec:
  database: {{urlSecretRef: {{name: db, key: url}}}}
  interval: 10m
  tables:
  - table: forums
    keyColumns: [slug]
    rows: [{{slug: general}}]
{extra}"
    );
    from_yaml(&yaml)
}

/// A resource from YAML, read the way manifests are: through JSON (the API's enums are
/// externally tagged maps, which serde_yaml reads only as YAML tags).
fn from_yaml<T: serde::de::DeserializeOwned>(yaml: &str) -> T {
    let value: Value = serde_yaml::from_str(yaml).expect("YAML");
    serde_json::from_value(value).expect("a resource")
}

/// A time `seconds` after the epoch.
pub fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(seconds).expect("a valid timestamp")
}

/// Where a step Job stands, as its Job and pod status say.
#[derive(Debug, Clone)]
pub enum JobIs {
    /// Its step container runs.
    Running,
    /// It completed at the given second with this report.
    Succeeded(i64, StepReport),
    /// Its step exited 1 at the given second with this report.
    Failed(i64, StepReport),
    /// Its pod waits with this container `reason` and `message` (the Job still runs).
    Waiting(&'static str, &'static str),
}

/// A snapshot under construction: the resource, its Secret versions and its step Jobs.
pub struct World<K> {
    /// The resource.
    pub resource: K,
    /// Its snapshot so far.
    pub snapshot: Snapshot<K>,
}

impl<K: Reconciled> World<K> {
    /// `resource` with every Secret it reads at version `1` and no Jobs.
    pub fn of(resource: K) -> Self {
        let secrets = resource
            .secret_names()
            .into_iter()
            .map(|name| (name.to_owned(), Some("1".to_owned())))
            .collect();
        let config_maps = BTreeMap::new();
        let snapshot = Snapshot {
            resource: Arc::new(resource.clone()),
            config_maps,
            secrets,
            jobs: Vec::new(),
            pods: Vec::new(),
        };
        Self { resource, snapshot }
    }

    /// The resource changed by `change` (its Jobs stay).
    pub fn changed(mut self, change: impl FnOnce(&mut K)) -> Self {
        change(&mut self.resource);
        self.snapshot.resource = Arc::new(self.resource.clone());
        self
    }

    /// A step Job of the current inputs in `state`.
    pub fn job(self, ordinal: u32, attempt: u32, kind: StepKind, state: JobIs) -> Self {
        let hash = super::decide::inputs_hash(&self.snapshot).expect("the inputs hash");
        self.job_of(&hash, ordinal, attempt, kind, state)
    }

    /// A step Job of the inputs hashed as `hash` in `state`.
    pub fn job_of(
        mut self,
        hash: &str,
        ordinal: u32,
        attempt: u32,
        kind: StepKind,
        state: JobIs,
    ) -> Self {
        let run = StepRun {
            input_hash: hash,
            step: ordinal,
            attempt,
        };
        let mut job = self
            .resource
            .step_job(&JobSettings::default(), &kind, run)
            .expect("a step Job");
        let uid = format!("uid-{}", job.name_any());
        job.metadata.uid = Some(uid.clone());
        let (job_status, container_state) = match &state {
            JobIs::Running => (
                json!({"active": 1, "startTime": at(10)}),
                json!({"running": {"startedAt": at(10)}}),
            ),
            JobIs::Succeeded(second, report) => (
                json!({"succeeded": 1, "startTime": at(10), "completionTime": at(*second),
                       "conditions": [{"type": "Complete", "status": "True", "lastTransitionTime": at(*second)}]}),
                json!({"terminated": {"exitCode": 0, "message": report.to_termination_message()}}),
            ),
            JobIs::Failed(second, report) => (
                json!({"failed": 1, "startTime": at(10),
                       "conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "lastTransitionTime": at(*second)}]}),
                json!({"terminated": {"exitCode": 1, "message": report.to_termination_message()}}),
            ),
            JobIs::Waiting(reason, message) => (
                json!({"active": 1, "startTime": at(10)}),
                json!({"waiting": {"reason": reason, "message": message}}),
            ),
        };
        job.status = Some(serde_json::from_value(job_status).expect("a Job status"));
        let pod = json!({
            "metadata": {
                "name": format!("{}-pod", job.name_any()),
                "namespace": job.namespace(),
                "labels": job.labels(),
                "creationTimestamp": at(10),
                "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": job.name_any(), "uid": uid}],
            },
            "status": {"containerStatuses": [{
                "name": "step", "image": "dbmigrate", "imageID": "", "ready": false,
                "restartCount": 0, "state": container_state,
            }]},
        });
        self.snapshot
            .pods
            .push(serde_json::from_value(pod).expect("a pod"));
        self.snapshot.jobs.push(job);
        self
    }

    /// The snapshot.
    pub fn snapshot(&self) -> &Snapshot<K> {
        &self.snapshot
    }
}

/// One request a reconcile is expected to make, and the answer the fake API gives.
#[derive(Clone)]
pub struct Exchange {
    method: Method,
    /// The path (`/api/v1/namespaces/forum/secrets/db`).
    path: String,
    /// Parts the decoded query must hold (`labelSelector=…`, `fieldManager=…`).
    query: Vec<String>,
    status: StatusCode,
    answer: Value,
}

impl Exchange {
    /// Expects `method path` and answers `answer`.
    pub fn new(method: Method, path: &str, answer: Value) -> Self {
        Self {
            method,
            path: path.to_owned(),
            query: Vec::new(),
            status: StatusCode::OK,
            answer,
        }
    }

    /// Expects the decoded query to hold `part` too.
    pub fn with_query(mut self, part: &str) -> Self {
        self.query.push(part.to_owned());
        self
    }

    /// Whether `method uri` is this exchange's request.
    fn matches(&self, method: &Method, uri: &str) -> bool {
        let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
        let query = percent_decoded(query);
        *method == self.method
            && path == self.path
            && self.query.iter().all(|part| query.contains(part.as_str()))
    }

    /// Answers with this status code instead (and `answer` as a `Status`).
    pub fn failing(mut self, status: StatusCode, reason: &str) -> Self {
        self.status = status;
        self.answer = json!({
            "kind": "Status", "apiVersion": "v1", "status": "Failure",
            "reason": reason, "code": status.as_u16(), "message": reason,
        });
        self
    }
}

impl std::fmt::Debug for Exchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} {:?}", self.method, self.path, self.query)
    }
}

/// A GET answered with 404.
pub fn not_found(path: &str) -> Exchange {
    Exchange::new(Method::GET, path, Value::Null).failing(StatusCode::NOT_FOUND, "NotFound")
}

/// An empty list of `kind`.
pub fn empty_list(kind: &str) -> Value {
    json!({"kind": kind, "apiVersion": "v1", "metadata": {}, "items": []})
}

/// A list of `items`.
pub fn list_of<T: serde::Serialize>(kind: &str, items: &[T]) -> Value {
    json!({"kind": kind, "apiVersion": "v1", "metadata": {}, "items": items})
}

/// The requests a fake API server received, with their bodies, in order.
pub type Received = Vec<(Method, String, Value)>;

/// A client whose API server expects `groups` of requests in this order (the requests of one
/// group, sent at once, in any order) and answers each; the task ends with what it received,
/// and panics on a request it does not expect (also one within 300 ms after the last).
pub fn fake_api(groups: Vec<Vec<Exchange>>) -> (Client, tokio::task::JoinHandle<Received>) {
    let (service, mut handle) = tower_test::mock::pair::<Request<Body>, Response<Body>>();
    let verifier = tokio::spawn(async move {
        let mut received = Vec::new();
        for mut group in groups {
            while !group.is_empty() {
                let (request, respond) = handle.next_request().await.expect("a request");
                let method = request.method().clone();
                let uri = request.uri().to_string();
                let index = group
                    .iter()
                    .position(|e| e.matches(&method, &uri))
                    .unwrap_or_else(|| {
                        panic!("unexpected request {method} {uri}; expected one of {group:?}")
                    });
                let exchange = group.remove(index);
                let bytes = request
                    .into_body()
                    .collect_bytes()
                    .await
                    .expect("the request body");
                let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                received.push((method, uri, body));
                let answer = serde_json::to_vec(&exchange.answer).expect("JSON");
                let response = Response::builder()
                    .status(exchange.status)
                    .header("content-type", "application/json")
                    .body(Body::from(answer))
                    .expect("a response");
                respond.send_response(response);
            }
        }
        let late = tokio::time::timeout(Duration::from_millis(300), handle.next_request()).await;
        if let Ok(Some((request, _))) = late {
            panic!(
                "unexpected request {} {} after all expected ones",
                request.method(),
                request.uri()
            );
        }
        received
    });
    (Client::new(service, "default"), verifier)
}

/// `text` with its `%XX` escapes decoded.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = bytes
            .get(index + 1..index + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[index], hex) {
            (b'%', Some(byte)) => {
                decoded.push(byte);
                index += 3;
            }
            (byte, _) => {
                decoded.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// `object` as the API server would return it.
pub fn answer<T: serde::Serialize + Resource<DynamicType = ()>>(object: &T) -> Value {
    let mut value = serde_json::to_value(object).expect("JSON");
    value["apiVersion"] = json!(T::api_version(&()));
    value["kind"] = json!(T::kind(&()));
    value
}
