//! The `dbmigrate` binary: parses the command line and hands over to `dbmigrate::cli`.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    dbmigrate::cli::run(dbmigrate::cli::Cli::parse())
}
