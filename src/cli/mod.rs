//! The local CLI: `apply`, `plan`, `status`, `down`, `new`, `repair`, `verify-rollback`.

mod args;
mod commands;
mod error;
mod output;

use std::process::ExitCode;

use tracing_subscriber::EnvFilter;

pub use args::{Cli, Command};
pub use error::CliError;

use self::output::Output;

/// Runs a parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    init_tracing(cli.global.verbose);
    let output = Output::new(cli.global.output, cli.global.color);
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
            if matches!(error, CliError::NotReady { .. }) && output.structured() {
                eprintln!("error: {error}");
            } else {
                output.error(error.reason(), &error.to_string());
            }
            error.exit_code()
        }
    }
}

fn init_tracing(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "dbmigrate=info",
        _ => "dbmigrate=debug",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
