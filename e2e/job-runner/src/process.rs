//! Starting a container as a local process: its own session (process group), a private mount
//! namespace with its volumes bind-mounted (when job-runner is root) — in the root a `rootfs`
//! image gets (`rootfs.rs`), chrooted — its user, its working directory, and stdout/stderr
//! captured into a CRI-format log file.

use std::ffi::CString;
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::jiff::Timestamp;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader};
use tokio::sync::{Mutex, watch};
use tokio::task::JoinHandle;

use crate::logs::cri_line;
use crate::prepare::Prepared;
use crate::registry::Kill;
use crate::rootfs::RootFs;
use crate::volumes::{Mount, rewrite_path};

/// Host environment variables passed through to containers (besides the container's own).
pub const PASS_ENV: &[&str] = &["PATH", "TMPDIR", "LLVM_PROFILE_FILE", "RUST_BACKTRACE"];

/// Why a container process could not be started (kubelet: `StartError`, exit code 128).
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    /// A path contains a NUL byte.
    #[error("path {path:?} contains a NUL byte")]
    Nul {
        /// The path.
        path: PathBuf,
    },
    /// Preparing a mount target on the host failed.
    #[error("cannot create mount target {path}: {source}")]
    Target {
        /// The target.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The log file could not be created.
    #[error("cannot create log file {path}: {source}")]
    Log {
        /// The log file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A rootfs image's container needs a mount namespace and chroot, which need root.
    #[error(
        "failed to create containerd task: image root filesystem {rootfs}: job-runner runs \
         rootfs images only as root (mount namespace, overlay, chroot)"
    )]
    NeedsRoot {
        /// The image's root filesystem.
        rootfs: PathBuf,
    },
    /// A path overlayfs cannot take as a layer.
    #[error("overlay layer {path}: the path must not contain `,`, `:` or `\\`")]
    RootfsPath {
        /// The path.
        path: PathBuf,
    },
    /// fork/exec failed (also: mount or setuid failed in the child).
    #[error("failed to create containerd task: failed to start {program}: {source}")]
    Exec {
        /// The program.
        program: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

/// Everything needed to start one container process.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Command, env and identity.
    pub prepared: Prepared,
    /// Volume bind mounts plus the termination message file.
    pub mounts: Vec<Mount>,
    /// `workingDir`.
    pub working_dir: Option<String>,
    /// Use a private mount namespace (requires root); otherwise paths are rewritten.
    pub namespace: bool,
    /// The CRI log file to append to.
    pub log: PathBuf,
    /// `HOSTNAME` (the pod name).
    pub hostname: String,
    /// The container's own directory: the writable layer of a rootfs image.
    pub layer: PathBuf,
}

/// A started container process.
#[derive(Debug)]
pub struct Running {
    child: tokio::process::Child,
    pgid: i32,
    pumps: Vec<JoinHandle<()>>,
}

fn cstring(p: &Path) -> Result<CString, SpawnError> {
    CString::new(p.as_os_str().as_bytes()).map_err(|_| SpawnError::Nul { path: p.to_owned() })
}

/// Whether the file is an ELF executable (starts with `\x7fELF`).
fn is_elf(file: &std::fs::File) -> bool {
    use std::os::unix::fs::FileExt;
    let mut magic = [0u8; 4];
    file.read_exact_at(&mut magic, 0).is_ok() && magic == *b"\x7fELF"
}

/// Creates a mount point at `target` (on the host, or in a rootfs container's upper layer): a
/// directory for a directory source, else a file (for files and device nodes).
fn ensure_target(source: &Path, target: &Path) -> Result<(), SpawnError> {
    let err = |source| SpawnError::Target {
        path: target.to_owned(),
        source,
    };
    if target.symlink_metadata().is_ok() {
        return Ok(());
    }
    if source.is_dir() {
        std::fs::create_dir_all(target).map_err(err)?;
    } else {
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(err)?;
        }
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(target)
            .map_err(err)?;
    }
    Ok(())
}

/// `open_tree(2)`: clone the mount tree at the path (not yet in the libc crate for glibc).
const OPEN_TREE_CLONE: libc::c_uint = 1;
/// `open_tree(2)`: with the mounts below it.
const AT_RECURSIVE: libc::c_uint = 0x8000;
/// `move_mount(2)`: the source is the file descriptor itself.
const MOVE_MOUNT_F_EMPTY_PATH: libc::c_uint = 4;

fn check(rc: libc::c_int) -> std::io::Result<()> {
    if rc < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Starts the process described by `spec`.
pub fn spawn(spec: &Spec) -> Result<Running, SpawnError> {
    let p = &spec.prepared;
    let root = match &p.command.rootfs {
        Some(image) if !spec.namespace => {
            return Err(SpawnError::NeedsRoot {
                rootfs: image.clone(),
            });
        }
        Some(image) => Some(RootFs {
            image: image.clone(),
            layer: spec.layer.clone(),
        }),
        None => None,
    };
    let rewrite = |v: &str| {
        if spec.namespace {
            v.to_owned()
        } else {
            rewrite_path(v, &spec.mounts)
        }
    };
    // In a namespace the program is run through a descriptor opened now: a volume mounted
    // over one of its ancestors (an emptyDir at /tmp, a build under /tmp) cannot hide it.
    // (ELF only: a `#!` script run this way would hand its interpreter a closed descriptor.)
    let program = (spec.namespace && root.is_none())
        .then(|| std::fs::File::open(&p.command.program).ok())
        .flatten()
        .filter(is_elf);
    let mut cmd = match &program {
        Some(file) => tokio::process::Command::new(format!("/proc/self/fd/{}", file.as_raw_fd())),
        None => tokio::process::Command::new(&p.command.program),
    };
    cmd.arg0(rewrite(&p.command.arg0));
    cmd.args(p.command.args.iter().map(|a| rewrite(a)));
    cmd.env_clear();
    // a host program gets the host's PATH and the like; a rootfs container only its own
    for k in PASS_ENV.iter().filter(|_| root.is_none()) {
        if let Some(v) = std::env::var_os(k) {
            cmd.env(k, v);
        }
    }
    cmd.env("HOSTNAME", &spec.hostname);
    for (k, v) in &p.env {
        cmd.env(k, rewrite(v));
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());

    let workdir = spec
        .working_dir
        .as_deref()
        .filter(|w| !w.is_empty())
        .map(|w| PathBuf::from(rewrite(w)))
        // in its own mount namespace a container starts in `/` (the images' usual WORKDIR),
        // never in job-runner's directory, which its volumes may hide
        .or_else(|| spec.namespace.then(|| PathBuf::from("/")));
    let mut binds = Vec::new();
    if spec.namespace {
        for m in &spec.mounts {
            let (create, mount_at) = match &root {
                Some(root) => (root.upper(&m.target), root.mounted(&m.target)),
                None => (m.target.clone(), m.target.clone()),
            };
            ensure_target(&m.source, &create)?;
            binds.push((cstring(&m.source)?, cstring(&mount_at)?, m.read_only));
        }
    }
    let overlay = root.as_ref().map(RootFs::prepare).transpose()?;
    if let (Some(w), false) = (&workdir, spec.namespace) {
        // Without a namespace the (rewritten) working directory is a host path.
        let _ = std::fs::create_dir_all(w);
    }
    // runc creates a missing working directory inside the container; so do we, after the
    // mounts (the chain of its ancestors is allocated here, before fork).
    let workdir_chain: Vec<CString> = match &workdir {
        Some(w) if spec.namespace => w
            .ancestors()
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .skip(1)
            .map(cstring)
            .collect::<Result<_, _>>()?,
        _ => Vec::new(),
    };
    let workdir = workdir.as_deref().map(cstring).transpose()?;
    let mut trees: Vec<libc::c_int> = vec![-1; binds.len()];
    let (namespace, ro_root, uid, gid) = (
        spec.namespace,
        p.read_only_root && spec.namespace,
        p.uid,
        p.gid,
    );
    let (uid, gid) = if namespace { (uid, gid) } else { (None, None) };
    let pre_exec = move || -> std::io::Result<()> {
        // Only async-signal-safe calls below: everything was allocated before fork.
        // SAFETY (whole block): plain libc calls on valid NUL-terminated strings.
        unsafe {
            check(libc::setsid())?;
            if namespace {
                check(libc::unshare(libc::CLONE_NEWNS))?;
                let none = c"none".as_ptr();
                let root = c"/".as_ptr();
                let null = std::ptr::null::<libc::c_char>();
                let no_data = std::ptr::null::<libc::c_void>();
                check(libc::mount(
                    none,
                    root,
                    null,
                    libc::MS_REC | libc::MS_PRIVATE,
                    no_data,
                ))?;
                // Every source is cloned before anything is mounted, so a mount over one of
                // its ancestors (an emptyDir at /tmp while the state directory is under /tmp)
                // cannot hide a later one.
                for ((src, _, _), tree) in binds.iter().zip(trees.iter_mut()) {
                    let flags = OPEN_TREE_CLONE | AT_RECURSIVE | libc::O_CLOEXEC as libc::c_uint;
                    let fd =
                        libc::syscall(libc::SYS_open_tree, libc::AT_FDCWD, src.as_ptr(), flags);
                    *tree = libc::c_int::try_from(fd).unwrap_or(-1);
                    check(*tree)?;
                }
                if let Some(overlay) = &overlay {
                    overlay.mount()?;
                }
                for ((_, dst, ro), tree) in binds.iter().zip(trees.iter()) {
                    let moved = libc::syscall(
                        libc::SYS_move_mount,
                        *tree,
                        c"".as_ptr(),
                        libc::AT_FDCWD,
                        dst.as_ptr(),
                        MOVE_MOUNT_F_EMPTY_PATH,
                    );
                    check(libc::c_int::try_from(moved).unwrap_or(-1))?;
                    if *ro {
                        let flags = libc::MS_REMOUNT | libc::MS_BIND | libc::MS_RDONLY;
                        check(libc::mount(none, dst.as_ptr(), null, flags, no_data))?;
                    }
                }
                // from here on a rootfs container's paths are its own
                if let Some(overlay) = &overlay {
                    overlay.enter()?;
                }
                for dir in &workdir_chain {
                    // EEXIST and the like surface in chdir below.
                    libc::mkdir(dir.as_ptr(), 0o755);
                }
                if ro_root {
                    let flags = libc::MS_REMOUNT | libc::MS_BIND | libc::MS_RDONLY;
                    check(libc::mount(none, root, null, flags, no_data))?;
                }
            }
            if let Some(dir) = &workdir {
                check(libc::chdir(dir.as_ptr()))?;
            }
            if uid.is_some() || gid.is_some() {
                check(libc::setgroups(0, std::ptr::null()))?;
            }
            if let Some(g) = gid {
                check(libc::setgid(g))?;
            }
            if let Some(u) = uid {
                check(libc::setuid(u))?;
            }
            // After setuid, which clears it: die with job-runner.
            check(libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL))?;
        }
        Ok(())
    };
    // SAFETY: the closure only makes async-signal-safe libc calls on pre-allocated data.
    unsafe { cmd.pre_exec(pre_exec) };

    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&spec.log)
        .map_err(|source| SpawnError::Log {
            path: spec.log.clone(),
            source,
        })?;
    let mut child = cmd.spawn().map_err(|source| SpawnError::Exec {
        program: p.command.program.clone(),
        source,
    })?;
    drop(program);
    let pgid = child
        .id()
        .and_then(|id| i32::try_from(id).ok())
        .unwrap_or(0);
    let log = Arc::new(Mutex::new(tokio::fs::File::from_std(log)));
    let mut pumps = Vec::new();
    if let Some(out) = child.stdout.take() {
        pumps.push(tokio::spawn(pump(out, "stdout", log.clone())));
    }
    if let Some(err) = child.stderr.take() {
        pumps.push(tokio::spawn(pump(err, "stderr", log)));
    }
    Ok(Running { child, pgid, pumps })
}

/// Copies a stream line by line into the log.
async fn pump(
    stream: impl AsyncRead + Unpin,
    name: &'static str,
    log: Arc<Mutex<tokio::fs::File>>,
) {
    let mut reader = BufReader::new(stream);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                let entry = cri_line(Timestamp::now(), name, &line);
                let mut f = log.lock().await;
                if let Err(e) = f.write_all(&entry).await {
                    tracing::warn!(error = %e, "cannot write container log");
                }
                let _ = f.flush().await;
            }
        }
    }
}

fn killpg(pgid: i32, sig: libc::c_int) {
    if pgid > 0 {
        // SAFETY: sending a signal has no memory-safety preconditions; ESRCH is fine.
        unsafe { libc::kill(-pgid, sig) };
    }
}

impl Running {
    /// Waits for the process to exit, stopping it when `kill` says so (SIGTERM, SIGKILL after
    /// `grace`; SIGKILL at once for deletion and shutdown). Returns the exit code (128+signal
    /// when killed by a signal); the log is complete when this returns.
    pub async fn wait(mut self, kill: &mut watch::Receiver<Option<Kill>>, grace: Duration) -> i32 {
        let status = loop {
            let why = *kill.borrow();
            if why.is_some() {
                break self.stop(why, grace).await;
            }
            tokio::select! {
                s = self.child.wait() => break s,
                changed = kill.changed() => if changed.is_err() {
                    // The pod's sender is gone: nobody can stop us any more, just wait.
                    break self.child.wait().await;
                },
            }
        };
        // The container's "pid namespace" ends with its main process.
        killpg(self.pgid, libc::SIGKILL);
        for pump in self.pumps.drain(..) {
            let _ = tokio::time::timeout(Duration::from_secs(2), pump).await;
        }
        match status {
            Ok(s) => s
                .code()
                .or_else(|| s.signal().map(|sig| 128 + sig))
                .unwrap_or(128),
            Err(e) => {
                tracing::warn!(error = %e, "cannot wait for container process");
                128
            }
        }
    }

    async fn stop(
        &mut self,
        why: Option<Kill>,
        grace: Duration,
    ) -> std::io::Result<std::process::ExitStatus> {
        if matches!(why, Some(Kill::Shutdown | Kill::Deleted)) {
            killpg(self.pgid, libc::SIGKILL);
            return self.child.wait().await;
        }
        killpg(self.pgid, libc::SIGTERM);
        match tokio::time::timeout(grace, self.child.wait()).await {
            Ok(s) => s,
            Err(_) => {
                killpg(self.pgid, libc::SIGKILL);
                self.child.wait().await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ResolvedCommand;

    fn spec(dir: &Path, script: &str) -> Spec {
        Spec {
            prepared: Prepared {
                command: ResolvedCommand {
                    program: PathBuf::from("/bin/sh"),
                    rootfs: None,
                    arg0: "sh".to_owned(),
                    args: vec!["-c".to_owned(), script.to_owned()],
                },
                env: vec![("GREETING".to_owned(), "hi".to_owned())],
                uid: None,
                gid: None,
                read_only_root: false,
            },
            mounts: vec![Mount {
                source: dir.join("term"),
                target: PathBuf::from("/dev/termination-log"),
                read_only: false,
            }],
            working_dir: None,
            namespace: false,
            log: dir.join("c.log"),
            hostname: "pod-1".to_owned(),
            layer: dir.join("layer"),
        }
    }

    #[tokio::test]
    async fn captures_logs_exit_code_and_stops() {
        let dir = std::env::temp_dir().join(format!("jr-proc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let s = spec(
            &dir,
            "echo $GREETING $HOSTNAME; echo err >&2; echo m > /dev/termination-log; exit 7",
        );
        let (_tx, mut rx) = watch::channel(None);
        let code = spawn(&s)
            .unwrap()
            .wait(&mut rx, Duration::from_secs(1))
            .await;
        assert_eq!(code, 7);
        let log = crate::logs::plain_text(&std::fs::read(dir.join("c.log")).unwrap());
        assert_eq!(log, "hi pod-1\nerr\n");
        assert_eq!(std::fs::read_to_string(dir.join("term")).unwrap(), "m\n");

        let s = spec(
            &dir,
            "trap 'exit 143' TERM; while true; do sleep 0.05; done",
        );
        let (tx, mut rx) = watch::channel(None);
        let running = spawn(&s).unwrap();
        let stopper = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(200)).await;
            tx.send_replace(Some(Kill::Terminating));
            tx
        });
        assert_eq!(running.wait(&mut rx, Duration::from_secs(5)).await, 143);
        let tx = stopper.await.unwrap();

        let s = spec(&dir, "sleep 30");
        let mut rx = tx.subscribe();
        tx.send_replace(Some(Kill::Shutdown));
        assert_eq!(
            spawn(&s)
                .unwrap()
                .wait(&mut rx, Duration::from_secs(5))
                .await,
            137
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
