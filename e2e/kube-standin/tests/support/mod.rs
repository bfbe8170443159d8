//! A kube-standin server for one test, and the real kubectl (newest and oldest) pointed at it.
#![allow(
    dead_code,
    reason = "each test binary uses a different part of the support module"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use kube_standin::{AuthorizationMode, Config, Server};

/// The kubectl versions every kubectl test runs with: the oldest and the newest versioned
/// binaries (`kubectl.1.27`, `kubectl.1.33`) the kubectl package installs beside `kubectl`.
pub const KUBECTLS: &[Option<u32>] = &[Some(27), Some(33)];

/// A server on a free port, on its own runtime thread, with a kubeconfig in a temp dir.
pub struct Cluster {
    /// The temp dir (kubeconfig, kubectl cache, manifests).
    pub dir: tempfile::TempDir,
    runtime: tokio::runtime::Runtime,
}

impl Cluster {
    /// A server with default settings.
    pub fn start() -> Self {
        Self::start_with(Config::default())
    }

    /// A server with `config`.
    pub fn start_with(config: Config) -> Self {
        let dir = tempfile::tempdir().expect("a temp dir for the cluster");
        Self::serve(dir, config)
    }

    /// A server as the e2e harness runs it: HTTPS, RBAC, the admin token in the kubeconfig and
    /// an audit log (`audit.log` in the temp dir); `owner_references` turns on the
    /// OwnerReferencesPermissionEnforcement admission plugin.
    pub fn start_rbac(owner_references: bool) -> Self {
        let dir = tempfile::tempdir().expect("a temp dir for the cluster");
        let config = Config {
            tls: true,
            authorization_mode: AuthorizationMode::Rbac,
            admin_token: Some("admin-token-of-the-test".to_owned()),
            audit_log_path: Some(dir.path().join("audit.log")),
            owner_references_permission_enforcement: owner_references,
            ..Config::default()
        };
        Self::serve(dir, config)
    }

    fn serve(dir: tempfile::TempDir, config: Config) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime for the server");
        let server = runtime
            .block_on(Server::start(0, config))
            .expect("kube-standin starts on a free port");
        server
            .write_kubeconfig(&dir.path().join("kubeconfig"))
            .expect("writing the kubeconfig");
        runtime.spawn(server.wait());
        Self { dir, runtime }
    }

    /// The kubeconfig path.
    pub fn kubeconfig(&self) -> PathBuf {
        self.dir.path().join("kubeconfig")
    }

    /// A kubectl command (`minor` None: the newest) with this cluster's kubeconfig and cache.
    pub fn kubectl(&self, minor: Option<u32>) -> Command {
        let mut command = Command::new(kubectl_path(minor));
        command
            .env("KUBECONFIG", self.kubeconfig())
            .env("KUBECACHEDIR", self.dir.path().join("cache"))
            .env("HOME", self.dir.path());
        command
    }

    /// Runs kubectl and returns its stdout; panics with its output when it fails.
    pub fn ok(&self, minor: Option<u32>, args: &[&str]) -> String {
        let output = self
            .kubectl(minor)
            .args(args)
            .output()
            .expect("running kubectl");
        assert!(
            output.status.success(),
            "kubectl {args:?} failed:\n{}",
            describe(&output)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// `kubectl get <what> -n <namespace> -o jsonpath=<path>`.
    pub fn jsonpath(&self, minor: Option<u32>, namespace: &str, what: &str, path: &str) -> String {
        self.ok(
            minor,
            &[
                "get",
                what,
                "-n",
                namespace,
                "-o",
                &format!("jsonpath={path}"),
            ],
        )
    }

    /// Runs kubectl, expecting failure; returns its stderr.
    pub fn fails(&self, minor: Option<u32>, args: &[&str]) -> String {
        let output = self
            .kubectl(minor)
            .args(args)
            .output()
            .expect("running kubectl");
        assert!(
            !output.status.success(),
            "kubectl {args:?} should have failed:\n{}",
            describe(&output)
        );
        String::from_utf8_lossy(&output.stderr).into_owned()
    }

    /// Runs kubectl with `stdin` as input (e.g. `apply -f -`); returns stdout.
    pub fn ok_with_input(&self, minor: Option<u32>, args: &[&str], stdin: &str) -> String {
        let path = self.write(&format!("input-{}.yaml", stdin.len()), stdin);
        let mut all: Vec<&str> = args.iter().copied().filter(|a| *a != "-").collect();
        all.push(path.to_str().expect("utf-8 temp path"));
        self.ok(minor, &all)
    }

    /// Writes a file into the temp dir.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("writing a manifest");
        path
    }

    /// A kube-rs client for this cluster (from its kubeconfig), on the server's runtime.
    pub fn client(&self) -> kube::Client {
        let kubeconfig =
            kube::config::Kubeconfig::read_from(self.kubeconfig()).expect("reading the kubeconfig");
        self.runtime.block_on(async move {
            let options = kube::config::KubeConfigOptions::default();
            let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
                .await
                .expect("a client config from the kubeconfig");
            kube::Client::try_from(config).expect("a kube client")
        })
    }

    /// A kubeconfig for this cluster whose requests are `system:anonymous`: its user has only
    /// a username, which kubectl sends as basic credentials, which kube-apiserver (since 1.19)
    /// and kube-standin leave to the anonymous user. (A user without any credentials makes
    /// kubectl prompt for a password on stdin.)
    pub fn anonymous_kubeconfig(&self) -> PathBuf {
        let text = std::fs::read_to_string(self.kubeconfig()).expect("reading the kubeconfig");
        let mut kubeconfig: serde_yaml::Value = serde_yaml::from_str(&text).expect("YAML");
        let mut user = serde_yaml::Mapping::new();
        user.insert("username".into(), "anonymous".into());
        kubeconfig["users"][0]["user"] = serde_yaml::Value::Mapping(user);
        let path = self.dir.path().join("anonymous.kubeconfig");
        std::fs::write(&path, serde_yaml::to_string(&kubeconfig).expect("YAML"))
            .expect("writing a kubeconfig");
        path
    }

    /// Every event of the audit log (`start_rbac` clusters), oldest first.
    pub fn audit_log(&self) -> Vec<serde_json::Value> {
        let text = std::fs::read_to_string(self.dir.path().join("audit.log"))
            .expect("reading the audit log");
        text.lines()
            .map(|line| serde_json::from_str(line).expect("an audit event per line"))
            .collect()
    }

    /// Runs a future on the cluster's runtime.
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// The repository root (for crds/ and examples/).
    pub fn repo() -> &'static Path {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
    }
}

/// stdout and stderr of a finished command, for assertion messages.
pub fn describe(output: &Output) -> String {
    format!(
        "{}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// `kubectl` on PATH, or `kubectl.1.<minor>` on PATH or beside the real kubectl.
pub fn kubectl_path(minor: Option<u32>) -> PathBuf {
    let name = match minor {
        None => "kubectl".to_owned(),
        Some(minor) => format!("kubectl.1.{minor}"),
    };
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    if let Some(real) = dirs.iter().map(|d| d.join("kubectl")).find(|k| k.is_file())
        && let Ok(resolved) = std::fs::canonicalize(real)
        && let Some(parent) = resolved.parent()
    {
        dirs.push(parent.to_path_buf());
    }
    dirs.push(PathBuf::from("/usr/lib/google-cloud-sdk/bin"));
    dirs.into_iter()
        .map(|d| d.join(&name))
        .find(|k| k.is_file())
        .unwrap_or_else(|| panic!("{name} not found on PATH or beside kubectl: install the kubectl package (Google Cloud SDK's kubectl component ships kubectl.1.27 … kubectl.1.33)"))
}
