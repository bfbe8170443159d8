//! job-runner: a TEST-ONLY kubelet + Job controller stand-in for dbmigrate's e2e tests (see the
//! library docs).

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let args = job_runner::Args::parse();
    match job_runner::run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("job-runner: {e}");
            ExitCode::FAILURE
        }
    }
}
