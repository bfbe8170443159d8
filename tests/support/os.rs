//! Operating-system helpers of the tests: the harness crate's (`e2e_harness::os`, shared with
//! the e2e environment), with failures as panics.

use std::path::Path;
use std::process::{Command, Output};

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
