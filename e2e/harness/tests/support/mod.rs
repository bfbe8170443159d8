//! What the e2e tests share: an environment with a namespace of its own, and kubectl in it.
#![allow(
    dead_code,
    reason = "each test binary uses a different part of the support module"
)]

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use e2e_harness::Environment;

pub mod operator;

/// An environment and a namespace of its own (unique even when `KUBECONFIG` shares a cluster).
pub struct Fixture {
    /// The environment.
    pub env: Environment,
    /// The namespace.
    pub namespace: String,
}

impl Fixture {
    pub fn start(test: &str) -> Self {
        let env = Environment::start().unwrap_or_else(|e| panic!("{e}"));
        let namespace = format!("{test}-{}", std::process::id());
        let fixture = Self { env, namespace };
        fixture.ok(&["create", "namespace", &fixture.namespace]);
        fixture
    }

    /// Installs the CRDs of `crds/` and waits until the API server serves them.
    pub fn install_crds(&self) {
        let crds = concat!(env!("CARGO_MANIFEST_DIR"), "/../../crds");
        self.ok(&["apply", "-f", crds]);
        self.ok(&[
            "wait",
            "--for=condition=Established",
            "crd/databasemigrations.dbmigrate.dev",
            "crd/configsyncs.dbmigrate.dev",
        ]);
    }

    /// `kubectl` (`minor` None: the one on PATH) in the namespace.
    pub fn kubectl(&self, minor: Option<u32>) -> Command {
        let mut command = match minor {
            None => self.env.kubectl(),
            Some(minor) => self.env.kubectl_version(minor),
        };
        command.args(["-n", &self.namespace]);
        command
    }

    /// Runs `kubectl` (`minor` None: the one on PATH) in the namespace and returns its stdout;
    /// panics with its output and the environment's logs when it fails.
    pub fn run(&self, minor: Option<u32>, args: &[&str], input: Option<&str>) -> String {
        let mut command = self.kubectl(minor);
        command.args(args);
        self.stdout_of(command, input)
    }

    /// `kubectl apply -f -` of `manifest` in no particular namespace (each object names its
    /// own, or is cluster-scoped).
    pub fn apply_anywhere(&self, manifest: &str) {
        let mut command = self.env.kubectl();
        command.args(["apply", "-f", "-"]);
        self.stdout_of(command, Some(manifest));
    }

    /// Runs `command` with `input` on stdin and returns its stdout; panics with its output and
    /// the environment's logs when it fails.
    fn stdout_of(&self, mut command: Command, input: Option<&str>) -> String {
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("running {command:?}: {e}"));
        let mut stdin = child.stdin.take().expect("kubectl's stdin");
        stdin
            .write_all(input.unwrap_or_default().as_bytes())
            .expect("writing kubectl's stdin");
        drop(stdin);
        let output = child.wait_with_output().expect("waiting for kubectl");
        assert!(
            output.status.success(),
            "{command:?} failed ({}):\n{}{}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
            self.env.logs()
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Runs `kubectl`, expecting it to fail; returns its stderr.
    pub fn fails(&self, minor: Option<u32>, args: &[&str]) -> String {
        let mut command = self.kubectl(minor);
        let output = command
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("running {command:?}: {e}"));
        assert!(
            !output.status.success(),
            "kubectl {args:?} succeeded:\n{}",
            String::from_utf8_lossy(&output.stdout)
        );
        String::from_utf8_lossy(&output.stderr).into_owned()
    }

    pub fn ok(&self, args: &[&str]) -> String {
        self.run(None, args, None)
    }

    pub fn apply(&self, manifest: &str) {
        self.run(None, &["apply", "-f", "-"], Some(manifest));
    }

    /// `kubectl get <what> -o jsonpath=<path>`.
    pub fn jsonpath(&self, what: &str, path: &str) -> String {
        self.ok(&["get", what, "-o", &format!("jsonpath={path}")])
    }

    /// Waits (60 s at most) for `condition` (`condition=Complete`, `jsonpath=…`) of `what`;
    /// a label selector that matches nothing yet (the pod is still to be created) is retried,
    /// where `kubectl wait` alone gives up at once.
    pub fn wait(&self, what: &[&str], condition: &str) {
        let condition = format!("--for={condition}");
        let mut args = vec!["wait", condition.as_str(), "--timeout=60s"];
        args.extend(what);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let output = self
                .kubectl(None)
                .args(&args)
                .output()
                .expect("running kubectl wait");
            let stderr = String::from_utf8_lossy(&output.stderr);
            if output.status.success()
                || !stderr.contains("no matching resources found")
                || Instant::now() >= deadline
            {
                assert!(
                    output.status.success(),
                    "kubectl {args:?} failed ({}):\n{stderr}\n{}",
                    output.status,
                    self.env.logs()
                );
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Polls (60 s at most) until `kubectl get <what> -o jsonpath=<path>` prints `expected`.
    pub fn eventually(&self, what: &str, path: &str, expected: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let got = self.jsonpath(what, path);
            if got == expected {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{what} {path} is still {got:?}, not {expected:?}\n{}",
                self.env.logs()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
