//! Operating-system helpers of the tests: the harness crate's (`e2e_harness::os`, shared with
//! the e2e environment), with failures as panics, plus re-running a test of this binary.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Lines};
use std::path::Path;
use std::process::{ChildStdout, Command, Output, Stdio};

pub use e2e_harness::os::{
    KillOnDrop, Reaper, SERVICE_USER, find_program, free_port, running_as_root,
};

/// A command that runs `program` as this user, or as [`SERVICE_USER`] through `runuser` when
/// this process is root.
pub fn as_service_user(program: &Path) -> Command {
    e2e_harness::os::as_service_user(program).unwrap_or_else(|e| panic!("{e}"))
}

/// Makes `dir` (recursively) owned by [`SERVICE_USER`] when this process is root.
pub fn hand_to_service_user(dir: &Path) {
    e2e_harness::os::hand_to_service_user(dir).unwrap_or_else(|e| panic!("{e}"));
}

/// Runs a command to completion; panics with its output when it fails.
pub fn run(command: &mut Command) -> Output {
    e2e_harness::os::run(command).unwrap_or_else(|e| panic!("{e}"))
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
