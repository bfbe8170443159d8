//! The local CLI: `apply`, `plan`, `status`, `down`, `new`, `repair`, `verify-rollback`.

mod args;
mod commands;
mod error;
mod output;

use std::io::IsTerminal;
use std::process::ExitCode;

use tracing_subscriber::EnvFilter;

use args::LogFormat;
pub use args::{Cli, Command};
pub use error::CliError;

use self::output::Output;

/// Runs a parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    init_tracing(cli.global.verbose, cli.command.log_format());
    let printing = cli.command.output();
    let output = Output::new(printing.output, printing.color);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    let result = match runtime {
        Ok(runtime) => runtime.block_on(commands::dispatch(&cli, &output)),
        Err(e) => Err(CliError::Usage(format!(
            "cannot start the async runtime: {e}"
        ))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // With -f, a structured run already printed every resource's status (failures
            // included) as one document on stdout; the summary goes to stderr.
            match &error {
                // Logged and written to the termination message already.
                CliError::StepFailed { .. } => {}
                CliError::NotReady { .. } if output.structured() => eprintln!("error: {error}"),
                _ => output.error(error.reason(), &error.to_string()),
            }
            error.exit_code()
        }
    }
}

/// Logs to stderr: warnings by default, info for the step Job commands (which choose a
/// format), more with -v.
fn init_tracing(verbose: u8, format: Option<LogFormat>) {
    let default = match (verbose, format) {
        (0, None) => "warn",
        (0 | 1, _) => "dbmigrate=info",
        _ => "dbmigrate=debug",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let _ = match format {
        Some(LogFormat::Json) => builder.json().try_init(),
        _ => builder.try_init(),
    };
}
