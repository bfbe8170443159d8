//! The command line: global options and subcommands.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use self::operator::{parse_namespace, parse_runner_defaults};
use crate::api::RunnerSettings;
use crate::cli::commands::Target;
use crate::controller::SecretAccess;
use crate::engine::ApplyPolicy;
use crate::jobs;
use crate::plan::PlanOverrides;
use crate::plan::lint::LintPolicy;
use crate::source::Version;

mod operator;

/// Declarative, resumable database migrations for PostgreSQL and SQLite.
#[derive(Debug, Parser)]
#[command(name = "dbmigrate", version, about, propagate_version = true)]
pub struct Cli {
    /// Options every command shares.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command shares.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// More log output on stderr (-v info, -vv debug); RUST_LOG overrides.
    #[arg(long, short = 'v', global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// How commands that print for people (or scripts) print.
#[derive(Debug, Args, Clone, Copy)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, short = 'o', value_enum, default_value_t = OutputFormat::Human)]
    pub output: OutputFormat,
    /// When to colour human output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

impl Default for OutputArgs {
    fn default() -> Self {
        Self {
            output: OutputFormat::Human,
            color: ColorChoice::Auto,
        }
    }
}

/// Where the migration files are.
#[derive(Debug, Args, Clone)]
pub struct FolderArgs {
    /// Directory holding the migration files.
    #[arg(long, env = "DBMIGRATE_DIR", default_value = "migrations")]
    pub dir: PathBuf,
}

/// How the engine runs: the history table and the timeouts.
#[derive(Debug, Args, Clone)]
pub struct EngineArgs {
    /// History table, `table` or `schema.table`.
    #[arg(long, default_value = "dbmigrate_history")]
    pub history_table: String,
    /// Time limit for connecting (TCP, greeting, authentication), e.g. 10s.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub connect_timeout: Duration,
    /// Time limit for waiting on the migration lock or any table lock, e.g. 30s.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub lock_timeout: Duration,
    /// Time limit for one statement, e.g. 10m.
    #[arg(long, default_value = "10m", value_parser = parse_duration)]
    pub statement_timeout: Duration,
}

/// The migrations folder, the database and the engine's settings of the database commands.
#[derive(Debug, Args, Clone)]
pub struct DatabaseArgs {
    /// The migrations folder.
    #[command(flatten)]
    pub folder: FolderArgs,
    /// Database URL: postgres://user:pass@host:5432/db or sqlite://path/to/file.db
    /// [default: sqlite://dbmigrate.db; with -f: each resource's Secret, which this overrides].
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// History table and timeouts.
    #[command(flatten)]
    pub engine: EngineArgs,
}

/// Overrides of the safety checks and lint policy (apply and plan).
#[derive(Debug, Args, Clone, Default)]
pub struct CheckArgs {
    /// Run even though an applied migration file was edited.
    #[arg(long)]
    pub allow_checksum_mismatch: bool,
    /// Run even though applied versions have no file on disk.
    #[arg(long)]
    pub ignore_missing: bool,
    /// Apply pending versions lower than the highest applied one.
    #[arg(long)]
    pub out_of_order: bool,
    /// Treat every lint finding as blocking.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Make this lint rule blocking (repeatable).
    #[arg(long = "deny", value_name = "RULE")]
    pub deny: Vec<String>,
    /// Turn this lint rule off (repeatable).
    #[arg(long = "allow", value_name = "RULE")]
    pub allow: Vec<String>,
}

/// Manifest mode: run the DatabaseMigration and ConfigSync resources in YAML manifests.
#[derive(Debug, Args, Clone, Default)]
pub struct ManifestArgs {
    /// Manifests to run instead of --dir: a file, a folder of .yaml/.yml/.json files, or `-`
    /// for stdin (e.g. `kubectl kustomize <dir> | dbmigrate apply -f -`). Repeatable.
    #[arg(short = 'f', long = "filename", value_name = "FILE|DIR|-")]
    pub files: Vec<PathBuf>,
    /// Namespace of manifests that do not set one.
    #[arg(short = 'n', long, default_value = "default", requires = "files")]
    pub namespace: String,
}

/// The default database of commands without -f.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://dbmigrate.db";

impl CheckArgs {
    /// The safety checks these flags relax.
    pub fn overrides(&self) -> PlanOverrides {
        PlanOverrides {
            allow_checksum_mismatch: self.allow_checksum_mismatch,
            ignore_missing: self.ignore_missing,
            out_of_order: self.out_of_order,
        }
    }

    /// The lint policy these flags set.
    pub fn lint_policy(&self) -> LintPolicy {
        LintPolicy {
            deny_warnings: self.deny_warnings,
            deny: self.deny.clone(),
            disabled: self.allow.clone(),
        }
    }

    /// What a run up to `target` may do under these flags and `lint` (the CLI lets
    /// migrations without a transaction run: their directive is the author's choice).
    pub fn apply_policy<'a>(
        &self,
        target: Option<&'a Version>,
        lint: &'a LintPolicy,
    ) -> ApplyPolicy<'a> {
        ApplyPolicy {
            target,
            overrides: self.overrides(),
            lint,
            allow_non_transactional: true,
        }
    }
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations (to the latest, or up to --to) and print the status table.
    Apply {
        /// Apply up to and including this version.
        #[arg(long)]
        to: Option<String>,
        /// Checks and lint policy.
        #[command(flatten)]
        checks: CheckArgs,
        /// Manifests (instead of --dir).
        #[command(flatten)]
        manifests: ManifestArgs,
        /// Folder, database and engine settings.
        #[command(flatten)]
        database: DatabaseArgs,
        /// Output.
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Dry run: what apply would run, with lint findings; changes nothing.
    Plan {
        /// Plan up to and including this version.
        #[arg(long)]
        to: Option<String>,
        /// Checks and lint policy.
        #[command(flatten)]
        checks: CheckArgs,
        /// Manifests (instead of --dir).
        #[command(flatten)]
        manifests: ManifestArgs,
        /// Folder, database and engine settings.
        #[command(flatten)]
        database: DatabaseArgs,
        /// Output.
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Show every migration with its state, applied time and duration.
    Status {
        /// Manifests (instead of --dir).
        #[command(flatten)]
        manifests: ManifestArgs,
        /// Folder, database and engine settings.
        #[command(flatten)]
        database: DatabaseArgs,
        /// Output.
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Revert applied migrations above --to, newest first, with their down scripts.
    Down {
        /// Keep this version and everything below it applied (`0` reverts all).
        #[arg(long)]
        to: String,
        /// Folder, database and engine settings.
        #[command(flatten)]
        database: DatabaseArgs,
        /// Output.
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Create a new migration file (and its down file) with the next timestamp version.
    New {
        /// Name of the migration, e.g. add_user_reputation.
        name: String,
        /// Schema change or data change.
        #[arg(long, value_enum, default_value_t = NewKind::Schema)]
        kind: NewKind,
        /// Where to write it.
        #[command(flatten)]
        folder: FolderArgs,
        /// Output.
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Clear dirty records and accept edited checksums (after checking the database by hand).
    Repair {
        /// Mark this dirty version as applied instead (you completed it by hand).
        #[arg(long, value_name = "VERSION")]
        mark_applied: Option<String>,
        /// Manifests (instead of --dir): repairs their DatabaseMigrations.
        #[command(flatten)]
        manifests: ManifestArgs,
        /// With -f: only this DatabaseMigration (needed with --mark-applied when there are several).
        #[arg(long, value_name = "NAME", requires = "files")]
        resource: Option<String>,
        /// Folder, database and engine settings.
        #[command(flatten)]
        database: DatabaseArgs,
        /// Output.
        #[command(flatten)]
        output: OutputArgs,
    },
    /// On a scratch database: apply all, revert all, apply all again; compare schemas.
    VerifyRollback {
        /// Folder, database (where the scratch database is made) and engine settings.
        #[command(flatten)]
        database: DatabaseArgs,
        /// Output.
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Print the CustomResourceDefinitions (YAML) to install with `kubectl apply -f -`.
    Crds {
        /// Write one file per CRD into this directory instead (`crds --write crds` updates the
        /// committed copies).
        #[arg(long, value_name = "DIR")]
        write: Option<PathBuf>,
        /// Output.
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Run one step of a DatabaseMigration from a step Job's inputs (run inside the operator's
    /// Jobs).
    Step {
        /// Run this script step (it must be the first pending migration).
        #[arg(long, value_name = "VERSION")]
        script: Option<String>,
        /// Otherwise apply at most this many SQL migrations, stopping before a script step.
        #[arg(long, value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
        max_migrations: u32,
        /// History table and timeouts, unless the resource's spec sets them.
        #[command(flatten)]
        engine: EngineArgs,
        /// Inputs, report and logs.
        #[command(flatten)]
        job: JobArgs,
    },
    /// Sync a ConfigSync's rows once from a step Job's inputs (run inside the operator's Jobs).
    Sync {
        /// History table and timeouts, unless the resource's spec sets them.
        #[command(flatten)]
        engine: EngineArgs,
        /// Inputs, report and logs.
        #[command(flatten)]
        job: JobArgs,
    },
    /// Run the Kubernetes operator: reconcile DatabaseMigrations and ConfigSyncs into ordered
    /// step Jobs and write their status (uses KUBECONFIG, else the in-cluster service account).
    Operator {
        /// Watch only these namespaces (repeat the flag, or separate them with commas; all
        /// namespaces when omitted).
        #[arg(
            long = "namespace",
            env = "DBMIGRATE_NAMESPACE",
            value_name = "NAMESPACE",
            value_delimiter = ',',
            value_parser = parse_namespace
        )]
        namespaces: Vec<String>,
        /// What the operator may know of the Secrets its step Jobs read: `namespaced` watches
        /// their metadata (a changed Secret reruns the steps), `none` makes no request about
        /// Secrets (a missing one is learned from the step's pod).
        #[arg(long, env = "DBMIGRATE_SECRET_ACCESS", value_enum, default_value_t = SecretAccess::Namespaced)]
        secret_access: SecretAccess,
        /// Defaults of every step Job, a JSON object of the shape of a resource's spec.runner
        /// (image, imagePullPolicy, resources, serviceAccountName, nodeSelector, tolerations,
        /// backoffLimit, activeDeadlineSeconds, ttlSecondsAfterFinished, maxMigrationsPerJob);
        /// a resource's spec.runner wins field by field.
        #[arg(long, env = "DBMIGRATE_RUNNER_DEFAULTS", value_name = "JSON", value_parser = parse_runner_defaults)]
        runner_defaults: Option<RunnerSettings>,
        /// The dbmigrate image of the step Jobs, short for --runner-defaults '{"image": …}'
        /// [default: ghcr.io/dbmigrate/dbmigrate:<version>] (a resource's spec.runner.image wins).
        #[arg(long, env = "DBMIGRATE_IMAGE")]
        image: Option<String>,
        /// Retries of a failed step before the resource is Failed, short for
        /// --runner-defaults '{"backoffLimit": N}' [default: 3] (spec.runner.backoffLimit wins).
        #[arg(long, value_name = "N")]
        retry_limit: Option<u32>,
        /// Take part in leader election, so that of several replicas only one acts.
        #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
        leader_election: bool,
        /// Namespace of the leader election Lease (default: POD_NAMESPACE, else the first
        /// --namespace, else `default`).
        #[arg(long, env = "POD_NAMESPACE")]
        lease_namespace: Option<String>,
        /// Reconciles run at once, per kind and watched namespace (each is a few API requests;
        /// more only uses more connections and memory).
        #[arg(long, default_value_t = 16, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
        max_concurrent_reconciles: u16,
        /// Address of /healthz, /readyz and /metrics (`off` for none).
        #[arg(long, default_value = "0.0.0.0:8080", value_name = "ADDRESS|off")]
        http_address: String,
        /// Log line format on stderr.
        #[arg(long, value_enum, default_value_t = LogFormat::Json)]
        log_format: LogFormat,
    },
    /// Wait until DatabaseMigrations and ConfigSyncs are Ready for their current generation (an
    /// application's init container); fails at once when one is Failed (uses KUBECONFIG, else
    /// the in-cluster service account).
    Wait {
        /// The resources: `dbm/<name>` or `cfgsync/<name>` (kubectl's names and short names).
        #[arg(required = true, value_name = "KIND/NAME", value_parser = Target::parse)]
        resources: Vec<Target>,
        /// Their namespace (the kubeconfig's, or the pod's, when omitted).
        #[arg(short = 'n', long, env = "POD_NAMESPACE")]
        namespace: Option<String>,
        /// How long to wait, e.g. 10m.
        #[arg(long, default_value = "10m", value_parser = parse_duration)]
        timeout: Duration,
        /// Output.
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Copy this executable to DEST with mode 0755, for script steps in other images (run
    /// inside the operator's Jobs).
    CopySelf {
        /// Where to put the copy.
        dest: PathBuf,
    },
}

/// Options of the commands step Jobs run (`step`, `sync`).
#[derive(Debug, Args, Clone)]
pub struct JobArgs {
    /// Folder holding each referenced ConfigMap mounted at `<dir>/<name>`.
    #[arg(long, value_name = "DIR", default_value = jobs::CONFIG_MAPS_DIR)]
    pub config_maps_dir: PathBuf,
    /// Where to write the step report (JSON) for the operator.
    #[arg(
        long,
        value_name = "FILE",
        env = "DBMIGRATE_TERMINATION_MESSAGE_PATH",
        default_value = jobs::DEFAULT_TERMINATION_MESSAGE_PATH
    )]
    pub termination_message_path: PathBuf,
    /// Log line format on stderr.
    #[arg(long, value_enum, default_value_t = LogFormat::Json)]
    pub log_format: LogFormat,
}

/// `--log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One JSON object per line.
    Json,
    /// Plain text lines.
    Text,
}

impl Command {
    /// The log format of commands that choose one (the step Job commands, the operator).
    pub fn log_format(&self) -> Option<LogFormat> {
        match self {
            Self::Step { job, .. } | Self::Sync { job, .. } => Some(job.log_format),
            Self::Operator { log_format, .. } => Some(*log_format),
            _ => None,
        }
    }

    /// How the command prints (the defaults for commands that print nothing but errors).
    pub fn output(&self) -> OutputArgs {
        match self {
            Self::Apply { output, .. }
            | Self::Plan { output, .. }
            | Self::Status { output, .. }
            | Self::Down { output, .. }
            | Self::New { output, .. }
            | Self::Repair { output, .. }
            | Self::VerifyRollback { output, .. }
            | Self::Crds { output, .. }
            | Self::Wait { output, .. } => *output,
            Self::Step { .. }
            | Self::Sync { .. }
            | Self::Operator { .. }
            | Self::CopySelf { .. } => OutputArgs::default(),
        }
    }
}

/// `--kind` of `new`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NewKind {
    /// DDL.
    Schema,
    /// DML (backfill, data fix).
    Data,
}

/// `--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned tables for people.
    Human,
    /// One JSON document on stdout.
    Json,
    /// YAML on stdout (with -f: each resource with the status the operator would write).
    Yaml,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and NO_COLOR is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Parses `500ms`, `10s`, `5m`, `1h` or a bare number of seconds (the spec's duration
/// grammar, `api::parse_duration`, plus bare seconds).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let bare_seconds = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    let with_unit = if bare_seconds {
        format!("{text}s")
    } else {
        text.to_owned()
    };
    crate::api::parse_duration(&with_unit).map_err(|_| {
        format!(
            "`{text}` is not a duration: write a positive whole number with ms, s, m or h (a bare number is seconds), e.g. 500ms, 10s, 5m, 1h"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("ten").is_err());
        assert!(parse_duration("3d").is_err());
    }

    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
