//! What lint reports: one finding per rule violation, located by file, line and column.

use std::path::PathBuf;

use serde::Serialize;

/// How serious a finding is under the active [`LintPolicy`](super::LintPolicy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Reported; does not stop the run.
    Warning,
    /// Reported; blocks the run (`--deny <rule>` or `--deny-warnings`).
    Error,
}

/// One rule violation in one script.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Version of the migration the script belongs to.
    pub version: String,
    /// The script's path, relative to the migrations directory.
    pub path: PathBuf,
    /// 1-based line in the script file.
    pub line: usize,
    /// 1-based column in the script file, counted in characters.
    pub column: usize,
    /// Stable kebab-case rule name (`adding-required-field`).
    pub rule: String,
    /// Warning or error under the policy.
    pub severity: Severity,
    /// What is wrong and what to do instead.
    pub message: String,
    /// A further hint, when the rule has one.
    pub help: Option<String>,
}

impl Finding {
    /// Whether this finding stops the run (its severity is [`Severity::Error`]).
    pub fn blocking(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// What a dialect's linter reports before the policy and directives are applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Violation {
    /// Stable rule name.
    pub rule: String,
    /// Byte offset in the script where the offending text starts.
    pub offset: usize,
    /// What is wrong and what to do instead.
    pub message: String,
    /// A further hint.
    pub help: Option<String>,
}

/// 1-based line and character column of a byte offset (a leading BOM takes no column).
pub(super) fn line_column(script: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(script.len());
    while !script.is_char_boundary(end) {
        end -= 1;
    }
    let before = &script[..end];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before[..line_start].matches('\n').count() + 1;
    let text = before[line_start..].trim_start_matches('\u{feff}');
    (line, text.chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_lines_and_character_columns() {
        let script = "-- é\r\n  ALTER TABLE \"é\" ADD x;";
        assert_eq!(line_column(script, 0), (1, 1));
        let at_x = script.find("ADD").unwrap();
        assert_eq!(line_column(script, at_x), (2, 19));
        assert_eq!(line_column(script, script.len() + 10), (2, 25));
    }

    #[test]
    fn ignores_a_leading_bom_and_splits_inside_a_character() {
        assert_eq!(line_column("\u{feff}CREATE", 3), (1, 1));
        assert_eq!(line_column("é", 1), (1, 1));
    }
}
