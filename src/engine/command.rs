//! Script steps: a command run as a migration — a data migration in the application's code
//! (`tsx db/migrations/data/backfill.ts`), recorded in the history like a non-transactional
//! script: claimed before it starts, marked applied only when it exits 0.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use tracing::info;

use super::dialect::ScriptRun;
use super::error::{EngineError, MigrationFailure};
use crate::source::ScriptCommand;

/// How many lines of the command's output a failure message keeps.
const TAIL_LINES: usize = 20;

/// A script step with everything it needs, owned (so it can run on a blocking thread).
#[derive(Debug, Clone)]
pub struct CommandRun {
    version: String,
    name: String,
    path: PathBuf,
    command: ScriptCommand,
    deadline: Duration,
}

impl CommandRun {
    /// The command of `run`, if its script is one, bounded by `deadline`.
    pub fn of(run: &ScriptRun<'_>, deadline: Duration) -> Option<Self> {
        run.script.command.as_ref().map(|command| Self {
            version: run.version.to_owned(),
            name: run.name.to_owned(),
            path: run.script.path.clone(),
            command: command.clone(),
            deadline,
        })
    }

    /// Runs the command to completion (killing it at the deadline); `Ok` when it exited 0.
    /// Its output is logged; a failure carries the output's last lines. A command that could
    /// not even start changed nothing: its failure says the database is unchanged
    /// (`rolled_back`), so its claim is released rather than left dirty.
    pub fn run(&self) -> Result<(), EngineError> {
        let (program, args) = self
            .command
            .argv
            .split_first()
            .ok_or_else(|| self.not_started("the script run has an empty command".into()))?;
        let mut child = Command::new(program)
            .args(args)
            .envs(self.command.env.iter().map(|(k, v)| (k, v)))
            .current_dir(&self.command.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                self.not_started(format!(
                    "cannot start `{program}` in {}: {e}",
                    self.command.dir.display()
                ))
            })?;
        let stdout = collect(child.stdout.take());
        let stderr = collect(child.stderr.take());
        let started = Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if started.elapsed() < self.deadline => {
                    thread::sleep(Duration::from_millis(20));
                }
                Ok(None) | Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break None;
                }
            }
        };
        let output = format!(
            "{}{}",
            stdout.join().unwrap_or_default(),
            stderr.join().unwrap_or_default()
        );
        for line in output.lines() {
            info!(target: "dbmigrate::script", version = %self.version, "{line}");
        }
        match status {
            Some(status) if status.success() => Ok(()),
            Some(status) => Err(self.failure(format!(
                "`{}` exited with {status}{}",
                self.command.argv.join(" "),
                tail(&output)
            ))),
            None => Err(self.failure(format!(
                "`{}` did not finish within {:?} (the statement timeout) and was killed{}",
                self.command.argv.join(" "),
                self.deadline,
                tail(&output)
            ))),
        }
    }

    /// The failure of a command that ran (the database may have been changed by it).
    fn failure(&self, message: String) -> EngineError {
        self.failed(message, true)
    }

    /// The failure of a command that never started (nothing was changed).
    fn not_started(&self, message: String) -> EngineError {
        self.failed(message, false)
    }

    fn failed(&self, message: String, started: bool) -> EngineError {
        EngineError::MigrationFailed(Box::new(MigrationFailure {
            version: self.version.clone(),
            name: self.name.clone(),
            path: self.path.clone(),
            line: None,
            column: None,
            sqlstate: None,
            message,
            detail: None,
            rolled_back: !started,
            started,
        }))
    }
}

/// Reads a pipe to the end on its own thread (so a chatty command never blocks on it).
fn collect(pipe: Option<impl Read + Send + 'static>) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

fn tail(output: &str) -> String {
    let lines: Vec<&str> = output.lines().collect();
    if lines.is_empty() {
        return String::new();
    }
    let start = lines.len().saturating_sub(TAIL_LINES);
    format!("; last output:\n{}", lines[start..].join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(argv: &[&str]) -> CommandRun {
        CommandRun {
            version: "2".to_owned(),
            name: "seed".to_owned(),
            path: PathBuf::from("spec.scripts[0] (seed)"),
            command: ScriptCommand {
                argv: argv.iter().map(|a| (*a).to_owned()).collect(),
                env: Vec::new(),
                dir: std::env::temp_dir(),
            },
            deadline: Duration::from_secs(10),
        }
    }

    fn failure_of(run: &CommandRun) -> MigrationFailure {
        match run.run() {
            Err(EngineError::MigrationFailed(failure)) => *failure,
            other => panic!("expected a migration failure, got {other:?}"),
        }
    }

    #[test]
    fn a_command_that_cannot_start_changed_nothing() {
        for argv in [&["no-such-program-dbmigrate"][..], &[]] {
            let failure = failure_of(&step(argv));
            assert!(!failure.started && failure.rolled_back, "{failure}");
            assert!(
                failure
                    .to_string()
                    .contains("it did not start, the database is unchanged"),
                "{failure}"
            );
        }
    }

    #[test]
    fn a_command_that_ran_and_failed_may_have_changed_the_database() {
        let failure = failure_of(&step(&["sh", "-c", "echo half-way; exit 3"]));
        assert!(failure.started && !failure.rolled_back, "{failure}");
        let text = failure.to_string();
        assert!(
            text.contains("exited with exit status: 3")
                && text.contains("half-way")
                && text.contains("marked dirty"),
            "{text}"
        );
    }
}
