//! The whole e2e environment in one value: kube-standin (or the cluster `$KUBECONFIG` names),
//! job-runner and PostgreSQL, started in parallel in one directory and torn down together.

use std::ffi::{OsStr, OsString};
use std::fs;
use std::io::Read;
use std::net::{SocketAddr, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use crate::HarnessError;
use crate::os::{Reaper, tail, terminate};
use crate::process::{Component, GRACE};
use crate::{images, postgres};

/// kube-standin's audit log, in the environment's directory.
const AUDIT_LOG: &str = "audit.log";

/// How long the components get to become ready.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs when the test process dies (see [`Reaper`]): stops the components named by the pid
/// files in `$1/pids` (only processes whose command line names `$1`, so a reused pid is
/// never hit), SIGKILLs their process groups after 2 s, then runs the rest of the arguments
/// (the PostgreSQL stop command, if any). The Reaper removes `$1` afterwards.
const REAPER_SCRIPT: &str = r#"
dir=$1; shift; pids=
for f in "$dir"/pids/*; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$dir"; then
        kill -TERM "$pid" 2>/dev/null; pids="$pids $pid"
    fi
done
i=0
while [ "$i" -lt 20 ]; do
    alive=
    for pid in $pids; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ -z "$alive" ] && break
    sleep 0.1; i=$((i + 1))
done
for pid in $pids; do kill -KILL -- "-$pid" 2>/dev/null; kill -KILL "$pid" 2>/dev/null; done
[ "$#" -gt 0 ] && "$@"
"#;

/// A running e2e environment; everything it started is stopped and its directory removed when
/// it is dropped, or when the test process dies (even by SIGKILL).
pub struct Environment {
    dir: PathBuf,
    bin_dir: PathBuf,
    kubeconfig: PathBuf,
    database_url: String,
    standin: Option<Component>,
    job_runner: Option<Component>,
    postgres: Option<postgres::Server>,
    reaper: Option<Reaper>,
}

/// What the environment variables ask for.
struct Settings {
    /// `$KUBECONFIG`: use that cluster instead of starting kube-standin.
    kubeconfig: Option<PathBuf>,
    /// `$E2E_JOB_RUNNER`: `on` or `off`; by default on with kube-standin, off with a cluster of
    /// `$KUBECONFIG` (job-runner runs whatever Jobs the cluster has, on this machine).
    job_runner: bool,
    /// `$E2E_DATABASE_URL`: use that database instead of starting PostgreSQL.
    database_url: Option<String>,
    /// Start PostgreSQL: without `$E2E_DATABASE_URL`, unless only the API server is wanted.
    postgres: bool,
}

impl Settings {
    fn from_env() -> Result<Self, HarnessError> {
        let non_empty = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        let kubeconfig = non_empty("KUBECONFIG").map(PathBuf::from);
        let runner = non_empty("E2E_JOB_RUNNER").map(|v| v.to_string_lossy().to_lowercase());
        let job_runner = match runner.as_deref() {
            None => kubeconfig.is_none(),
            Some("on" | "1" | "true" | "yes") => true,
            Some("off" | "0" | "false" | "no") => false,
            Some(other) => {
                return Err(HarnessError::Setting {
                    name: "E2E_JOB_RUNNER",
                    value: other.to_owned(),
                    expected: "`on` or `off`",
                });
            }
        };
        let database_url = non_empty("E2E_DATABASE_URL").map(|v| v.to_string_lossy().into_owned());
        Ok(Self {
            kubeconfig,
            job_runner,
            postgres: database_url.is_none(),
            database_url,
        })
    }
}

impl Environment {
    /// Starts kube-standin (or uses `$KUBECONFIG` when set: a real cluster or any other API
    /// server), job-runner (unless `E2E_JOB_RUNNER=off`; with `$KUBECONFIG` only when
    /// `E2E_JOB_RUNNER=on`) and PostgreSQL (unless `E2E_DATABASE_URL` is set) in a new temporary
    /// directory; returns once all are ready.
    pub fn start() -> Result<Self, HarnessError> {
        Self::start_temporary(Settings::from_env()?)
    }

    /// kube-standin alone (or the cluster of `$KUBECONFIG`): no job-runner and no PostgreSQL
    /// ([`Environment::database_url`] is then `$E2E_DATABASE_URL` or empty), for tests that
    /// only apply manifests and ask the API server, such as the chart's.
    pub fn start_api_server() -> Result<Self, HarnessError> {
        let settings = Settings {
            job_runner: false,
            postgres: false,
            ..Settings::from_env()?
        };
        Self::start_temporary(settings)
    }

    /// Starts the environment `settings` ask for in a new temporary directory.
    fn start_temporary(settings: Settings) -> Result<Self, HarnessError> {
        let dir = tempfile::Builder::new()
            .prefix("dbmigrate-e2e-")
            .tempdir()
            .map_err(HarnessError::io("creating a temporary directory"))?
            .keep();
        Self::start_with(&dir, settings).inspect_err(|_| {
            let _ = fs::remove_dir_all(&dir);
        })
    }

    /// [`Environment::start`] in `dir` (created when missing), which is removed when the
    /// environment is dropped: give it a directory of its own.
    pub fn start_in(dir: &Path) -> Result<Self, HarnessError> {
        Self::start_with(dir, Settings::from_env()?)
    }

    fn start_with(dir: &Path, settings: Settings) -> Result<Self, HarnessError> {
        let deadline = Instant::now() + START_TIMEOUT;
        fs::create_dir_all(dir.join("pids"))
            .map_err(HarnessError::io(format!("creating {}", dir.display())))?;
        let dir = fs::canonicalize(dir)
            .map_err(HarnessError::io(format!("resolving {}", dir.display())))?;
        // PostgreSQL and job-runner's pods run as other users; they need to reach their files.
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).map_err(HarnessError::io(
            format!("making {} readable", dir.display()),
        ))?;
        let bin_dir = bin_dir();
        if settings.kubeconfig.is_none() {
            binary(&bin_dir, "kube-standin", "kube-standin")?;
        }
        let images = if settings.job_runner {
            binary(&bin_dir, "job-runner", "job-runner")?;
            binary(&bin_dir, "dbmigrate", "dbmigrate")?;
            Some(write_images(&dir, &bin_dir)?)
        } else {
            None
        };
        let pg_root = dir.join("postgres");
        let mut reaper_command: Vec<OsString> = ["sh", "-c", REAPER_SCRIPT, "e2e-reaper"]
            .map(OsString::from)
            .into();
        reaper_command.push(dir.clone().into());
        if settings.postgres {
            reaper_command.extend(postgres::stop_command(&pg_root)?);
        }
        let reaper_command: Vec<&OsStr> = reaper_command.iter().map(OsString::as_os_str).collect();
        let mut env = Self {
            kubeconfig: settings
                .kubeconfig
                .clone()
                .unwrap_or_else(|| dir.join("kubeconfig")),
            database_url: settings.database_url.clone().unwrap_or_default(),
            reaper: Some(Reaper::spawn(&dir, &reaper_command)),
            dir,
            bin_dir,
            standin: None,
            job_runner: None,
            postgres: None,
        };
        // PostgreSQL starts beside the Kubernetes side; job-runner needs the API server first.
        let (kube, database) = std::thread::scope(|scope| {
            let database = settings
                .postgres
                .then(|| scope.spawn(|| postgres::Server::start_in(&pg_root)));
            let kube = env.start_kube(&settings, images.as_deref(), deadline);
            let database = database.map(|thread| {
                thread.join().unwrap_or_else(|_| {
                    Err(HarnessError::NotReady {
                        component: "PostgreSQL",
                        reason: "the thread starting it panicked".to_owned(),
                        log: tail(&pg_root.join("server.log"), 40),
                        log_path: pg_root.join("server.log"),
                    })
                })
            });
            (kube, database)
        });
        if let Some(database) = database {
            match database {
                Ok(server) => {
                    env.database_url = server.url("postgres");
                    env.postgres = Some(server);
                }
                Err(e) => return Err(e),
            }
        }
        kube?;
        Ok(env)
    }

    /// Starts kube-standin (without a cluster of `$KUBECONFIG`) and job-runner (given its
    /// images config).
    fn start_kube(
        &mut self,
        settings: &Settings,
        images: Option<&Path>,
        deadline: Instant,
    ) -> Result<(), HarnessError> {
        if settings.kubeconfig.is_none() {
            self.start_standin(deadline)?;
        }
        if let Some(images) = images {
            self.start_job_runner(images, deadline)?;
        }
        Ok(())
    }

    fn start_standin(&mut self, deadline: Instant) -> Result<(), HarnessError> {
        let mut command = Command::new(self.bin_dir.join("kube-standin"));
        command
            .args(["--port", "0", "--kubeconfig"])
            .arg(&self.kubeconfig)
            // HTTPS, so that kubectl sends tokens; RBAC, so that a missing rule is a 403
            .args(["--tls", "--authorization-mode", "RBAC", "--admin-token"])
            .arg(admin_token()?)
            .arg("--audit-log-path")
            .arg(self.dir.join(AUDIT_LOG))
            // as on clusters that enable it: an owner reference with blockOwnerDeletion needs
            // `update` on the owner's finalizers, so the operator's RBAC must grant it
            .args([
                "--enable-admission-plugins",
                "OwnerReferencesPermissionEnforcement",
            ]);
        let (standin, line) = Component::start(
            "kube-standin",
            command,
            &self.dir.join("standin.log"),
            &self.dir.join("pids/kube-standin"),
            deadline,
        )?;
        let standin = self.standin.insert(standin);
        let address: SocketAddr = line.trim().parse().map_err(|_| {
            standin.not_ready(format!("printed {line:?} instead of `127.0.0.1:<port>`"))
        })?;
        // it prints its address once it listens; the TLS handshake and the rest are its own
        while TcpStream::connect_timeout(&address, Duration::from_secs(1)).is_err() {
            if Instant::now() > deadline {
                return Err(standin.not_ready(format!("{address} never accepted a connection")));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if !self.kubeconfig.is_file() {
            let reason = format!("it is ready but wrote no {}", self.kubeconfig.display());
            return Err(standin.not_ready(reason));
        }
        Ok(())
    }

    fn start_job_runner(&mut self, images: &Path, deadline: Instant) -> Result<(), HarnessError> {
        let mut command = Command::new(self.bin_dir.join("job-runner"));
        command
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--images")
            .arg(images)
            .arg("--state-dir")
            .arg(self.dir.join("job-runner"))
            .args(["--node-name", "job-runner"])
            // replacement pods after 1 s, not the kubelet's 10 s, so retry tests stay short
            .args(["--pod-backoff-secs", "1"]);
        let (runner, line) = Component::start(
            "job-runner",
            command,
            &self.dir.join("job-runner.log"),
            &self.dir.join("pids/job-runner"),
            deadline,
        )?;
        let runner = self.job_runner.insert(runner);
        if !line.starts_with("ready ") {
            return Err(runner.not_ready(format!(
                "printed {line:?} instead of `ready node=<name> kubelet=<address>`"
            )));
        }
        Ok(())
    }

    /// Whether this environment runs job-runner (so Jobs run without a real cluster).
    pub fn has_job_runner(&self) -> bool {
        self.job_runner.is_some()
    }

    /// The kubeconfig of the cluster: kube-standin's (HTTPS, as `kubernetes-admin` in
    /// `system:masters`), or `$KUBECONFIG`.
    pub fn kubeconfig(&self) -> &Path {
        &self.kubeconfig
    }

    /// `postgres://postgres@127.0.0.1:<port>/postgres`, or `$E2E_DATABASE_URL`.
    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    /// The environment's directory: `standin.log`, `audit.log`, `job-runner.log`,
    /// `postgres/server.log`, `images.yaml`, job-runner's state (`job-runner/`), the kubeconfig
    /// and the ServiceAccount kubeconfigs made by [`Environment::service_account_kubeconfig`].
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where `kube-standin`, `job-runner` and `dbmigrate` are taken from.
    pub fn bin_dir(&self) -> &Path {
        &self.bin_dir
    }

    /// The newest kubectl (`kubectl` on `PATH`) with `KUBECONFIG` set to this environment's.
    ///
    /// # Panics
    /// When kubectl is not installed.
    pub fn kubectl(&self) -> Command {
        let mut command = Command::new(crate::kubectl::newest());
        command.env("KUBECONFIG", &self.kubeconfig);
        command
    }

    /// kubectl 1.`minor` (`kubectl.1.<minor>` on `PATH` or beside the real kubectl) with
    /// `KUBECONFIG` set to this environment's.
    ///
    /// # Panics
    /// When that kubectl is not installed, naming what to install.
    pub fn kubectl_version(&self, minor: u32) -> Command {
        let mut command = Command::new(crate::kubectl::versioned(minor));
        command.env("KUBECONFIG", &self.kubeconfig);
        command
    }

    /// A client of the cluster, from the kubeconfig.
    ///
    /// # Panics
    /// When the kubeconfig cannot be read or used.
    pub async fn client(&self) -> kube::Client {
        use kube::config::{KubeConfigOptions, Kubeconfig};
        let path = &self.kubeconfig;
        let kubeconfig = Kubeconfig::read_from(path)
            .unwrap_or_else(|e| panic!("reading kubeconfig {}: {e}", path.display()));
        let config =
            kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
                .await
                .unwrap_or_else(|e| panic!("using kubeconfig {}: {e}", path.display()));
        kube::Client::try_from(config)
            .unwrap_or_else(|e| panic!("a client for kubeconfig {}: {e}", path.display()))
    }

    /// A kubeconfig for ServiceAccount `namespace/name` (which must exist): a token from
    /// `kubectl create token` (default lifetime, one hour) with the server and CA of this
    /// environment's kubeconfig, in [`Environment::dir`]. Works against a cluster of
    /// `$KUBECONFIG` as well.
    pub fn service_account_kubeconfig(
        &self,
        namespace: &str,
        name: &str,
    ) -> Result<PathBuf, HarnessError> {
        crate::service_account::write_kubeconfig(|| self.kubectl(), &self.dir, namespace, name)
    }

    /// Every event of kube-standin's audit log so far (`audit.log` in [`Environment::dir`], or
    /// beside `$KUBECONFIG` for an `e2e-up` environment), oldest first.
    pub fn audit_log(&self) -> Result<Vec<crate::AuditEvent>, HarnessError> {
        let path = if self.standin.is_some() {
            self.dir.join(AUDIT_LOG)
        } else {
            self.kubeconfig
                .parent()
                .map(|dir| dir.join(AUDIT_LOG))
                .unwrap_or_else(|| PathBuf::from(AUDIT_LOG))
        };
        if !path.is_file() {
            return Err(HarnessError::NoAuditLog { path });
        }
        crate::audit::read(&path)
    }

    /// The last lines of each component's log, for assertion messages.
    pub fn logs(&self) -> String {
        let logs = [
            ("kube-standin", self.dir.join("standin.log")),
            ("job-runner", self.dir.join("job-runner.log")),
            ("PostgreSQL", self.dir.join("postgres/server.log")),
        ];
        let mut text = String::new();
        for (name, path) in logs.iter().filter(|(_, path)| path.is_file()) {
            text += &format!("--- {name}: last lines of {} ---\n", path.display());
            text += &tail(path, 30);
            text += "\n";
        }
        text
    }

    /// The processes this environment started (kube-standin, job-runner, the PostgreSQL
    /// postmaster), for checking that they are gone after drop.
    pub fn pids(&self) -> Vec<u32> {
        let children = [&self.standin, &self.job_runner];
        let children = children.into_iter().flatten().map(|c| c.child.id());
        children
            .chain(self.postgres.as_ref().and_then(postgres::Server::pid))
            .collect()
    }
}

impl Drop for Environment {
    fn drop(&mut self) {
        let mut children: Vec<&mut Child> = [&mut self.job_runner, &mut self.standin]
            .into_iter()
            .flatten()
            .map(|component| &mut component.child)
            .collect();
        terminate(&mut children, GRACE);
        self.job_runner = None;
        self.standin = None;
        if let Some(mut server) = self.postgres.take() {
            server.stop();
        }
        if let Some(reaper) = self.reaper.take() {
            reaper.disarm();
        }
        if fs::remove_dir_all(&self.dir).is_err() {
            // A file written while the tree was walked; once more.
            std::thread::sleep(Duration::from_millis(100));
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// Where the workspace's binaries are: `$E2E_BIN_DIR`, else the profile directory of the
/// running executable (`target/<profile>/deps/<test>`, `target/<profile>/examples/<example>`
/// or `target/<profile>/<bin>`).
pub fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("E2E_BIN_DIR").filter(|v| !v.is_empty()) {
        return PathBuf::from(dir);
    }
    let exe = std::env::current_exe().unwrap_or_default();
    let dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
    if dir.file_name() == Some(OsStr::new("deps"))
        || dir.file_name() == Some(OsStr::new("examples"))
    {
        dir.parent().map(Path::to_path_buf).unwrap_or(dir)
    } else {
        dir
    }
}

fn binary(
    bin_dir: &Path,
    program: &'static str,
    package: &'static str,
) -> Result<(), HarnessError> {
    let path = bin_dir.join(program);
    if path.is_file() {
        Ok(())
    } else {
        Err(HarnessError::MissingBinary {
            program,
            path,
            package,
        })
    }
}

/// Writes job-runner's images config `dir/images.yaml` (the static `dbmigrate`, the busybox
/// root filesystem built in `dir/images/busybox`, see [`crate::images`]); its path.
fn write_images(dir: &Path, bin_dir: &Path) -> Result<PathBuf, HarnessError> {
    let dbmigrate = images::static_dbmigrate(bin_dir)?;
    let busybox = images::busybox_rootfs(&dir.join("images/busybox"))?;
    let path = dir.join("images.yaml");
    fs::write(&path, images::config(&dbmigrate, &busybox))
        .map_err(HarnessError::io(format!("writing {}", path.display())))?;
    Ok(path)
}

/// A new admin token for kube-standin: 32 hex digits from `/dev/urandom`.
fn admin_token() -> Result<String, HarnessError> {
    let mut bytes = [0u8; 16];
    fs::File::open("/dev/urandom")
        .and_then(|mut random| random.read_exact(&mut bytes))
        .map_err(HarnessError::io("reading /dev/urandom"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}
