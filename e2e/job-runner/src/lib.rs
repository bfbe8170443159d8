//! **Test-only.** job-runner stands in for a kubelet and the Job controller so that dbmigrate's
//! e2e tests can run batch/v1 Jobs as local processes, without Docker or kind. Never use it to
//! run anything but tests: it executes whatever the Jobs it watches ask for, as root if it is
//! root.
//!
//! # What it does
//! - Registers a Node (`--node-name`) whose kubelet endpoint is its log server
//!   (`/containerLogs/NS/POD/CONTAINER`), and keeps its Ready heartbeat fresh.
//! - Watches Jobs (`--namespace`, `--selector`) and acts as their controller (1.33 semantics
//!   for NonIndexed Jobs: pods with `generateName`, the controller labels, owner reference and
//!   `batch.kubernetes.io/job-tracking` finalizer; `uncountedTerminatedPods` two-phase counting;
//!   `SuccessCriteriaMet`/`Complete`, `FailureTarget`/`Failed` with `BackoffLimitExceeded` or
//!   `DeadlineExceeded`; exponential replacement backoff from `--pod-backoff-secs`;
//!   `ttlSecondsAfterFinished`). It is also the scheduler: its pods get `spec.nodeName`.
//! - Runs every pod bound to its node as the kubelet would: volumes, init containers in order,
//!   then the containers concurrently; each container is a process in its own session. The
//!   images config (`--images`) says which local executable stands for which image.
//!
//! # Paths inside containers
//! As root, each container process gets a private mount namespace: volumes are bind-mounted at
//! their `mountPath` (missing mount points are created on the host first), the termination
//! message file at `terminationMessagePath`, and `readOnlyRootFilesystem` remounts `/`
//! read-only; then it switches to `runAsGroup`/`runAsUser` (or the image's `user`).
//!
//! # Images with a root filesystem
//! An images-config entry with `rootfs: <dir>` is an image whose files are that directory (no
//! host program is ever used for it). Its containers run as a container runtime runs them: in
//! the private mount namespace, an overlay over the directory with a layer of the container's
//! own (writes reach neither the image nor other containers), `/proc`, `/dev/{null,zero,full,
//! random,urandom,tty}`, the kubelet's `/etc/hosts` (with `hostAliases`; the pod's address is
//! 127.0.0.1), `/etc/hostname` and the node's `/etc/resolv.conf`, then the volumes and the
//! termination message file, and a chroot into it. The environment is the image's `env`
//! (`PATH` defaults to containerd's) and the container's, without any host variable; the
//! program is looked up in the rootfs and the volumes. This needs root: not as root, such a
//! container fails to start (`StartError`).
//!
//! Not as root there is no namespace and no user switch. Instead, paths in the command,
//! arguments, environment values and `workingDir` that start with a `mountPath` (or the
//! `terminationMessagePath`) are rewritten to the materialised path under `--state-dir`
//! (`pods/<ns>_<pod>_<uid>/volumes/<volume>[/<subPath>]`, `.../termination/<container>`). A
//! path is recognised at the start of a value or after whitespace, `=`, `:`, `,`, `;`, `(` or a
//! quote (so `--config=/etc/app/x` and `sh -c 'cat /etc/app/x'` work); paths a program computes
//! itself are not rewritten.
//!
//! # Restarts
//! job-runner cannot re-attach to processes of an earlier run. On start, pods bound to its node
//! that are not finished are marked Failed (pod reason `NodeRestarted`, containers terminated
//! with exit code 137 and reason `ContainerStatusUnknown`, the kubelet's wording for vanished
//! containers); their Jobs then count a failure and replace them as usual. Logs of pods run by
//! an earlier job-runner are still served from `--state-dir`; state directories of pods that no
//! longer exist are removed.
//!
//! # Not supported
//! Indexed Jobs, `restartPolicy: OnFailure` restarts (a failed container fails the pod),
//! suspending a running Job (a suspended Job is left alone), pod failure/success policies,
//! probes, resource limits, Events, and volume types other than configMap, secret, emptyDir
//! and hostPath.

pub mod config;
pub mod job_sync;
pub mod jobctl;
pub mod kubelet;
pub mod logs;
pub mod node;
pub mod pod_files;
pub mod pod_runner;
pub mod pod_status;
pub mod prepare;
pub mod process;
pub mod registry;
pub mod rootfs;
pub mod run;
pub mod termination;
pub mod volumes;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use run::{Args, RunError, run};

/// Everything the loops and runners share.
pub struct Context {
    /// The API client.
    pub client: kube::Client,
    /// This node's name.
    pub node: String,
    /// The images config.
    pub images: config::Images,
    /// Where pod state (volumes, logs, termination messages) lives.
    pub state_dir: PathBuf,
    /// The local pods.
    pub registry: Arc<registry::Registry>,
    /// The first pod replacement delay.
    pub backoff: Duration,
    /// The namespaces in scope (empty: all).
    pub namespaces: Vec<String>,
    /// Whether containers get a mount namespace and user switch.
    pub as_root: bool,
}
