//! One module per subcommand, sharing the load → connect → plan preamble.

mod apply;
mod crds;
mod down;
mod job;
mod manifests;
mod new;
mod operator;
mod repair;
mod status;
mod verify;
mod wait;

use tracing::info_span;

pub use wait::Target;

use super::args::{CheckArgs, Cli, Command, DEFAULT_DATABASE_URL, DatabaseArgs, EngineArgs};
use super::error::CliError;
use super::output::Output;
use crate::engine::{DatabaseUrl, EngineSettings, HistoryTable, Migrator, Progress, Timeouts};
use crate::jobs::StepKind;
use crate::manifest::Mode;
use crate::source::{MigrationSet, load_dir};

/// Runs the chosen subcommand.
pub async fn dispatch(cli: &Cli, output: &Output) -> Result<(), CliError> {
    let span = info_span!("command", command = ?std::mem::discriminant(&cli.command));
    let _entered = span.enter();
    match &cli.command {
        Command::New {
            name, kind, folder, ..
        } => new::run(&folder.dir, name, *kind, output),
        Command::Crds { write, .. } => crds::run(write.as_deref(), output),
        Command::CopySelf { dest } => job::copy_self(dest),
        Command::Wait {
            resources,
            namespace,
            timeout,
            ..
        } => wait::run(resources, namespace.as_deref(), *timeout, output).await,
        Command::Operator {
            namespaces,
            secret_access,
            runner_defaults,
            image,
            retry_limit,
            leader_election,
            lease_namespace,
            max_concurrent_reconciles,
            http_address,
            ..
        } => {
            let http_address = match http_address.as_str() {
                "off" => None,
                text => Some(text.parse().map_err(|e| {
                    CliError::Usage(format!(
                        "--http-address {text:?}: {e} (e.g. 0.0.0.0:8080, or off)"
                    ))
                })?),
            };
            // an empty value (an environment variable set to "") sets nothing
            let namespaces: Vec<String> = namespaces
                .iter()
                .filter(|n| !n.is_empty())
                .cloned()
                .collect();
            let lease_namespace = (*leader_election).then(|| {
                lease_namespace
                    .clone()
                    .filter(|namespace| !namespace.is_empty())
                    .or_else(|| namespaces.first().cloned())
                    .unwrap_or_else(|| "default".to_owned())
            });
            let options = operator::Options {
                namespaces,
                secret_access: *secret_access,
                runner_defaults: runner_defaults.clone(),
                image: image.clone().filter(|image| !image.is_empty()),
                retry_limit: *retry_limit,
                lease_namespace,
                concurrency: *max_concurrent_reconciles,
                http_address,
            };
            operator::run(options).await
        }
        Command::Step {
            script,
            max_migrations,
            engine,
            job,
        } => {
            let kind = match script {
                Some(version) => StepKind::Script {
                    version: version.clone(),
                },
                None => StepKind::Sql,
            };
            let max_migrations = usize::try_from(*max_migrations).unwrap_or(usize::MAX);
            job::run(engine, job, kind, max_migrations).await
        }
        Command::Sync { engine, job } => job::run(engine, job, StepKind::Sync, 0).await,
        Command::Apply {
            to,
            checks,
            manifests: files,
            database,
            ..
        }
        | Command::Plan {
            to,
            checks,
            manifests: files,
            database,
            ..
        } if !files.files.is_empty() => {
            let mode = match cli.command {
                Command::Apply { .. } => Mode::Apply,
                _ => Mode::Plan,
            };
            let to = to.as_deref();
            manifests::run(database, files, checks, to, mode, output).await
        }
        Command::Repair {
            mark_applied,
            manifests: files,
            resource,
            database,
            ..
        } if !files.files.is_empty() => {
            let selected = manifests::Selection {
                resource: resource.as_deref(),
                mark_applied: mark_applied.as_deref(),
            };
            manifests::repair(database, files, selected, output).await
        }
        Command::Status {
            manifests: files,
            database,
            ..
        } if !files.files.is_empty() => {
            let checks = CheckArgs::default();
            manifests::run(database, files, &checks, None, Mode::Plan, output).await
        }
        Command::Apply {
            to,
            checks,
            database,
            ..
        } => apply::apply(&Folder::new(database, *output)?, to.as_deref(), checks).await,
        Command::Plan {
            to,
            checks,
            database,
            ..
        } => apply::plan(&Folder::new(database, *output)?, to.as_deref(), checks).await,
        Command::Status { database, .. } => status::run(&Folder::new(database, *output)?).await,
        Command::Down { to, database, .. } => down::run(&Folder::new(database, *output)?, to).await,
        Command::Repair {
            mark_applied,
            database,
            ..
        } => repair::run(&Folder::new(database, *output)?, mark_applied.as_deref()).await,
        Command::VerifyRollback { database, .. } => {
            verify::run(&Folder::new(database, *output)?).await
        }
    }
}

/// What every database command needs: the files, the URL, the settings, the output.
pub struct Folder<'a> {
    args: &'a DatabaseArgs,
    url: DatabaseUrl,
    settings: EngineSettings,
    output: Output,
}

/// Timeouts and history table from their flags.
fn engine_settings(engine: &EngineArgs) -> Result<EngineSettings, CliError> {
    Ok(EngineSettings {
        timeouts: Timeouts {
            connect: engine.connect_timeout,
            lock: engine.lock_timeout,
            statement: engine.statement_timeout,
        },
        history: HistoryTable::parse(&engine.history_table)?,
    })
}

impl<'a> Folder<'a> {
    fn new(args: &'a DatabaseArgs, output: Output) -> Result<Self, CliError> {
        Ok(Self {
            args,
            url: DatabaseUrl::parse(args.database_url.as_deref().unwrap_or(DEFAULT_DATABASE_URL))?,
            settings: engine_settings(&args.engine)?,
            output,
        })
    }

    /// Reads the migration files (before any connection, so bad files fail first).
    fn files(&self) -> Result<MigrationSet, CliError> {
        Ok(load_dir(&self.args.folder.dir)?)
    }

    /// Connects, reads the history and plans `set` against it.
    async fn connect<'s>(&self, set: &'s MigrationSet) -> Result<Migrator<'s>, CliError> {
        Ok(Migrator::connect(&self.url, &self.settings, set).await?)
    }

    /// A progress callback printing one line per script on stderr.
    fn progress(&self) -> impl FnMut(Progress<'_>) + '_ {
        let output = self.output;
        move |progress| output.migration_progress("", progress)
    }
}
