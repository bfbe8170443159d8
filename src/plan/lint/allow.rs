//! `-- dbmigrate: allow=<rule>` names checked: a typo would silently allow nothing.

use std::sync::OnceLock;

use super::finding::Finding;
use super::rules::rule_names;
use super::{LintPolicy, Severity};
use crate::plan::DatabaseKind;
use crate::source::Script;

/// The rule name of the finding for an allow directive that names no rule.
pub const UNKNOWN_RULE: &str = "unknown-rule";

/// One finding per name in the script's `allow=` that no dialect has (a portable migration
/// may allow a rule only the other database reports). Blocking unless the policy disables
/// `unknown-rule`.
pub fn unknown_allows(version: &str, script: &Script, policy: &LintPolicy) -> Vec<Finding> {
    if policy.disables(UNKNOWN_RULE) {
        return Vec::new();
    }
    let known = known_rules();
    script
        .directives
        .allow
        .iter()
        .filter(|name| !known.contains(name))
        .map(|name| {
            let line = script
                .sql
                .lines()
                .position(|l| l.contains("dbmigrate:") && l.contains(name.as_str()))
                .map_or(1, |index| index + 1);
            let hint = closest(name, known)
                .map(|rule| format!("did you mean `{rule}`? "))
                .unwrap_or_default();
            Finding {
                version: version.to_owned(),
                path: script.path.clone(),
                line,
                column: 1,
                rule: UNKNOWN_RULE.to_owned(),
                severity: Severity::Error,
                message: format!(
                    "`allow={name}` names no lint rule, so it allows nothing; {hint}see `docs/lint.md` for the rules"
                ),
                help: None,
            }
        })
        .collect()
}

/// Every rule name of either database, built once (the PostgreSQL list builds squawk's linter).
fn known_rules() -> &'static [String] {
    static KNOWN: OnceLock<Vec<String>> = OnceLock::new();
    KNOWN.get_or_init(|| {
        let mut known = rule_names(DatabaseKind::Postgres);
        known.extend(rule_names(DatabaseKind::Sqlite));
        known
    })
}

/// The known rule within edit distance 3 of `name`, if one is closest.
fn closest<'a>(name: &str, known: &'a [String]) -> Option<&'a str> {
    known
        .iter()
        .map(|rule| (distance(name, rule), rule))
        .filter(|(d, _)| *d <= 3)
        .min_by_key(|(d, _)| *d)
        .map(|(_, rule)| rule.as_str())
}

/// Levenshtein distance.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_edits() {
        assert_eq!(distance("ban-drop-tabel", "ban-drop-table"), 2);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("same", "same"), 0);
    }
}
