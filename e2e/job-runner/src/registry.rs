//! The pods this node runs, shared by the pod runners, the pod sync loop and the log server.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::watch;

/// Why a pod's containers are being stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kill {
    /// The pod has a deletionTimestamp: stop gracefully, then report the final status.
    Terminating,
    /// The pod is gone from the API: stop, report nothing, remove its state.
    Deleted,
    /// The pod's activeDeadlineSeconds passed.
    PodDeadline,
    /// job-runner is stopping: SIGKILL, report nothing.
    Shutdown,
}

/// A container's lifecycle as the log server needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContainerPhase {
    /// Not started; the kubelet's waiting reason.
    Waiting(String),
    /// Started (its log file exists).
    Running,
    /// Exited; its log is complete.
    Terminated,
}

/// One container of a local pod.
#[derive(Debug)]
pub struct LocalContainer {
    /// The CRI-format log file.
    pub log: PathBuf,
    /// Lifecycle, watched by followers of the log.
    pub phase: watch::Sender<ContainerPhase>,
}

/// One pod run by this node.
#[derive(Debug)]
pub struct LocalPod {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// UID.
    pub uid: String,
    /// The pod's state directory.
    pub dir: PathBuf,
    /// Containers (init and regular) by name.
    pub containers: BTreeMap<String, Arc<LocalContainer>>,
    /// Set to stop the pod's containers.
    pub kill: watch::Sender<Option<Kill>>,
    /// Whether the pod's runner has finished.
    pub finished: watch::Sender<bool>,
}

impl LocalPod {
    /// Asks the runner to stop the pod (the first reason sticks, except that deletion and
    /// shutdown override a graceful stop).
    pub fn stop(&self, why: Kill) {
        self.kill.send_if_modified(|k| match k {
            None => {
                *k = Some(why);
                true
            }
            Some(Kill::Terminating | Kill::PodDeadline)
                if matches!(why, Kill::Deleted | Kill::Shutdown) =>
            {
                *k = Some(why);
                true
            }
            _ => false,
        });
    }
}

/// All local pods, by UID.
#[derive(Debug, Default)]
pub struct Registry {
    pods: Mutex<BTreeMap<String, Arc<LocalPod>>>,
}

impl Registry {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, Arc<LocalPod>>> {
        // A panic while holding this lock leaves a plain map behind; its content is still valid.
        self.pods
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Adds a pod; false if one with this UID is already known.
    pub fn insert(&self, pod: Arc<LocalPod>) -> bool {
        let mut pods = self.lock();
        if pods.contains_key(&pod.uid) {
            return false;
        }
        pods.insert(pod.uid.clone(), pod);
        true
    }

    /// The pod with this UID.
    pub fn get(&self, uid: &str) -> Option<Arc<LocalPod>> {
        self.lock().get(uid).cloned()
    }

    /// Removes the pod with this UID.
    pub fn remove(&self, uid: &str) -> Option<Arc<LocalPod>> {
        self.lock().remove(uid)
    }

    /// The newest-known pod with this namespace and name.
    pub fn by_name(&self, namespace: &str, name: &str) -> Option<Arc<LocalPod>> {
        self.lock()
            .values()
            .rev()
            .find(|p| p.namespace == namespace && p.name == name)
            .cloned()
    }

    /// Every local pod.
    pub fn all(&self) -> Vec<Arc<LocalPod>> {
        self.lock().values().cloned().collect()
    }
}
