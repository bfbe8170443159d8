//! Why a resource is where it is: the one list of reasons that conditions, `status.failure`,
//! step reports, Events, metric labels and the CLI's JSON errors name. Each reason says
//! whether a step that failed with it is retried, and whether its Event is a warning.

use std::fmt;

/// Whether a step that failed with a reason is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Not a failure: nothing to retry.
    NotAFailure,
    /// Retried with backoff, up to the resource's retry limit: the cause can go away by
    /// itself (a database restarts, a lock is released, an image appears).
    Transient,
    /// Never retried with the same inputs: only a change of the spec, a referenced ConfigMap
    /// or Secret, or the retry annotation runs the step again.
    Permanent,
}

/// How an Event of a reason is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// Normal: things go as planned.
    Normal,
    /// Warning: someone may have to act.
    Warning,
}

/// Defines [`Reason`] from one table: name, retry policy, Event kind and the sentence the
/// reference documentation gives it.
macro_rules! reasons {
    ($($name:ident: $retry:ident, $event:ident, $description:literal;)*) => {
        /// A stable reason (`UpperCamelCase`, as Kubernetes writes them).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Reason {
            $(
                #[doc = $description]
                $name,
            )*
        }

        impl Reason {
            /// Every reason, in the order of the reference table.
            pub const ALL: &'static [Reason] = &[$(Reason::$name),*];

            /// The reason as conditions, Events and JSON write it.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$name => stringify!($name),)*
                }
            }

            /// Whether a step that failed with this reason is retried.
            pub const fn retry(self) -> Retry {
                match self {
                    $(Self::$name => Retry::$retry,)*
                }
            }

            /// The kind of Event this reason is published as.
            pub const fn event_kind(self) -> EventKind {
                match self {
                    $(Self::$name => EventKind::$event,)*
                }
            }

            /// What the reason means, in one sentence.
            pub const fn description(self) -> &'static str {
                match self {
                    $(Self::$name => $description,)*
                }
            }

            /// The reason written as `text`; `None` for a reason this build does not know (a
            /// report of another version's runner).
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $(stringify!($name) => Some(Self::$name),)*
                    _ => None,
                }
            }
        }
    };
}

reasons! {
    // Where things stand (conditions and Events that are not failures).
    Applied: NotAFailure, Normal, "Every migration up to the target version is applied.";
    Synced: NotAFailure, Normal, "The configuration rows are in their tables.";
    Pending: NotAFailure, Normal, "A dry run (`dbmigrate plan -f`) found changes to apply.";
    Applying: NotAFailure, Normal, "A step Job is applying the resource.";
    StepStarted: NotAFailure, Normal, "The operator created a step Job.";
    RetryScheduled: NotAFailure, Warning, "A step failed and runs again after a backoff.";
    DatabaseBusy: NotAFailure, Normal, "Another resource's step runs on the same database; this one waits for it.";
    DependencyNotReady: NotAFailure, Normal, "A resource in `spec.dependsOn` is not Ready yet.";
    ConfigMapNotFound: NotAFailure, Warning, "A ConfigMap the spec names does not exist.";
    Suspended: NotAFailure, Normal, "`spec.suspend` is true.";
    DriftCorrected: NotAFailure, Warning, "Rows edited outside the config were set back.";
    // Refusals before anything runs.
    LintBlocked: Permanent, Warning, "A pending migration has a blocking lint finding.";
    NonTransactionalNotAllowed: Transient, Warning, "A pending migration runs without a transaction, which `spec.allowNonTransactional` does not allow.";
    ChecksumMismatch: Permanent, Warning, "An applied migration's file was edited after it was applied.";
    MissingOnDisk: Permanent, Warning, "An applied version has no file any more.";
    OutOfOrder: Permanent, Warning, "A pending version is lower than the highest applied one.";
    Dirty: Permanent, Warning, "A migration that ran without a transaction failed half-way; the database needs checking and `dbmigrate repair`.";
    Irreversible: Transient, Warning, "A migration to revert has no down script.";
    HistoryTooNew: Transient, Warning, "The history table was written by a newer dbmigrate.";
    // The database.
    InvalidDatabaseUrl: Transient, Warning, "The database URL cannot be parsed, or its scheme is not supported.";
    InvalidSetting: Transient, Warning, "A setting (history table, timeout) is not valid.";
    DatabaseUnreachable: Transient, Warning, "The database did not accept a connection within the connect timeout.";
    LockTimeout: Transient, Warning, "The migration lock or a table lock was not granted within the lock timeout.";
    DatabaseTimeout: Transient, Warning, "The database did not answer within the statement timeout.";
    DatabaseError: Transient, Warning, "The database refused the history bookkeeping.";
    MigrationFailed: Transient, Warning, "A migration failed; its file, line, SQLSTATE and message are in `status.failure`.";
    // Migration files.
    MissingDirectory: Transient, Warning, "The migrations directory does not exist.";
    Unreadable: Transient, Warning, "A migration file cannot be read.";
    NotUtf8: Transient, Warning, "A migration file is not UTF-8.";
    EmptyMigration: Transient, Warning, "A migration file has no statement.";
    DuplicateVersion: Transient, Warning, "Two migration files have the same version.";
    MixedFormats: Transient, Warning, "The folder mixes the file layouts of different tools.";
    UnrecognisedFile: Transient, Warning, "A file's name fits no known migration layout.";
    InvalidVersion: Transient, Warning, "A version is not a version dbmigrate can order.";
    InvalidDirective: Transient, Warning, "A `-- dbmigrate:` directive is not valid.";
    DownWithoutUp: Transient, Warning, "A down script has no up script.";
    InvalidMetadata: Transient, Warning, "A tool's metadata file (e.g. Drizzle's journal) disagrees with the files.";
    UnknownLintRule: Transient, Warning, "A lint rule named in the policy does not exist for the database.";
    // Manifests and specs.
    ManifestUnreadable: Transient, Warning, "A manifest file cannot be read.";
    ManifestSyntax: Transient, Warning, "A manifest is not valid YAML or JSON.";
    ManifestInvalid: Transient, Warning, "A manifest is not a resource dbmigrate can read.";
    SchemaRejected: Transient, Warning, "The API server would refuse the resource (its CRD's schema).";
    UnknownKind: Transient, Warning, "A manifest has a kind dbmigrate does not run.";
    DuplicateResource: Transient, Warning, "Two manifests declare the same resource.";
    NoResources: Transient, Warning, "The manifests hold no DatabaseMigration or ConfigSync.";
    ReferenceNotFound: Transient, Warning, "A Secret, ConfigMap or key the spec names is not in the manifests.";
    DependencyCycle: Transient, Warning, "`spec.dependsOn` forms a cycle.";
    InvalidSpec: Permanent, Warning, "The spec cannot be run as written.";
    SourceUnwritable: Transient, Warning, "The migration files of a resource could not be written to a temporary folder.";
    // ConfigSync.
    InvalidIdentifier: Transient, Warning, "A table or column name is not a valid identifier.";
    TableNotFound: Transient, Warning, "A table to sync does not exist.";
    ColumnNotFound: Transient, Warning, "A column to sync does not exist.";
    MissingKeyValue: Transient, Warning, "A row has no value for a key column.";
    DuplicateRowKey: Transient, Warning, "Two rows have the same key.";
    TypeMismatch: Transient, Warning, "A value does not convert to its column's type.";
    ConstraintViolation: Transient, Warning, "A row breaks a constraint of its table.";
    InvalidValue: Transient, Warning, "A value is not valid for its column.";
    SyncFailed: Transient, Warning, "A sync statement failed.";
    // Step Jobs.
    InvalidInput: Permanent, Warning, "A step Job's inputs are unusable (its runner and the operator disagree).";
    SecretNotFound: Transient, Warning, "A Secret (or a key of it) the step needs does not exist.";
    ConfigMapUnreadable: Transient, Warning, "A ConfigMap mounted into the step Job cannot be read.";
    ScriptNotNext: Transient, Warning, "The script step asked for is not the next pending migration.";
    MissingMetadata: Permanent, Warning, "The resource lacks the metadata a step Job needs.";
    UnknownScript: Permanent, Warning, "The script step asked for is not in `spec.scripts`.";
    ReservedEnv: Permanent, Warning, "A script's `env` sets a variable dbmigrate sets itself.";
    EncodeFailed: Permanent, Warning, "The resource could not be encoded for its step Job.";
    StepTimedOut: Transient, Warning, "A step ran into its Job's deadline.";
    ImagePullFailed: Transient, Warning, "An image of the step Job cannot be pulled.";
    ContainerConfigInvalid: Transient, Warning, "A container of the step Job cannot be created from its configuration.";
    OutOfMemory: Transient, Warning, "A container of the step Job went over its memory limit.";
    StepFailed: Transient, Warning, "A step Job failed without a report of its own.";
    ReportUnreadable: Transient, Warning, "A step Job ended without a readable report.";
}

impl Reason {
    /// Whether a step that failed with this reason waits for new inputs instead of a retry.
    pub const fn is_permanent(self) -> bool {
        matches!(self.retry(), Retry::Permanent)
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_reads_back_from_its_name() {
        for reason in Reason::ALL {
            assert_eq!(Reason::parse(reason.as_str()), Some(*reason));
        }
        assert_eq!(Reason::parse("SomethingNew"), None);
    }

    #[test]
    fn failures_that_need_new_inputs_are_permanent() {
        let permanent: Vec<&str> = Reason::ALL
            .iter()
            .filter(|r| r.is_permanent())
            .map(|r| r.as_str())
            .collect();
        assert_eq!(
            permanent,
            [
                "LintBlocked",
                "ChecksumMismatch",
                "MissingOnDisk",
                "OutOfOrder",
                "Dirty",
                "InvalidSpec",
                "InvalidInput",
                "MissingMetadata",
                "UnknownScript",
                "ReservedEnv",
                "EncodeFailed"
            ]
        );
        assert_eq!(Reason::MigrationFailed.retry(), Retry::Transient);
        assert_eq!(Reason::Applied.retry(), Retry::NotAFailure);
    }

    /// The reference table of docs/reasons.md.
    fn reference_table() -> String {
        let mut table =
            String::from("| reason | a failed step | Event | meaning |\n|---|---|---|---|\n");
        for reason in Reason::ALL {
            let retry = match reason.retry() {
                Retry::NotAFailure => "—",
                Retry::Transient => "retried",
                Retry::Permanent => "**permanent**",
            };
            let event = match reason.event_kind() {
                EventKind::Normal => "Normal",
                EventKind::Warning => "Warning",
            };
            table.push_str(&format!(
                "| `{reason}` | {retry} | {event} | {} |\n",
                reason.description()
            ));
        }
        table
    }

    #[test]
    fn the_reference_documents_every_reason() {
        let docs = include_str!("../../docs/reasons.md");
        let table = reference_table();
        assert!(
            docs.contains(&table),
            "docs/reasons.md is out of date; its table must read:\n{table}"
        );
    }

    #[test]
    fn reasons_are_upper_camel_case_and_described_in_one_sentence() {
        for reason in Reason::ALL {
            let name = reason.as_str();
            assert!(name.starts_with(|c: char| c.is_ascii_uppercase()), "{name}");
            assert!(name.chars().all(|c| c.is_ascii_alphanumeric()), "{name}");
            let description = reason.description();
            assert!(description.ends_with('.'), "{name}: {description}");
        }
    }
}
