//! A real PostgreSQL server on a free loopback port, in a directory of its own.
//!
//! The server comes from the newest PostgreSQL found on `PATH` or under
//! `/usr/lib/postgresql/*/bin`. It runs as [`SERVICE_USER`](crate::os::SERVICE_USER) when this
//! process is root, accepts the `postgres` user without a password (`--auth=trust`), and keeps
//! nothing durable (`fsync=off`): it is for tests only. Its log is `server.log` in its directory.

use std::ffi::{OsStr, OsString};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::HarnessError;
use crate::os::{Reaper, as_service_user, find_program, free_port, hand_to_service_user, run};

const MISSING: HarnessError = HarnessError::MissingProgram {
    program: "PostgreSQL",
    hint: "install the `postgresql` Debian package (`.ci/run` does this); looked for initdb, \
           pg_ctl and postgres on PATH and under /usr/lib/postgresql/*/bin",
};

/// A running PostgreSQL server; stopped (`pg_ctl stop -m immediate`) when dropped.
pub struct Server {
    port: u16,
    root: PathBuf,
    pg_ctl: PathBuf,
    running: bool,
    /// Set by [`Server::start`]: removes the directory when dropped or when this process ends.
    _reaper: Option<Reaper>,
}

impl Server {
    /// Starts a server in a new temporary directory. A [`Reaper`] stops the server and removes
    /// the directory when the server is dropped or this process ends, even by SIGKILL.
    pub fn start() -> Result<Self, HarnessError> {
        let bin = bin_dir()?;
        let root = tempfile::Builder::new()
            .prefix("dbmigrate-pg-")
            .tempdir()
            .map_err(HarnessError::io(
                "creating a directory for the PostgreSQL cluster",
            ))?
            .keep();
        let stop = stop_command(&root)?;
        let stop: Vec<&OsStr> = stop.iter().map(OsString::as_os_str).collect();
        let reaper = Reaper::spawn(&root, &stop);
        let mut server = Self::start_with(&bin, root)?;
        server._reaper = Some(reaper);
        Ok(server)
    }

    /// Starts a server in `root` (created when missing; the cluster goes to `root/data`, the log
    /// to `root/server.log`). The caller removes `root`, and arranges for [`stop_command`] to
    /// run should this process die.
    pub fn start_in(root: &Path) -> Result<Self, HarnessError> {
        let bin = bin_dir()?;
        fs::create_dir_all(root).map_err(HarnessError::io(format!(
            "creating {} for the PostgreSQL cluster",
            root.display()
        )))?;
        Self::start_with(&bin, root.to_owned())
    }

    fn start_with(bin: &Path, root: PathBuf) -> Result<Self, HarnessError> {
        let data = root.join("data");
        hand_to_service_user(&root)?;
        run(as_service_user(&bin.join("initdb"))?
            .current_dir(&root)
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
                "--no-instructions",
            ]))?;
        let pg_ctl = bin.join("pg_ctl");
        for _ in 0..5 {
            if let Some(port) = try_start(&pg_ctl, &root, free_port())? {
                return Ok(Self {
                    port,
                    root,
                    pg_ctl,
                    running: true,
                    _reaper: None,
                });
            }
        }
        Err(not_ready(&root, "no free port after 5 attempts".to_owned()))
    }

    /// The URL of database `dbname` on this server (user `postgres`, no password).
    pub fn url(&self, dbname: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{dbname}", self.port)
    }

    /// The server's port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's log file.
    pub fn log_path(&self) -> PathBuf {
        self.root.join("server.log")
    }

    /// The pid of the postmaster (first line of `postmaster.pid`), while it runs.
    pub fn pid(&self) -> Option<u32> {
        let text = fs::read_to_string(self.root.join("data/postmaster.pid")).ok()?;
        text.lines().next()?.trim().parse().ok()
    }

    /// Stops the server at once (`pg_ctl stop -m immediate`); later calls do nothing.
    pub fn stop(&mut self) {
        if !self.running {
            return;
        }
        self.running = false;
        if let Ok(mut command) = as_service_user(&self.pg_ctl) {
            let _ = command
                .arg("-D")
                .arg(self.root.join("data"))
                .args(["stop", "-m", "immediate", "-w"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The command (program and arguments) that stops a server started in `root`, for a
/// [`Reaper`]: it works from the data directory, so it is right however the server was left.
pub fn stop_command(root: &Path) -> Result<Vec<OsString>, HarnessError> {
    let stop = as_service_user(&bin_dir()?.join("pg_ctl"))?;
    let mut argv = vec![stop.get_program().to_owned()];
    argv.extend(stop.get_args().map(OsStr::to_owned));
    argv.push("-D".into());
    argv.push(root.join("data").into());
    argv.extend(["stop", "-m", "immediate"].map(OsString::from));
    Ok(argv)
}

/// Starts the server on `port` and waits until it accepts connections (`pg_ctl start -w`);
/// `None` when the port was taken in the meantime.
fn try_start(pg_ctl: &Path, root: &Path, port: u16) -> Result<Option<u16>, HarnessError> {
    let options = format!(
        "-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories='{}' -c fsync=off \
         -c synchronous_commit=off -c full_page_writes=off -c max_connections=100",
        root.display()
    );
    let output = as_service_user(pg_ctl)?
        .current_dir(root)
        .arg("-D")
        .arg(root.join("data"))
        .arg("-l")
        .arg(root.join("server.log"))
        .args(["-w", "-t", "60", "-o", &options, "start"])
        .stdin(Stdio::null())
        .output()
        .map_err(HarnessError::io(format!("running {}", pg_ctl.display())))?;
    if output.status.success() {
        return Ok(Some(port));
    }
    let log = fs::read_to_string(root.join("server.log")).unwrap_or_default();
    if log.contains("could not bind") || log.contains("already in use") {
        return Ok(None);
    }
    Err(not_ready(
        root,
        format!(
            "pg_ctl start failed ({}): {}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        ),
    ))
}

fn not_ready(root: &Path, reason: String) -> HarnessError {
    let log_path = root.join("server.log");
    HarnessError::NotReady {
        component: "PostgreSQL",
        reason,
        log: crate::os::tail(&log_path, 40),
        log_path,
    }
}

/// The directory holding `initdb`, `pg_ctl` and `postgres`: the one `initdb` on `PATH` resolves
/// to, else the newest `/usr/lib/postgresql/<major>/bin`.
fn bin_dir() -> Result<PathBuf, HarnessError> {
    let complete = |dir: &Path| {
        ["initdb", "pg_ctl", "postgres"]
            .iter()
            .all(|p| dir.join(p).is_file())
    };
    let on_path = find_program("initdb", &[])
        .and_then(|initdb| fs::canonicalize(initdb).ok())
        .and_then(|initdb| initdb.parent().map(Path::to_path_buf))
        .filter(|dir| complete(dir));
    on_path
        .or_else(|| {
            let mut majors: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
                .ok()?
                .flatten()
                .filter_map(|entry| {
                    let major = entry.file_name().to_str()?.parse().ok()?;
                    Some((major, entry.path().join("bin")))
                })
                .filter(|(_, dir)| complete(dir))
                .collect();
            majors.sort();
            majors.pop().map(|(_, dir)| dir)
        })
        .ok_or(MISSING)
}
