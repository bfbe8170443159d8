//! The CLI's output layer: aligned tables, colours, progress lines, JSON documents.

use std::io::{IsTerminal, Write};

use serde::Serialize;

use super::args::{ColorChoice, OutputFormat};
use crate::engine::{Progress, ScriptOutcome};
use crate::plan::lint::{Finding, Severity};
use crate::plan::{MigrationState, Plan, RecordKind};

/// Where and how the CLI prints.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// Human tables or JSON.
    pub format: OutputFormat,
    color: bool,
    progress: bool,
}

/// A colour for a table cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// No colour.
    Plain,
    /// Green: applied, ok.
    Good,
    /// Yellow: pending, warnings.
    Warn,
    /// Red: failures, blocking problems.
    Bad,
}

impl Output {
    /// Decides colour and progress from the flags and the terminal.
    pub fn new(format: OutputFormat, color: ColorChoice) -> Self {
        let tty = std::io::stdout().is_terminal();
        let color = match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => tty && std::env::var_os("NO_COLOR").is_none(),
        };
        Self {
            format,
            color: color && format == OutputFormat::Human,
            progress: format == OutputFormat::Human,
        }
    }

    /// Whether output is a document (JSON or YAML) rather than text for people.
    pub fn structured(&self) -> bool {
        self.format != OutputFormat::Human
    }

    /// Paints text in a tone (when colours are on).
    pub fn paint(&self, text: &str, tone: Tone) -> String {
        let code = match tone {
            Tone::Plain => return text.to_owned(),
            Tone::Good => "32",
            Tone::Warn => "33",
            Tone::Bad => "31",
        };
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// A progress line on stderr (human output only).
    pub fn progress(&self, line: &str) {
        if self.progress {
            eprintln!("{line}");
        }
    }

    /// Prints a line of human output to stdout.
    pub fn line(&self, line: &str) {
        if !self.structured() {
            println!("{line}");
        }
    }

    /// Prints text to stdout as it is, whatever the output format (e.g. generated YAML).
    pub fn raw(&self, text: &str) {
        let mut stdout = std::io::stdout().lock();
        // Writing to a closed pipe is not worth a panic; the exit code still tells.
        let _ = stdout.write_all(text.as_bytes());
    }

    /// Prints a document to stdout as JSON or YAML (structured output only).
    pub fn document<T: Serialize>(&self, value: &T) {
        let mut stdout = std::io::stdout().lock();
        // Writing to a closed pipe is not worth a panic; the exit code still tells.
        match self.format {
            OutputFormat::Human => {}
            OutputFormat::Json => {
                let _ = serde_json::to_writer_pretty(&mut stdout, value);
                let _ = writeln!(stdout);
            }
            OutputFormat::Yaml => {
                let _ = serde_yaml::to_writer(&mut stdout, value);
            }
        }
    }

    /// Prints a migration's progress line on stderr, after `prefix` (e.g. the resource).
    pub fn migration_progress(&self, prefix: &str, progress: Progress<'_>) {
        match progress {
            Progress::Starting {
                index,
                total,
                script: step,
            } => {
                let verb = if step.record == RecordKind::Down {
                    "reverting"
                } else {
                    "applying"
                };
                self.progress(&format!(
                    "{prefix}[{index}/{total}] {verb} {} {} …",
                    step.version, step.name
                ));
            }
            Progress::Finished {
                script: step,
                outcome,
            } => {
                let done = match outcome {
                    ScriptOutcome::Ran { execution_ms } => {
                        self.paint(&format!("ok ({execution_ms} ms)"), Tone::Good)
                    }
                    ScriptOutcome::AlreadyDone => {
                        self.paint("already done by another run", Tone::Warn)
                    }
                };
                self.progress(&format!("{prefix}      {} {done}", step.version));
            }
        }
    }

    /// Prints an error to stderr in the chosen format.
    pub fn error(&self, reason: &str, message: &str) {
        if self.structured() {
            self.document(
                &serde_json::json!({ "error": { "reason": reason, "message": message } }),
            );
        } else {
            eprintln!("{} {message}", self.paint("error:", Tone::Bad));
        }
    }

    /// Prints the status table of a plan.
    pub fn status_table(&self, plan: &Plan) {
        let mut table = Table::new(&["VERSION", "NAME", "KIND", "STATE", "APPLIED AT", "DURATION"]);
        for entry in &plan.entries {
            let tone = match entry.state {
                MigrationState::Applied => Tone::Good,
                MigrationState::Pending => Tone::Warn,
                _ => Tone::Bad,
            };
            table.row(vec![
                (entry.version.clone(), Tone::Plain),
                (entry.name.clone(), Tone::Plain),
                (entry.kind.as_str().to_owned(), Tone::Plain),
                (entry.state.label().to_owned(), tone),
                (
                    entry.applied_at.clone().unwrap_or_else(|| "-".into()),
                    Tone::Plain,
                ),
                (
                    entry
                        .execution_ms
                        .map(|ms| format!("{ms} ms"))
                        .unwrap_or_else(|| "-".into()),
                    Tone::Plain,
                ),
            ]);
        }
        self.line(&table.render(self));
        self.line(&format!(
            "current version: {}   applied: {}   pending: {}",
            plan.current_version().unwrap_or("none"),
            plan.applied_count(),
            plan.pending_count()
        ));
    }

    /// Prints lint findings, one per line, `path:line:column: severity[rule] message`.
    pub fn findings(&self, findings: &[Finding]) {
        for finding in findings {
            let severity = match finding.severity {
                Severity::Warning => self.paint("warning", Tone::Warn),
                Severity::Error => self.paint("error", Tone::Bad),
            };
            let help = finding
                .help
                .as_ref()
                .map(|h| format!("\n    help: {h}"))
                .unwrap_or_default();
            self.line(&format!(
                "{}:{}:{}: {severity}[{}] {}{help}",
                finding.path.display(),
                finding.line,
                finding.column,
                finding.rule,
                finding.message
            ));
        }
    }
}

/// A text table whose columns are as wide as their widest cell.
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<(String, Tone)>>,
}

impl Table {
    /// A table with these column headers.
    pub fn new(headers: &[&str]) -> Self {
        Self {
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row of cells with their tones.
    pub fn row(&mut self, cells: Vec<(String, Tone)>) {
        self.rows.push(cells);
    }

    /// Renders the table; colour codes do not disturb the alignment.
    pub fn render(&self, output: &Output) -> String {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, (cell, _)) in row.iter().enumerate() {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let header: Vec<(String, Tone)> = self
            .headers
            .iter()
            .map(|h| (h.clone(), Tone::Plain))
            .collect();
        std::iter::once(&header)
            .chain(&self.rows)
            .map(|row| {
                let cells: Vec<String> = row
                    .iter()
                    .enumerate()
                    .map(|(i, (cell, tone))| {
                        let pad = " ".repeat(widths[i] - cell.chars().count());
                        format!("{}{pad}", output.paint(cell, *tone))
                    })
                    .collect();
                cells.join("  ").trim_end().to_owned()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}
