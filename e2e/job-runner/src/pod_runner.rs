//! Running one pod as the kubelet would: volumes, then init containers in order, then the
//! containers concurrently; every state change reported on the pod's `/status`.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use k8s_openapi::api::core::v1::{ConfigMap, Container, Pod, Secret};
use k8s_openapi::jiff::Timestamp;
use kube::Api;
use kube::api::DeleteParams;
use tokio::sync::watch;
use tracing::{Instrument, info, warn};

use crate::Context;
use crate::config::CommandError;
use crate::logs::plain_text;
use crate::pod_files;
use crate::pod_status::{self, PodView, State};
use crate::prepare::{self, PrepareError, Refs};
use crate::process::{self, Spec};
use crate::registry::{ContainerPhase, Kill, LocalContainer, LocalPod};
use crate::rootfs;
use crate::termination;
use crate::volumes::{self, Mount, Volumes};

/// How often a pod blocked on a missing Secret/ConfigMap is retried (the kubelet's resync).
const RETRY: Duration = Duration::from_secs(2);
/// The longest grace period job-runner waits between SIGTERM and SIGKILL.
const MAX_GRACE: Duration = Duration::from_secs(30);
/// The default `terminationMessagePath`.
const TERMINATION_LOG: &str = "/dev/termination-log";

/// The state directory of a pod.
pub fn pod_dir(ctx: &Context, pod: &Pod) -> PathBuf {
    let m = &pod.metadata;
    let part = |v: &Option<String>| v.clone().unwrap_or_default();
    ctx.state_dir.join("pods").join(format!(
        "{}_{}_{}",
        part(&m.namespace),
        part(&m.name),
        part(&m.uid)
    ))
}

/// Registers `pod` locally and starts running it (no-op if it already runs).
pub fn start(ctx: Arc<Context>, pod: Pod) {
    let dir = pod_dir(&ctx, &pod);
    let spec = pod.spec.clone().unwrap_or_default();
    let containers = spec
        .init_containers
        .iter()
        .flatten()
        .chain(&spec.containers)
        .map(|c| {
            let local = LocalContainer {
                log: dir.join("logs").join(format!("{}.log", c.name)),
                phase: watch::Sender::new(ContainerPhase::Waiting("ContainerCreating".to_owned())),
            };
            (c.name.clone(), Arc::new(local))
        })
        .collect();
    let local = Arc::new(LocalPod {
        namespace: pod.metadata.namespace.clone().unwrap_or_default(),
        name: pod.metadata.name.clone().unwrap_or_default(),
        uid: pod.metadata.uid.clone().unwrap_or_default(),
        dir,
        containers,
        kill: watch::Sender::new(None),
        finished: watch::Sender::new(false),
    });
    if !ctx.registry.insert(local.clone()) {
        return;
    }
    let span = tracing::info_span!("pod", pod = %format!("{}/{}", local.namespace, local.name));
    tokio::spawn(
        async move {
            let runner = Runner::new(ctx.clone(), pod, local.clone());
            runner.run().await;
            local.finished.send_replace(true);
            let why = *local.kill.borrow();
            match why {
                Some(Kill::Deleted) => cleanup(&ctx, &local),
                Some(Kill::Terminating) => {
                    // The kubelet's final delete once the containers are gone.
                    let api: Api<Pod> = Api::namespaced(ctx.client.clone(), &local.namespace);
                    if let Err(e) = api
                        .delete(&local.name, &DeleteParams::default().grace_period(0))
                        .await
                    {
                        info!(error = %e, "final delete of terminated pod");
                    }
                }
                _ => {}
            }
        }
        .instrument(span),
    );
}

/// Removes a deleted pod's state directory and forgets it.
pub fn cleanup(ctx: &Context, local: &LocalPod) {
    if let Err(e) = std::fs::remove_dir_all(&local.dir)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        warn!(dir = %local.dir.display(), error = %e, "cannot remove pod state");
    }
    ctx.registry.remove(&local.uid);
    info!(pod = %local.name, "pod removed");
}

/// Reads the Secrets and ConfigMaps the pod refers to.
async fn fetch_refs(ctx: &Context, pod: &Pod) -> Result<Refs, kube::Error> {
    let ns = pod.metadata.namespace.clone().unwrap_or_default();
    let (secret_names, cm_names) = prepare::referenced(pod);
    let mut refs = Refs::default();
    let secrets: Api<Secret> = Api::namespaced(ctx.client.clone(), &ns);
    for name in secret_names {
        let s = secrets.get_opt(&name).await?;
        let data = s.map(|s| {
            let mut d: BTreeMap<String, Vec<u8>> = s
                .string_data
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| (k, v.into_bytes()))
                .collect();
            d.extend(
                s.data
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(k, v)| (k, v.0)),
            );
            d
        });
        refs.secrets.insert(name, data);
    }
    let cms: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &ns);
    for name in cm_names {
        let c = cms.get_opt(&name).await?;
        let data = c.map(|c| {
            let mut d: BTreeMap<String, Vec<u8>> = c
                .binary_data
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| (k, v.0))
                .collect();
            d.extend(
                c.data
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(k, v)| (k, v.into_bytes())),
            );
            d
        });
        refs.config_maps.insert(name, data);
    }
    Ok(refs)
}

/// Which container list a container is in.
#[derive(Debug, Clone, Copy)]
enum Slot {
    Init(usize),
    Main(usize),
}

struct Runner {
    ctx: Arc<Context>,
    pod: Pod,
    local: Arc<LocalPod>,
    api: Api<Pod>,
    view: Mutex<PodView>,
    write: tokio::sync::Mutex<()>,
}

impl Runner {
    fn new(ctx: Arc<Context>, pod: Pod, local: Arc<LocalPod>) -> Self {
        let api = Api::namespaced(ctx.client.clone(), &local.namespace);
        let view = Mutex::new(PodView::new(&pod, Timestamp::now()));
        Self {
            ctx,
            pod,
            local,
            api,
            view,
            write: tokio::sync::Mutex::new(()),
        }
    }

    fn view(&self) -> MutexGuard<'_, PodView> {
        // The view is plain data; a panic elsewhere does not make it unusable.
        self.view
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn killed(&self) -> Option<Kill> {
        *self.local.kill.borrow()
    }

    /// Writes the current status (not for a deleted pod or on shutdown).
    async fn report(&self) {
        let _serial = self.write.lock().await;
        if matches!(self.killed(), Some(Kill::Deleted | Kill::Shutdown)) {
            return;
        }
        let status = self.view().status(Timestamp::now());
        if let Err(e) = pod_status::write(&self.api, &self.local.name, &status).await {
            warn!(error = %e, "cannot write pod status");
        }
    }

    fn set(&self, slot: Slot, state: State) {
        let mut v = self.view();
        let c = match slot {
            Slot::Init(i) => &mut v.init[i],
            Slot::Main(i) => &mut v.main[i],
        };
        if matches!(state, State::Running(_)) {
            c.id = Some(format!("job-runner://{}-{}", self.local.uid, c.name));
        }
        if let Some(local) = self.local.containers.get(&c.name) {
            // For the log server; a terminated container's log is complete by now.
            local.phase.send_replace(match &state {
                State::Waiting(reason, _) => ContainerPhase::Waiting(reason.clone()),
                State::Running(_) => ContainerPhase::Running,
                State::Terminated { .. } => ContainerPhase::Terminated,
            });
        }
        c.state = state;
    }

    /// Sleeps for `d` unless the pod is stopped first; whether it was stopped.
    async fn pause(&self, d: Duration) -> bool {
        let mut kill = self.local.kill.subscribe();
        let _ = tokio::time::timeout(d, kill.wait_for(Option::is_some)).await;
        self.killed().is_some()
    }

    async fn run(&self) {
        info!("starting pod");
        let spec = self.pod.spec.clone().unwrap_or_default();
        let deadline = spec.active_deadline_seconds.map(|s| {
            let local = self.local.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs(s.try_into().unwrap_or(0))).await;
                local.stop(Kill::PodDeadline);
            })
        });
        self.report().await;
        let phase = self.lifecycle(&spec).await;
        if let Some(d) = deadline {
            d.abort();
        }
        {
            let mut v = self.view();
            v.phase = phase.to_owned();
            if self.killed() == Some(Kill::PodDeadline) {
                v.phase = "Failed".to_owned();
                v.reason = Some("DeadlineExceeded".to_owned());
                v.message = Some(
                    "Pod was active on the node longer than the specified deadline".to_owned(),
                );
            }
        }
        info!(phase, "pod finished");
        self.report().await;
    }

    /// Runs the pod to its end; its final phase.
    async fn lifecycle(&self, spec: &k8s_openapi::api::core::v1::PodSpec) -> &'static str {
        let Some(volumes) = self.volumes().await else {
            return "Failed";
        };
        let pod_files = match pod_files::write(&self.pod, &self.local.dir.join("etc")) {
            Ok(mounts) => mounts,
            Err(e) => {
                warn!(error = %e, "cannot write the pod's /etc files");
                return "Failed";
            }
        };
        self.view().sandbox = true;
        self.report().await;
        for (i, c) in spec.init_containers.iter().flatten().enumerate() {
            if !self.container(Slot::Init(i), c, &volumes, &pod_files).await {
                return "Failed";
            }
        }
        if !spec.init_containers.as_ref().is_none_or(Vec::is_empty) {
            let mut v = self.view();
            for c in &mut v.main {
                c.state = State::Waiting("ContainerCreating".to_owned(), None);
            }
        }
        let runs = spec
            .containers
            .iter()
            .enumerate()
            .map(|(i, c)| self.container(Slot::Main(i), c, &volumes, &pod_files));
        let results = futures_util::future::join_all(runs).await;
        if results.iter().all(|ok| *ok) {
            "Succeeded"
        } else {
            "Failed"
        }
    }

    /// Materialises the volumes, retrying while references are missing.
    async fn volumes(&self) -> Option<Volumes> {
        let dir = self.local.dir.join("volumes");
        loop {
            if self.killed().is_some() {
                return None;
            }
            match fetch_refs(&self.ctx, &self.pod).await {
                Ok(refs) => match volumes::materialise(&self.pod, &dir, &refs) {
                    Ok(v) => return Some(v),
                    Err(e) => warn!(error = %e, "volumes not ready"),
                },
                Err(e) => warn!(error = %e, "cannot read the pod's Secrets/ConfigMaps"),
            }
            if self.pause(RETRY).await {
                return None;
            }
        }
    }

    /// Runs one container to its end; whether it exited 0. A rootfs container also gets the
    /// pod's `/etc` files and the device nodes (a host program sees the host's).
    async fn container(
        &self,
        slot: Slot,
        c: &Container,
        volumes: &Volumes,
        pod_files: &[Mount],
    ) -> bool {
        let mut mounts = match volumes.mounts(c) {
            Ok(m) => m,
            Err(e) => {
                self.set(
                    slot,
                    State::Waiting("CreateContainerConfigError".to_owned(), Some(e.to_string())),
                );
                return false;
            }
        };
        let prepared = loop {
            if self.killed().is_some() {
                return false;
            }
            let result = match fetch_refs(&self.ctx, &self.pod).await {
                Ok(refs) => prepare::prepare(&self.pod, c, &self.ctx.images, &refs, &mounts),
                Err(e) => {
                    warn!(error = %e, "cannot read the pod's Secrets/ConfigMaps");
                    if self.pause(RETRY).await {
                        return false;
                    }
                    continue;
                }
            };
            match result {
                Ok(p) => break p,
                Err(PrepareError::Command(e @ CommandError::NoImage { .. })) => {
                    warn!(container = %c.name, error = %e, "no image");
                    self.set(
                        slot,
                        State::Waiting("ErrImagePull".to_owned(), Some(e.to_string())),
                    );
                    return false;
                }
                Err(PrepareError::Command(e)) => {
                    self.start_error(slot, &e.to_string());
                    return false;
                }
                Err(e) => {
                    warn!(container = %c.name, error = %e, "CreateContainerConfigError");
                    self.set(
                        slot,
                        State::Waiting(
                            "CreateContainerConfigError".to_owned(),
                            Some(e.to_string()),
                        ),
                    );
                    self.report().await;
                    if self.pause(RETRY).await {
                        return false;
                    }
                }
            }
        };
        if prepared.command.rootfs.is_some() {
            let extra = pod_files
                .iter()
                .cloned()
                .chain(rootfs::device_mounts())
                .collect();
            let extra = pod_files::not_shadowed(extra, &mounts);
            mounts.extend(extra);
        }
        let term_dir = self.local.dir.join("termination");
        let term_file = term_dir.join(&c.name);
        let made = std::fs::create_dir_all(&term_dir)
            .and_then(|()| std::fs::write(&term_file, b""))
            .and_then(|()| {
                std::fs::set_permissions(&term_file, std::fs::Permissions::from_mode(0o666))
            });
        if let Err(e) = made {
            self.start_error(slot, &format!("cannot create {}: {e}", term_file.display()));
            return false;
        }
        let term_path = c.termination_message_path.clone().filter(|p| !p.is_empty());
        mounts.push(Mount {
            source: term_file.clone(),
            target: PathBuf::from(term_path.as_deref().unwrap_or(TERMINATION_LOG)),
            read_only: false,
        });
        let log = self.local.dir.join("logs").join(format!("{}.log", c.name));
        if let Some(parent) = log.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let spec = Spec {
            prepared,
            mounts,
            working_dir: c.working_dir.clone(),
            namespace: self.ctx.as_root,
            log: log.clone(),
            hostname: self.local.name.clone(),
            layer: self.local.dir.join("layers").join(&c.name),
        };
        let running = match process::spawn(&spec) {
            Ok(r) => r,
            Err(e) => {
                self.start_error(slot, &e.to_string());
                return false;
            }
        };
        let started = Timestamp::now();
        info!(container = %c.name, program = %spec.prepared.command.program.display(), "container started");
        self.set(slot, State::Running(started));
        if matches!(slot, Slot::Main(_)) {
            self.view().phase = "Running".to_owned();
        }
        self.report().await;
        let mut kill = self.local.kill.subscribe();
        let code = running.wait(&mut kill, self.grace()).await;
        let log_text = || plain_text(&std::fs::read(&log).unwrap_or_default());
        let policy = c.termination_message_policy.as_deref();
        let message = termination::message(&term_file, policy, code, &log_text);
        let reason = if code == 0 { "Completed" } else { "Error" };
        info!(container = %c.name, exit_code = code, "container exited");
        self.set(
            slot,
            State::Terminated {
                exit_code: code,
                reason: reason.to_owned(),
                message,
                started: Some(started),
                finished: Timestamp::now(),
            },
        );
        self.report().await;
        code == 0
    }

    /// The container could not be started (containerd's `StartError`, exit code 128).
    fn start_error(&self, slot: Slot, message: &str) {
        warn!(error = message, "StartError");
        let now = Timestamp::now();
        self.set(
            slot,
            State::Terminated {
                exit_code: 128,
                reason: "StartError".to_owned(),
                message: Some(message.to_owned()),
                started: None,
                finished: now,
            },
        );
    }

    /// Between SIGTERM and SIGKILL: the deletion's grace period, else the pod's, capped.
    fn grace(&self) -> Duration {
        let secs = self
            .pod
            .metadata
            .deletion_grace_period_seconds
            .or(self
                .pod
                .spec
                .as_ref()
                .and_then(|s| s.termination_grace_period_seconds))
            .unwrap_or(30);
        Duration::from_secs(u64::try_from(secs).unwrap_or(0)).min(MAX_GRACE)
    }
}

/// Marks a pod this node no longer runs (found after a job-runner restart) as Failed, the way
/// the kubelet reports containers that vanished.
pub async fn mark_lost(ctx: &Context, pod: &Pod) -> Result<(), kube::Error> {
    let now = Timestamp::now();
    let mut view = PodView::new(
        pod,
        pod.status
            .as_ref()
            .and_then(|s| s.start_time.as_ref())
            .map_or(now, |t| t.0),
    );
    view.phase = "Failed".to_owned();
    view.reason = Some("NodeRestarted".to_owned());
    view.message = Some(format!(
        "job-runner on node {} restarted and cannot re-attach to the pod's containers",
        ctx.node
    ));
    for c in view.init.iter_mut().chain(view.main.iter_mut()) {
        c.state = State::Terminated {
            exit_code: 137,
            reason: "ContainerStatusUnknown".to_owned(),
            message: Some(
                "The container could not be located when the pod was terminated".to_owned(),
            ),
            started: None,
            finished: now,
        };
    }
    let api: Api<Pod> = Api::namespaced(
        ctx.client.clone(),
        pod.metadata.namespace.as_deref().unwrap_or_default(),
    );
    pod_status::write(
        &api,
        pod.metadata.name.as_deref().unwrap_or_default(),
        &view.status(now),
    )
    .await
}
