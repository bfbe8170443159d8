//! Operating-system helpers: programs, ports, the service user, child processes and cleanup
//! that survives the death of this process.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Lines};
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::HarnessError;

/// The OS user that runs database servers when this process runs as root: PostgreSQL and
/// PgBouncer refuse to run as root. The Debian `postgresql` package creates it.
pub const SERVICE_USER: &str = "postgres";

/// A TCP port on 127.0.0.1 that was free a moment ago (the kernel picked it).
///
/// # Panics
/// When 127.0.0.1:0 cannot be bound (no loopback interface).
pub fn free_port() -> u16 {
    let listener =
        TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0 to pick a free port");
    listener
        .local_addr()
        .expect("local address of a bound listener")
        .port()
}

/// `name` on `PATH`, else in the first of `fallback_dirs` that has it.
pub fn find_program(name: &str, fallback_dirs: &[PathBuf]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(fallback_dirs.iter().cloned())
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// Whether this process runs as root (effective uid 0).
pub fn running_as_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// A command that runs `program` as this user, or as [`SERVICE_USER`] through `runuser` when
/// this process is root.
pub fn as_service_user(program: &Path) -> Result<Command, HarnessError> {
    if !running_as_root() {
        return Ok(Command::new(program));
    }
    ensure_service_user()?;
    let runuser = find_program(
        "runuser",
        &[PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")],
    )
    .ok_or(HarnessError::MissingProgram {
        program: "runuser",
        hint: "it runs the database servers as the `postgres` user when the tests run as root; \
               install util-linux (looked on PATH, in /usr/sbin and /sbin)",
    })?;
    let mut command = Command::new(runuser);
    command.args(["-u", SERVICE_USER, "--"]).arg(program);
    Ok(command)
}

/// Makes `dir` (recursively) owned by [`SERVICE_USER`] when this process is root.
pub fn hand_to_service_user(dir: &Path) -> Result<(), HarnessError> {
    if running_as_root() {
        ensure_service_user()?;
        let owner = format!("{SERVICE_USER}:");
        run(Command::new("chown").arg("-R").arg(owner).arg(dir))?;
    }
    Ok(())
}

fn ensure_service_user() -> Result<(), HarnessError> {
    let exists = Command::new("id")
        .arg("-u")
        .arg(SERVICE_USER)
        .output()
        .is_ok_and(|o| o.status.success());
    if exists {
        Ok(())
    } else {
        Err(HarnessError::NoServiceUser { user: SERVICE_USER })
    }
}

/// Runs a command to completion (stdin from `/dev/null`); an error with its output when it
/// fails.
pub fn run(command: &mut Command) -> Result<Output, HarnessError> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(HarnessError::io(format!("could not start {command:?}")))?;
    if output.status.success() {
        Ok(output)
    } else {
        Err(HarnessError::Command {
            command: format!("{command:?}"),
            status: output.status,
            output: format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ),
        })
    }
}

/// Runs a cleanup command when this process ends, however it ends (even when killed): a shell
/// in its own process group blocks reading a pipe whose only writer is this process; the
/// kernel closes the pipe when this process exits, or when the `Reaper` is dropped.
/// [`Reaper::disarm`] cancels the cleanup (after a clean shutdown did the work).
pub struct Reaper {
    _pipe: ChildStdin,
    /// Never waited for unless disarmed: it outlives this process by design.
    shell: Child,
}

impl Reaper {
    /// Runs `command` (program and arguments), then removes `dir`, when this process ends.
    ///
    /// # Panics
    /// When `sh` cannot be started.
    pub fn spawn(dir: &Path, command: &[&OsStr]) -> Self {
        let script = "trap '' INT TERM HUP; cat >/dev/null; dir=$1; shift; \"$@\" >/dev/null 2>&1; rm -rf \"$dir\"";
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg("reaper")
            .arg(dir)
            .args(command)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("starting the cleanup shell (sh)");
        let pipe = child
            .stdin
            .take()
            .expect("the cleanup shell's stdin is piped");
        Self {
            _pipe: pipe,
            shell: child,
        }
    }

    /// Cancels the cleanup: kills the shell (and its `cat`) before it could run the command.
    pub fn disarm(mut self) {
        // The shell ignores INT, TERM and HUP, not KILL; it leads its process group, and is not
        // waited for yet, so the group is still its own. The pipe closes after it is dead.
        signal_group(self.shell.id(), libc::SIGKILL);
        let _ = self.shell.wait();
    }
}

/// A child process that is killed (SIGKILL) when dropped, so a failing test leaves none behind.
pub struct KillOnDrop(pub Child);

impl KillOnDrop {
    /// Kills the process (SIGKILL) and waits for it.
    pub fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Stops children that lead their own process groups: SIGTERM to each, then SIGKILL to the
/// process group of those still running after `grace`; waits for all of them.
pub fn terminate(children: &mut [&mut Child], grace: Duration) {
    for child in children.iter_mut() {
        if matches!(child.try_wait(), Ok(None)) {
            signal(child.id(), libc::SIGTERM);
        }
    }
    let deadline = Instant::now() + grace;
    for child in children.iter_mut() {
        while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        if matches!(child.try_wait(), Ok(None)) {
            // Not yet waited for, so the pid (and its process group) is still this child's.
            signal_group(child.id(), libc::SIGKILL);
            let _ = child.kill();
        }
        let _ = child.wait();
    }
}

/// Sends `signal` to process `pid`; a process that is gone is fine.
pub fn signal(pid: u32, signal: i32) {
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        // SAFETY: kill has no memory-safety preconditions; errors (ESRCH) are ignored.
        unsafe { libc::kill(pid, signal) };
    }
}

/// Sends `signal` to the process group `pgid`; a group that is gone is fine.
pub fn signal_group(pgid: u32, signal: i32) {
    if let Ok(pgid) = libc::pid_t::try_from(pgid) {
        // SAFETY: killpg has no memory-safety preconditions; errors (ESRCH) are ignored.
        unsafe { libc::killpg(pgid, signal) };
    }
}

/// Whether process `pid` exists and is not a zombie (a zombie has finished; only its exit
/// status waits to be collected).
pub fn process_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the command name in parentheses, which may itself hold spaces.
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
        Err(_) => false,
    }
}

/// The last `lines` lines of a text file ("" when it cannot be read).
pub fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read(path).unwrap_or_default();
    let text = String::from_utf8_lossy(&text);
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Set in a test process that its own test binary started as the child of one of its tests.
pub const CHILD_ENV: &str = "DBMIGRATE_TEST_CHILD";

/// Runs the test `name` of this very test binary in a child process (with [`CHILD_ENV`] and
/// `envs` set, output not captured), returning it and the lines of its stdout.
///
/// # Panics
/// When the test binary cannot be started.
pub fn rerun_this_test(
    name: &str,
    envs: &[(&str, &OsStr)],
) -> (KillOnDrop, Lines<BufReader<ChildStdout>>) {
    let exe = std::env::current_exe().expect("path of the test binary");
    let mut child = Command::new(exe)
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .envs(envs.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("starting the test binary as a child");
    let stdout = child.stdout.take().expect("the child's stdout is piped");
    (KillOnDrop(child), BufReader::new(stdout).lines())
}
