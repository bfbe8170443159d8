//! One program of the environment as a child process: its log file, the line it prints when it
//! is ready, and its shutdown.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::HarnessError;
use crate::os::{tail, terminate};

/// How long a component gets between SIGTERM and SIGKILL.
pub(crate) const GRACE: Duration = Duration::from_secs(2);

/// A running program of the environment; stopped (SIGTERM, SIGKILL after [`GRACE`]) when
/// dropped.
pub(crate) struct Component {
    pub(crate) name: &'static str,
    pub(crate) child: Child,
    pub(crate) log_path: PathBuf,
}

impl Component {
    /// Starts `command` in its own process group with stdin from `/dev/null` and stderr (and
    /// all stdout after the first line) appended to `log_path`, writes its pid to `pid_file`,
    /// and returns it with the first line it prints.
    pub(crate) fn start(
        name: &'static str,
        mut command: Command,
        log_path: &Path,
        pid_file: &Path,
        deadline: Instant,
    ) -> Result<(Self, String), HarnessError> {
        let log = open_log(log_path)?;
        let stderr = log.try_clone().map_err(HarnessError::io(format!(
            "duplicating {}",
            log_path.display()
        )))?;
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .process_group(0)
            .spawn()
            .map_err(HarnessError::io(format!("starting {command:?}")))?;
        let stdout = child.stdout.take();
        let component = Self {
            name,
            child,
            log_path: log_path.to_owned(),
        };
        std::fs::write(pid_file, format!("{}\n", component.child.id()))
            .map_err(HarnessError::io(format!("writing {}", pid_file.display())))?;
        let (first_line, lines) = mpsc::channel();
        if let Some(stdout) = stdout {
            std::thread::spawn(move || copy_stdout(stdout, &first_line, log));
        }
        let timeout = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(timeout) {
            Ok(line) => Ok((component, line)),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                Err(component.not_ready(format!("printed nothing within {timeout:?}")))
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                // Its stdout closed: it has exited, or is stopped here.
                let mut component = component;
                terminate(&mut [&mut component.child], GRACE);
                let status = match component.child.try_wait() {
                    Ok(Some(status)) => status.to_string(),
                    _ => "status unknown".to_owned(),
                };
                Err(component.not_ready(format!("exited before it was ready ({status})")))
            }
        }
    }

    /// A [`HarnessError::NotReady`] for this component, with the tail of its log.
    pub(crate) fn not_ready(&self, reason: String) -> HarnessError {
        HarnessError::NotReady {
            component: self.name,
            reason,
            log_path: self.log_path.clone(),
            log: tail(&self.log_path, 40),
        }
    }
}

impl Drop for Component {
    fn drop(&mut self) {
        terminate(&mut [&mut self.child], GRACE);
    }
}

fn open_log(path: &Path) -> Result<File, HarnessError> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(HarnessError::io(format!("opening {}", path.display())))
}

/// Sends the first line of `stdout` to `first_line`, appends the rest to `log` (so the child
/// never writes into a closed pipe). Each line goes in one write, so it is not torn apart by
/// the child's own writes to the log.
fn copy_stdout(stdout: impl std::io::Read, first_line: &mpsc::Sender<String>, mut log: File) {
    let mut lines = BufReader::new(stdout).lines();
    if let Some(Ok(line)) = lines.next() {
        let _ = log.write_all(format!("[stdout] {line}\n").as_bytes());
        let _ = first_line.send(line);
    }
    for line in lines.map_while(Result::ok) {
        let _ = log.write_all(format!("[stdout] {line}\n").as_bytes());
    }
}
