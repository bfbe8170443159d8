//! A pod's status as the kubelet reports it (phase, conditions, container states), built from
//! the runner's local view and written through the `/status` subresource.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    ContainerState, ContainerStateRunning, ContainerStateTerminated, ContainerStateWaiting,
    ContainerStatus, HostIP, Pod, PodCondition, PodIP, PodStatus,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;
use kube::Api;
use kube::api::{Patch, PatchParams};

/// The node's (and every pod's) IP.
pub const LOCAL_IP: &str = "127.0.0.1";

/// A container's state as reported.
#[derive(Debug, Clone, PartialEq)]
pub enum State {
    /// Not started: reason and message.
    Waiting(String, Option<String>),
    /// Running since.
    Running(Timestamp),
    /// Exited.
    Terminated {
        /// Exit code.
        exit_code: i32,
        /// `Completed`, `Error`, `StartError`, …
        reason: String,
        /// Termination message.
        message: Option<String>,
        /// Start time.
        started: Option<Timestamp>,
        /// Finish time.
        finished: Timestamp,
    },
}

/// One container's reported status.
#[derive(Debug, Clone, PartialEq)]
pub struct Container {
    /// Name.
    pub name: String,
    /// Image reference.
    pub image: String,
    /// `job-runner://<id>` once started.
    pub id: Option<String>,
    /// State.
    pub state: State,
}

impl Container {
    fn status(&self) -> ContainerStatus {
        let running = matches!(self.state, State::Running(_));
        let state = match &self.state {
            State::Waiting(reason, message) => ContainerState {
                waiting: Some(ContainerStateWaiting {
                    reason: Some(reason.clone()),
                    message: message.clone(),
                }),
                ..ContainerState::default()
            },
            State::Running(at) => ContainerState {
                running: Some(ContainerStateRunning {
                    started_at: Some(Time(*at)),
                }),
                ..ContainerState::default()
            },
            State::Terminated {
                exit_code,
                reason,
                message,
                started,
                finished,
            } => ContainerState {
                terminated: Some(ContainerStateTerminated {
                    exit_code: *exit_code,
                    reason: Some(reason.clone()),
                    message: message.clone(),
                    started_at: started.map(Time),
                    finished_at: Some(Time(*finished)),
                    container_id: self.id.clone(),
                    signal: None,
                }),
                ..ContainerState::default()
            },
        };
        ContainerStatus {
            name: self.name.clone(),
            image: self.image.clone(),
            image_id: format!("job-runner://{}", self.image),
            container_id: self.id.clone(),
            ready: running,
            started: Some(running),
            restart_count: 0,
            state: Some(state),
            ..ContainerStatus::default()
        }
    }

    /// Whether the container exited with code 0.
    pub fn succeeded(&self) -> bool {
        matches!(self.state, State::Terminated { exit_code: 0, .. })
    }

    /// Whether the container exited.
    pub fn terminated(&self) -> bool {
        matches!(self.state, State::Terminated { .. })
    }
}

/// The runner's view of a pod.
#[derive(Debug, Clone)]
pub struct PodView {
    /// `Pending`, `Running`, `Succeeded`, `Failed`.
    pub phase: String,
    /// Pod-level reason (e.g. `DeadlineExceeded`).
    pub reason: Option<String>,
    /// Pod-level message.
    pub message: Option<String>,
    /// When the kubelet accepted the pod.
    pub start_time: Timestamp,
    /// Whether volumes are set up (PodReadyToStartContainers).
    pub sandbox: bool,
    /// Init containers.
    pub init: Vec<Container>,
    /// Containers.
    pub main: Vec<Container>,
    transitions: BTreeMap<String, (String, Timestamp)>,
}

impl PodView {
    /// A pod just accepted by the node: every container waiting with `reason`.
    pub fn new(pod: &Pod, now: Timestamp) -> Self {
        let spec = pod.spec.clone().unwrap_or_default();
        let waiting = |c: &k8s_openapi::api::core::v1::Container, reason: &str| Container {
            name: c.name.clone(),
            image: c.image.clone().unwrap_or_default(),
            id: None,
            state: State::Waiting(reason.to_owned(), None),
        };
        let has_init = spec.init_containers.as_ref().is_some_and(|i| !i.is_empty());
        let main_reason = if has_init {
            "PodInitializing"
        } else {
            "ContainerCreating"
        };
        Self {
            phase: "Pending".to_owned(),
            reason: None,
            message: None,
            start_time: now,
            sandbox: false,
            init: spec
                .init_containers
                .iter()
                .flatten()
                .map(|c| waiting(c, "PodInitializing"))
                .collect(),
            main: spec
                .containers
                .iter()
                .map(|c| waiting(c, main_reason))
                .collect(),
            transitions: BTreeMap::new(),
        }
    }

    fn condition(
        &mut self,
        type_: &str,
        ok: bool,
        reason: Option<&str>,
        message: Option<String>,
        now: Timestamp,
    ) -> PodCondition {
        let status = if ok { "True" } else { "False" }.to_owned();
        let entry = self
            .transitions
            .entry(type_.to_owned())
            .or_insert((status.clone(), now));
        if entry.0 != status {
            *entry = (status.clone(), now);
        }
        PodCondition {
            type_: type_.to_owned(),
            status,
            reason: reason.map(str::to_owned),
            message,
            last_transition_time: Some(Time(entry.1)),
            last_probe_time: None,
            observed_generation: None,
        }
    }

    /// The status to report.
    pub fn status(&mut self, now: Timestamp) -> PodStatus {
        let terminal = self.phase == "Succeeded" || self.phase == "Failed";
        fn names(cs: &[Container], f: &dyn Fn(&Container) -> bool) -> Option<Vec<String>> {
            let bad: Vec<String> = cs
                .iter()
                .filter(|c| !f(c))
                .map(|c| c.name.clone())
                .collect();
            (!bad.is_empty()).then_some(bad)
        }
        let uninit = names(&self.init, &|c| c.succeeded());
        let unready = names(&self.main, &|c| matches!(c.state, State::Running(_)));
        let sandbox = self.sandbox && !terminal;
        let mut conditions =
            vec![self.condition("PodReadyToStartContainers", sandbox, None, None, now)];
        conditions.push(match &uninit {
            None => self.condition("Initialized", true, None, None, now),
            Some(n) => {
                let msg = format!("containers with incomplete status: [{}]", n.join(" "));
                self.condition(
                    "Initialized",
                    false,
                    Some("ContainersNotInitialized"),
                    Some(msg),
                    now,
                )
            }
        });
        let ready = |view: &mut Self, type_: &str| match (&unready, view.phase.as_str()) {
            (_, "Succeeded") => view.condition(type_, false, Some("PodCompleted"), None, now),
            (None, _) => view.condition(type_, true, None, None, now),
            (Some(n), _) => {
                let msg = format!("containers with unready status: [{}]", n.join(" "));
                view.condition(type_, false, Some("ContainersNotReady"), Some(msg), now)
            }
        };
        conditions.push(ready(self, "Ready"));
        conditions.push(ready(self, "ContainersReady"));
        conditions.push(self.condition("PodScheduled", true, None, None, now));
        PodStatus {
            phase: Some(self.phase.clone()),
            reason: self.reason.clone(),
            message: self.message.clone(),
            conditions: Some(conditions),
            host_ip: Some(LOCAL_IP.to_owned()),
            host_ips: Some(vec![HostIP {
                ip: LOCAL_IP.to_owned(),
            }]),
            pod_ip: Some(LOCAL_IP.to_owned()),
            pod_ips: Some(vec![PodIP {
                ip: LOCAL_IP.to_owned(),
            }]),
            start_time: Some(Time(self.start_time)),
            qos_class: Some("BestEffort".to_owned()),
            init_container_statuses: (!self.init.is_empty())
                .then(|| self.init.iter().map(Container::status).collect()),
            container_statuses: Some(self.main.iter().map(Container::status).collect()),
            ..PodStatus::default()
        }
    }
}

/// Writes a pod's status with a JSON merge patch on `/status`.
pub async fn write(api: &Api<Pod>, name: &str, status: &PodStatus) -> Result<(), kube::Error> {
    let patch = serde_json::json!({ "status": status });
    api.patch_status(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_follow_the_kubelet() {
        let pod: Pod =
            serde_yaml::from_str("spec: {containers: [{name: c, image: busybox}]}").unwrap();
        let t0: Timestamp = "2025-01-01T00:00:00Z".parse().unwrap();
        let mut v = PodView::new(&pod, t0);
        let s = v.status(t0);
        let ready = &s.conditions.as_ref().unwrap()[2];
        assert_eq!(
            (ready.type_.as_str(), ready.status.as_str()),
            ("Ready", "False")
        );
        assert_eq!(
            ready.message.as_deref(),
            Some("containers with unready status: [c]")
        );
        let t1: Timestamp = "2025-01-01T00:00:01Z".parse().unwrap();
        v.main[0].state = State::Running(t1);
        v.phase = "Running".into();
        let s = v.status(t1);
        let ready = &s.conditions.as_ref().unwrap()[2];
        assert_eq!(
            (ready.status.as_str(), ready.last_transition_time.clone()),
            ("True", Some(Time(t1)))
        );
        assert_eq!(
            s.container_statuses.as_ref().unwrap()[0].started,
            Some(true)
        );
        v.main[0].state = State::Terminated {
            exit_code: 0,
            reason: "Completed".into(),
            message: None,
            started: Some(t1),
            finished: t1,
        };
        v.phase = "Succeeded".into();
        let s = v.status(t1);
        assert_eq!(
            s.conditions.as_ref().unwrap()[2].reason.as_deref(),
            Some("PodCompleted")
        );
        assert!(s.init_container_statuses.is_none());
    }
}
