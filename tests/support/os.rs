//! Operating-system helpers for the harness: programs, ports, the service user, child processes.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Lines};
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Output, Stdio};
use std::sync::OnceLock;

/// The OS user that runs database servers when the tests run as root: PostgreSQL and PgBouncer
/// refuse to run as root. The Debian `postgresql` package creates it.
pub const SERVICE_USER: &str = "postgres";

/// A TCP port on 127.0.0.1 that was free a moment ago (the kernel picked it).
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

/// Whether this process runs as root (`id -u` is 0).
pub fn running_as_root() -> bool {
    static ROOT: OnceLock<bool> = OnceLock::new();
    *ROOT.get_or_init(|| {
        let output = Command::new("id")
            .arg("-u")
            .output()
            .expect("running `id -u`");
        String::from_utf8_lossy(&output.stdout).trim() == "0"
    })
}

/// A command that runs `program` as this user, or as [`SERVICE_USER`] through `runuser` when
/// this process is root.
pub fn as_service_user(program: &Path) -> Command {
    if running_as_root() {
        ensure_service_user();
        let runuser = find_program(
            "runuser",
            &[PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")],
        )
        .expect("runuser (util-linux) is needed to run the database servers as root");
        let mut command = Command::new(runuser);
        command.args(["-u", SERVICE_USER, "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

/// Makes `dir` (recursively) owned by [`SERVICE_USER`] when this process is root.
pub fn hand_to_service_user(dir: &Path) {
    if running_as_root() {
        ensure_service_user();
        let owner = format!("{SERVICE_USER}:");
        run(Command::new("chown").arg("-R").arg(owner).arg(dir));
    }
}

fn ensure_service_user() {
    let exists = Command::new("id")
        .arg("-u")
        .arg(SERVICE_USER)
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        exists,
        "the tests run as root, and PostgreSQL and PgBouncer refuse to run as root: the harness \
         runs them as the `{SERVICE_USER}` OS user, which does not exist here. Install the \
         `postgresql` Debian package (it creates that user) or run the tests as another user"
    );
}

/// Runs a command to completion; panics with its output when it fails.
pub fn run(command: &mut Command) -> Output {
    let output = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("could not start {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Runs a cleanup command when this process ends, however it ends (even when killed): a shell
/// in its own process group blocks reading a pipe whose only writer is this process; the
/// kernel closes the pipe when this process exits, or when the `Reaper` is dropped.
pub struct Reaper {
    _pipe: ChildStdin,
    /// Never waited for: it outlives this process by design.
    _shell: Child,
}

impl Reaper {
    /// Runs `command` (program and arguments), then removes `dir`, when this process ends.
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
            .expect("starting the cleanup shell");
        let pipe = child
            .stdin
            .take()
            .expect("the cleanup shell's stdin is piped");
        Self {
            _pipe: pipe,
            _shell: child,
        }
    }
}

/// A child process that is killed when dropped (a failing test leaves none behind).
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

/// Set in a test process that this test binary started as the child of one of its own tests.
pub const CHILD_ENV: &str = "DBMIGRATE_TEST_CHILD";

/// Runs the test `name` of this very test binary in a child process (with [`CHILD_ENV`] and
/// `envs` set, output not captured), returning it and the lines of its stdout.
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
