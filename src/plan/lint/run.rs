//! Linting one migration: runs the dialect's rules on each script, then applies directives and policy.

use super::allow::unknown_allows;
use super::finding::{Finding, Violation, line_column};
use super::policy::LintPolicy;
use super::{postgres, sqlite};
use crate::plan::DatabaseKind;
use crate::source::{Migration, Script};

/// Lints the up script (and the down script, if present) of one migration.
///
/// Findings come in file order, the up script's first. A rule in `policy.disabled`, or named
/// by the script's `-- dbmigrate: allow=<rule>` directive, reports nothing. Each script is
/// linted as transactional unless its own directives say `no-transaction`.
pub fn lint_migration(
    db: DatabaseKind,
    migration: &Migration,
    policy: &LintPolicy,
) -> Vec<Finding> {
    let version = migration.version.as_str();
    let up = (&migration.up, migration.transactional());
    let down = migration
        .down
        .as_ref()
        .map(|down| (down, !down.directives.no_transaction));
    std::iter::once(up)
        .chain(down)
        .flat_map(|(script, transactional)| {
            let findings = lint_script(db, script, transactional)
                .into_iter()
                .filter(|v| !policy.disables(&v.rule) && !script.directives.allows(&v.rule))
                .map(move |v| to_finding(version, script, v, policy));
            unknown_allows(version, script, policy)
                .into_iter()
                .chain(findings)
        })
        .collect()
}

fn lint_script(db: DatabaseKind, script: &Script, transactional: bool) -> Vec<Violation> {
    let _span = tracing::debug_span!("lint", path = %script.path.display()).entered();
    let mut violations = match db {
        DatabaseKind::Postgres => postgres::lint(&script.sql, transactional),
        DatabaseKind::Sqlite => sqlite::lint(&script.sql),
    };
    violations.sort_by_key(|v| v.offset);
    violations
}

fn to_finding(
    version: &str,
    script: &Script,
    violation: Violation,
    policy: &LintPolicy,
) -> Finding {
    let (line, column) = line_column(&script.sql, violation.offset);
    Finding {
        version: version.to_owned(),
        path: script.path.clone(),
        line,
        column,
        severity: policy.severity(&violation.rule),
        rule: violation.rule,
        message: violation.message,
        help: violation.help,
    }
}
