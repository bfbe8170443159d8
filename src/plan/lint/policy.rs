//! Which findings block a run and which rules are switched off.

use super::finding::Severity;
use super::rules::rule_names;
use crate::api::Reason;
use crate::plan::DatabaseKind;

/// How findings are weighed: the CLI's `--deny-warnings`, `--deny <rule>` and `--allow <rule>`.
#[derive(Debug, Clone, Default)]
pub struct LintPolicy {
    /// Every finding is an error.
    pub deny_warnings: bool,
    /// Rules whose findings are errors.
    pub deny: Vec<String>,
    /// Rules that are not reported at all.
    pub disabled: Vec<String>,
}

/// A lint policy that names a rule the dialect does not have.
#[derive(Debug, thiserror::Error)]
pub enum LintPolicyError {
    /// `--deny`/`--allow` named a rule that does not exist for this database.
    #[error("unknown lint rule `{name}`; known rules: {known}")]
    UnknownRule {
        /// The name as given.
        name: String,
        /// The dialect's rule names, comma-separated.
        known: String,
    },
}

impl LintPolicyError {
    /// Stable reason for conditions, events and metric labels.
    pub fn reason(&self) -> Reason {
        match self {
            Self::UnknownRule { .. } => Reason::UnknownLintRule,
        }
    }
}

impl LintPolicy {
    /// Checks that every rule named in `deny` and `disabled` exists for this database.
    pub fn validate(&self, db: DatabaseKind) -> Result<(), LintPolicyError> {
        let known = rule_names(db);
        match self
            .deny
            .iter()
            .chain(&self.disabled)
            .find(|name| !known.contains(name))
        {
            Some(name) => Err(LintPolicyError::UnknownRule {
                name: name.clone(),
                known: known.join(", "),
            }),
            None => Ok(()),
        }
    }

    /// Whether findings of this rule are dropped.
    pub(super) fn disables(&self, rule: &str) -> bool {
        self.disabled.iter().any(|r| r == rule)
    }

    /// The severity a finding of this rule gets.
    pub(super) fn severity(&self, rule: &str) -> Severity {
        if self.deny_warnings || self.deny.iter().any(|r| r == rule) {
            Severity::Error
        } else {
            Severity::Warning
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(deny: &[&str], disabled: &[&str]) -> LintPolicy {
        LintPolicy {
            deny_warnings: false,
            deny: deny.iter().map(|s| s.to_string()).collect(),
            disabled: disabled.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn accepts_known_rules_per_dialect() {
        let p = policy(
            &["adding-required-field"],
            &["prefer-robust-stmts", "syntax-error"],
        );
        assert!(p.validate(DatabaseKind::Postgres).is_ok());
        assert!(
            policy(&["ban-drop-column"], &["renaming-table"])
                .validate(DatabaseKind::Sqlite)
                .is_ok()
        );
    }

    #[test]
    fn rejects_unknown_and_foreign_dialect_rules() {
        let err = policy(&[], &["no-such-rule"])
            .validate(DatabaseKind::Postgres)
            .unwrap_err();
        let LintPolicyError::UnknownRule { name, known } = &err;
        assert_eq!(name, "no-such-rule");
        assert!(known.contains("adding-required-field"), "{known}");
        assert!(
            err.to_string()
                .starts_with("unknown lint rule `no-such-rule`; known rules: ")
        );
        assert_eq!(err.reason(), Reason::UnknownLintRule);
        assert!(
            policy(&["prefer-robust-stmts"], &[])
                .validate(DatabaseKind::Sqlite)
                .is_err()
        );
        assert!(
            policy(&["require-timeout-settings"], &[])
                .validate(DatabaseKind::Postgres)
                .is_err()
        );
    }

    #[test]
    fn deny_and_deny_warnings_make_errors() {
        let p = policy(&["ban-drop-table"], &[]);
        assert_eq!(p.severity("ban-drop-table"), Severity::Error);
        assert_eq!(p.severity("ban-drop-column"), Severity::Warning);
        let all = LintPolicy {
            deny_warnings: true,
            ..LintPolicy::default()
        };
        assert_eq!(all.severity("ban-drop-column"), Severity::Error);
    }
}
