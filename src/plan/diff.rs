//! The plan: every migration on disk or in history, with its state and what blocks a run.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use super::checksum::checksum;
use super::history::{HistoryRecord, latest_per_version};
use crate::api::Reason;
use crate::source::{Migration, MigrationKind, MigrationSet, Version};

/// Where a migration stands against the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "state")]
pub enum MigrationState {
    /// Recorded as applied with the same checksum.
    Applied,
    /// Not applied yet; the next run applies it.
    Pending,
    /// Not applied, but a later version already is.
    OutOfOrder,
    /// Applied, but the file changed since.
    ChecksumMismatch {
        /// The checksum recorded when it was applied.
        recorded: String,
    },
    /// Applied, but no file has this version any more.
    MissingOnDisk,
    /// A non-transactional script started and did not finish (or failed).
    Dirty {
        /// The recorded failure, if any.
        error: Option<String>,
    },
}

impl MigrationState {
    /// A short label for tables (`applied`, `pending`, …).
    pub fn label(&self) -> &'static str {
        match self {
            Self::Applied => "applied",
            Self::Pending => "pending",
            Self::OutOfOrder => "out-of-order",
            Self::ChecksumMismatch { .. } => "checksum-mismatch",
            Self::MissingOnDisk => "missing-on-disk",
            Self::Dirty { .. } => "dirty",
        }
    }
}

/// One row of the plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanEntry {
    /// The version.
    pub version: String,
    /// The name (from the file, or from history when the file is gone).
    pub name: String,
    /// Schema or data.
    pub kind: MigrationKind,
    /// The state.
    #[serde(flatten)]
    pub state: MigrationState,
    /// Checksum of the file on disk (absent when missing on disk).
    pub checksum: Option<String>,
    /// The up script, relative to the migrations directory.
    pub path: Option<PathBuf>,
    /// When it was applied.
    pub applied_at: Option<String>,
    /// How long it took, in milliseconds.
    pub execution_ms: Option<i64>,
    #[serde(skip)]
    parsed_version: Option<Version>,
}

/// What the user allows despite the default checks.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlanOverrides {
    /// Run even though applied files changed (`--allow-checksum-mismatch`).
    pub allow_checksum_mismatch: bool,
    /// Run even though applied versions have no file (`--ignore-missing`).
    pub ignore_missing: bool,
    /// Apply pending versions below the highest applied one (`--out-of-order`).
    pub out_of_order: bool,
}

/// A reason the plan must not run, naming the migration and the way out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "reason")]
pub enum PlanProblem {
    /// An applied file was edited.
    #[error(
        "{path} (version {version}) was edited after it was applied: recorded checksum {recorded}, file has {actual}. Restore the file (e.g. `git checkout -- {path}`) and put the change in a new migration, or accept the edit with `dbmigrate repair`"
    )]
    ChecksumMismatch {
        /// Version.
        version: String,
        /// File.
        path: String,
        /// Recorded checksum.
        recorded: String,
        /// Checksum of the file.
        actual: String,
    },
    /// A non-transactional script did not finish.
    #[error(
        "version {version} ({name}) is dirty: a non-transactional migration started and did not complete{error}. If another run is applying it right now, wait for it; otherwise check the database by hand, undo or finish what it did, then run `dbmigrate repair` to clear the record so it runs again (or `dbmigrate repair --mark-applied {version}` if you completed it yourself)"
    )]
    Dirty {
        /// Version.
        version: String,
        /// Name.
        name: String,
        /// ": <error>" when recorded.
        error: String,
    },
    /// Applied in the database, gone from disk.
    #[error(
        "version {version} ({name}) is applied in the database but has no file in the migrations directory: are you running an older checkout or the wrong --dir? Pass --ignore-missing to go on anyway"
    )]
    MissingOnDisk {
        /// Version.
        version: String,
        /// Name.
        name: String,
    },
    /// Pending below the highest applied version.
    #[error(
        "{path} (version {version}) is pending but a later version ({latest}) is already applied; give it a version after {latest}, or pass --out-of-order to apply it anyway"
    )]
    OutOfOrder {
        /// Version.
        version: String,
        /// File.
        path: String,
        /// Highest applied version.
        latest: String,
    },
}

impl PlanProblem {
    /// A stable reason string (conditions, events, JSON).
    pub fn reason(&self) -> Reason {
        match self {
            Self::ChecksumMismatch { .. } => Reason::ChecksumMismatch,
            Self::Dirty { .. } => Reason::Dirty,
            Self::MissingOnDisk { .. } => Reason::MissingOnDisk,
            Self::OutOfOrder { .. } => Reason::OutOfOrder,
        }
    }

    /// The version of the migration it is about.
    pub fn version(&self) -> &str {
        match self {
            Self::ChecksumMismatch { version, .. }
            | Self::Dirty { version, .. }
            | Self::MissingOnDisk { version, .. }
            | Self::OutOfOrder { version, .. } => version,
        }
    }

    /// Its file, when it has one on disk.
    pub fn path(&self) -> Option<&str> {
        match self {
            Self::ChecksumMismatch { path, .. } | Self::OutOfOrder { path, .. } => Some(path),
            Self::Dirty { .. } | Self::MissingOnDisk { .. } => None,
        }
    }
}

/// Every known migration in version order with its state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    /// Rows in ascending version order.
    pub entries: Vec<PlanEntry>,
}

impl Plan {
    /// Compares the files with the history table.
    pub fn build(set: &MigrationSet, history: &[HistoryRecord]) -> Self {
        // Keyed by parsed version: `1` and `01` are the same version.
        let latest: BTreeMap<Version, &HistoryRecord> = latest_per_version(history)
            .into_iter()
            .filter_map(|r| Version::parse(&r.version).ok().map(|v| (v, r)))
            .collect();
        let highest_applied = latest
            .iter()
            .filter(|(_, r)| r.is_applied())
            .map(|(v, _)| v)
            .max();
        let on_disk: BTreeMap<&Version, &Migration> =
            set.migrations.iter().map(|m| (&m.version, m)).collect();
        let mut entries: Vec<PlanEntry> = set
            .migrations
            .iter()
            .map(|migration| {
                let record = latest.get(&migration.version).copied();
                entry_for_file(migration, record, highest_applied)
            })
            .collect();
        for (version, record) in latest.iter().filter(|(_, r)| r.is_applied()) {
            let version = version.clone();
            if !on_disk.contains_key(&version) {
                entries.push(PlanEntry {
                    version: record.version.clone(),
                    name: record.name.clone(),
                    kind: kind_of(record),
                    state: MigrationState::MissingOnDisk,
                    checksum: None,
                    path: None,
                    applied_at: Some(record.applied_at.clone()),
                    execution_ms: Some(record.execution_ms),
                    parsed_version: Some(version),
                });
            }
        }
        entries.sort_by(|a, b| a.parsed_version.cmp(&b.parsed_version));
        Self { entries }
    }

    /// What stops a run, given the overrides.
    pub fn problems(&self, overrides: PlanOverrides) -> Vec<PlanProblem> {
        let latest = self.current_version().unwrap_or_default().to_owned();
        self.entries
            .iter()
            .filter_map(|entry| {
                let path = entry.path_display();
                match &entry.state {
                    MigrationState::ChecksumMismatch { recorded }
                        if !overrides.allow_checksum_mismatch =>
                    {
                        Some(PlanProblem::ChecksumMismatch {
                            version: entry.version.clone(),
                            path,
                            recorded: recorded.clone(),
                            actual: entry.checksum.clone().unwrap_or_default(),
                        })
                    }
                    MigrationState::Dirty { error } => Some(PlanProblem::Dirty {
                        version: entry.version.clone(),
                        name: entry.name.clone(),
                        error: error.as_ref().map(|e| format!(": {e}")).unwrap_or_default(),
                    }),
                    MigrationState::MissingOnDisk if !overrides.ignore_missing => {
                        Some(PlanProblem::MissingOnDisk {
                            version: entry.version.clone(),
                            name: entry.name.clone(),
                        })
                    }
                    MigrationState::OutOfOrder if !overrides.out_of_order => {
                        Some(PlanProblem::OutOfOrder {
                            version: entry.version.clone(),
                            path,
                            latest: latest.clone(),
                        })
                    }
                    _ => None,
                }
            })
            .collect()
    }

    /// Versions that a run would apply, up to and including `target` when given. Dirty
    /// versions are included so that the engine stops at them (with `Dirty`) instead of
    /// silently applying later versions.
    pub fn to_apply<'a>(
        &'a self,
        target: Option<&'a Version>,
    ) -> impl Iterator<Item = &'a PlanEntry> {
        self.entries.iter().filter(move |e| {
            matches!(
                e.state,
                MigrationState::Pending | MigrationState::OutOfOrder | MigrationState::Dirty { .. }
            ) && target.is_none_or(|t| e.parsed_version.as_ref().is_some_and(|v| v <= t))
        })
    }

    /// The highest applied version.
    pub fn current_version(&self) -> Option<&str> {
        self.entries
            .iter()
            .rev()
            .find(|e| e.is_applied())
            .map(|e| e.version.as_str())
    }

    /// The highest version on disk.
    pub fn latest_version(&self) -> Option<&str> {
        self.entries
            .iter()
            .rev()
            .find(|e| e.path.is_some())
            .map(|e| e.version.as_str())
    }

    /// How many entries are applied (including mismatched and missing ones).
    pub fn applied_count(&self) -> usize {
        self.entries.iter().filter(|e| e.is_applied()).count()
    }

    /// How many entries are pending (including out-of-order ones).
    pub fn pending_count(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| {
                matches!(
                    e.state,
                    MigrationState::Pending | MigrationState::OutOfOrder
                )
            })
            .count()
    }
}

impl PlanEntry {
    /// Whether the database has this version applied.
    pub fn is_applied(&self) -> bool {
        matches!(
            self.state,
            MigrationState::Applied
                | MigrationState::ChecksumMismatch { .. }
                | MigrationState::MissingOnDisk
        )
    }

    /// The parsed version (always present for entries built from files or valid history).
    pub fn parsed_version(&self) -> Option<&Version> {
        self.parsed_version.as_ref()
    }

    fn path_display(&self) -> String {
        self.path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| format!("version {}", self.version))
    }
}

fn entry_for_file(
    migration: &Migration,
    record: Option<&HistoryRecord>,
    highest_applied: Option<&Version>,
) -> PlanEntry {
    let actual = checksum(&migration.up);
    let state = match record {
        Some(r) if !r.success => MigrationState::Dirty {
            error: r.error.clone(),
        },
        Some(r) if r.is_applied() && r.checksum != actual => MigrationState::ChecksumMismatch {
            recorded: r.checksum.clone(),
        },
        Some(r) if r.is_applied() => MigrationState::Applied,
        _ if highest_applied.is_some_and(|h| &migration.version < h) => MigrationState::OutOfOrder,
        _ => MigrationState::Pending,
    };
    let applied = record.filter(|r| r.is_applied());
    PlanEntry {
        version: migration.version.to_string(),
        name: migration.name.clone(),
        kind: migration.kind(),
        state,
        checksum: Some(actual),
        path: Some(migration.up.path.clone()),
        applied_at: applied.map(|r| r.applied_at.clone()),
        execution_ms: applied.map(|r| r.execution_ms),
        parsed_version: Some(migration.version.clone()),
    }
}

fn kind_of(record: &HistoryRecord) -> MigrationKind {
    match record.kind {
        super::history::RecordKind::Data => MigrationKind::Data,
        _ => MigrationKind::Schema,
    }
}
