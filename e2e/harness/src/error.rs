//! The one error type of the harness: what failed to start, and what to do about it.

use std::path::PathBuf;

/// Why the e2e environment (or one of its parts) could not be started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HarnessError {
    /// A program of this workspace has not been built.
    #[error(
        "{program} not found at {}: run `cargo build -p {package}` (or `bash scripts/test`, \
         which builds every binary of the workspace first), or point E2E_BIN_DIR at the \
         directory holding it",
        path.display()
    )]
    MissingBinary {
        /// The binary's name.
        program: &'static str,
        /// Where it was looked for.
        path: PathBuf,
        /// The package that builds it.
        package: &'static str,
    },
    /// The static `dbmigrate` (job-runner's `dbmigrate:*` image) has not been built.
    #[error(
        "the static dbmigrate (job-runner's `dbmigrate:*` image: the runner script steps copy \
         into their image) not found at {}: run `bash scripts/build-static` (`bash scripts/test` \
         does), or point E2E_STATIC_DBMIGRATE at it",
        path.display()
    )]
    MissingStaticRunner {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// An executable that must be static is not.
    #[error(
        "{} is not a static executable (it has a program interpreter or needs shared \
         libraries); build it with `bash scripts/build-static`",
        path.display()
    )]
    NotStatic {
        /// The executable.
        path: PathBuf,
    },
    /// A program of the machine is missing.
    #[error("{program} not found: {hint}")]
    MissingProgram {
        /// The program (or suite of programs).
        program: &'static str,
        /// Where it was looked for and what to install.
        hint: &'static str,
    },
    /// This process runs as root and the OS user that runs the database servers is missing.
    #[error(
        "the tests run as root, and PostgreSQL refuses to run as root: the harness runs it as the \
         `{user}` OS user, which does not exist here. Install the `postgresql` Debian package (it \
         creates that user) or run the tests as another user"
    )]
    NoServiceUser {
        /// The missing user.
        user: &'static str,
    },
    /// An environment variable has a value the harness does not understand.
    #[error("{name}={value:?} is not understood: expected {expected}")]
    Setting {
        /// The variable.
        name: &'static str,
        /// Its value.
        value: String,
        /// What it may be.
        expected: &'static str,
    },
    /// `docs/rbac.md` has a table line the harness cannot read as an RBAC row.
    #[error(
        "{}: {reason}{at}; write each row as | `group` | `resource[/sub]` [(`name` only)] | \
         `verb`, … | watched, own or application | why |",
        path.display()
    )]
    RbacReference {
        /// The reference's file.
        path: PathBuf,
        /// ` in line "…"`, or empty.
        at: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A file-system or process operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done, with the path or program involved.
        what: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A command ran and failed.
    #[error("{command} failed ({status}):\n{output}")]
    Command {
        /// The command line (`Debug` form of the `Command`).
        command: String,
        /// How it ended.
        status: std::process::ExitStatus,
        /// Its stdout and stderr.
        output: String,
    },
    /// The environment keeps no audit log (a cluster of `$KUBECONFIG` other than an `e2e-up`
    /// one: its audit log, if any, is the cluster's).
    #[error(
        "no audit log: kube-standin writes {} when the harness starts it (or e2e-up's beside its \
         kubeconfig); a cluster of KUBECONFIG keeps its own",
        path.display()
    )]
    NoAuditLog {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// A line of the audit log is not an audit Event.
    #[error("{}: not an audit.k8s.io/v1 Event ({reason}): {line}", path.display())]
    AuditLog {
        /// The audit log.
        path: PathBuf,
        /// The line.
        line: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The current kubeconfig cannot give a ServiceAccount's kubeconfig its cluster.
    #[error("making a ServiceAccount kubeconfig: {reason}")]
    Kubeconfig {
        /// What is missing.
        reason: String,
    },
    /// The chart renderer (tools/chart-render) could not be built.
    #[error("building the chart renderer (bash scripts/build-chart-render): {reason}")]
    Renderer {
        /// What went wrong, with the script's output.
        reason: String,
    },
    /// Values given to the chart break its values.schema.json (helm refuses them the same way).
    #[error("the chart's values do not match {}; fix the values:\n{errors}", schema.display())]
    ChartValues {
        /// The schema.
        schema: PathBuf,
        /// Each violation, with the path of the value.
        errors: String,
    },
    /// An Argo CD health script failed, or returned what Argo CD would refuse.
    #[error("the Argo CD health script {}: {reason}", script.display())]
    HealthScript {
        /// The script.
        script: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// A component exited, answered wrongly or did not become ready in time.
    #[error("{component} did not start: {reason}\n--- last lines of {} ---\n{log}", log_path.display())]
    NotReady {
        /// `kube-standin`, `job-runner` or `PostgreSQL`.
        component: &'static str,
        /// What went wrong.
        reason: String,
        /// The component's log file.
        log_path: PathBuf,
        /// The tail of that log.
        log: String,
    },
}

impl HarnessError {
    /// An [`HarnessError::Io`] with a description of what was being done.
    pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let what = what.into();
        move |source| Self::Io { what, source }
    }
}
