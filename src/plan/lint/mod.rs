//! Lint: flags risky or invalid statements in migration scripts before anything runs.
//!
//! PostgreSQL scripts go through [squawk](https://squawkhq.com) (`postgres.rs`); SQLite scripts
//! through a small rule set of our own on `sqlparser` (`sqlite/`, one rule per file). Every
//! finding carries a stable kebab-case rule name that `--deny`, `--allow` and the script
//! directive `-- dbmigrate: allow=<rule>` refer to.

mod finding;
mod policy;
mod postgres;
mod run;
mod sqlite;

pub use finding::{Finding, Severity};
pub use policy::{LintPolicy, LintPolicyError};
pub use run::{lint_migration, rule_names};
