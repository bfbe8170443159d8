//! Lint: flags risky or invalid statements in migration scripts before anything runs.
//!
//! PostgreSQL scripts go through [squawk](https://squawkhq.com) (`postgres.rs`); SQLite scripts
//! through a small rule set of our own on `sqlparser` (`sqlite/`, one rule per file). Every
//! finding carries a stable kebab-case rule name that `--deny`, `--allow` and the script
//! directive `-- dbmigrate: allow=<rule>` refer to.

mod allow;
mod finding;
mod policy;
mod postgres;
mod rules;
mod run;
mod sqlite;

pub use finding::{Finding, Severity};
pub use policy::{LintPolicy, LintPolicyError};
pub use rules::rule_names;
pub use run::lint_migration;

/// Lint findings of the SQL migrations a run of `plan` would apply (up to `target`); script
/// steps (commands) have no SQL to lint.
pub fn lint_pending(
    plan: &crate::plan::Plan,
    set: &crate::source::MigrationSet,
    kind: crate::plan::DatabaseKind,
    policy: &LintPolicy,
    target: Option<&crate::source::Version>,
) -> Vec<Finding> {
    plan.to_apply(target)
        .filter_map(|entry| entry.parsed_version().and_then(|v| set.get(v)))
        .filter(|migration| migration.up.command.is_none())
        .flat_map(|migration| lint_migration(kind, migration, policy))
        .collect()
}
