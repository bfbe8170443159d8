//! Errors found while reading a migrations folder, each naming the file at fault.

use std::path::PathBuf;

use super::directives::DirectiveError;
use super::model::Format;
use super::version::InvalidVersion;
use crate::api::Reason;

/// A problem with the migration files, found before anything touches a database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// The migrations directory does not exist or is not a directory.
    #[error(
        "migrations directory {path} not found; pass --dir <path> or create it with `dbmigrate new <name>`"
    )]
    MissingDir {
        /// The directory looked for.
        path: PathBuf,
    },
    /// A file or directory could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A script is not valid UTF-8.
    #[error(
        "{path} is not valid UTF-8 (byte {valid_up_to} is the first bad one); save it as UTF-8"
    )]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// Length of the valid prefix.
        valid_up_to: usize,
    },
    /// A script holds nothing but whitespace.
    #[error("{path} is empty; write the migration's SQL in it or delete the file")]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// Two migrations share a version.
    #[error(
        "version {version} is used twice: {first} and {second}; give one of them a new version"
    )]
    DuplicateVersion {
        /// The shared version.
        version: String,
        /// The first file with it.
        first: PathBuf,
        /// The second file with it.
        second: PathBuf,
    },
    /// Files of two different tools' layouts are in one folder.
    #[error(
        "{first} is {first_format} but {second} is {second_format}; one folder holds one format — move one of them"
    )]
    MixedFormats {
        /// A file of the first format.
        first: PathBuf,
        /// The first format.
        first_format: Format,
        /// A file of the second format.
        second: PathBuf,
        /// The second format.
        second_format: Format,
    },
    /// A file whose name matches no known layout.
    #[error("{path}: {reason}")]
    Unrecognised {
        /// The file.
        path: PathBuf,
        /// Why it is not understood and what name would be.
        reason: String,
    },
    /// The version part of a file name is not a version.
    #[error("{path}: {source}")]
    InvalidVersion {
        /// The file.
        path: PathBuf,
        /// The parse error.
        source: InvalidVersion,
    },
    /// A `-- dbmigrate:` directive is malformed.
    #[error("{path}: {source}")]
    Directive {
        /// The file.
        path: PathBuf,
        /// The directive error with its line.
        source: DirectiveError,
    },
    /// A down script has no matching up script.
    #[error("{path} is a down migration without an up migration of the same version")]
    DownWithoutUp {
        /// The down file.
        path: PathBuf,
    },
    /// A tool's metadata file (Drizzle's journal) is inconsistent with the files.
    #[error("{path}: {message}")]
    Metadata {
        /// The metadata file.
        path: PathBuf,
        /// What disagrees.
        message: String,
    },
}

impl SourceError {
    /// A stable, machine-readable reason (conditions, events, JSON output).
    pub fn reason(&self) -> Reason {
        match self {
            Self::MissingDir { .. } => Reason::MissingDirectory,
            Self::Io { .. } => Reason::Unreadable,
            Self::NotUtf8 { .. } => Reason::NotUtf8,
            Self::Empty { .. } => Reason::EmptyMigration,
            Self::DuplicateVersion { .. } => Reason::DuplicateVersion,
            Self::MixedFormats { .. } => Reason::MixedFormats,
            Self::Unrecognised { .. } => Reason::UnrecognisedFile,
            Self::InvalidVersion { .. } => Reason::InvalidVersion,
            Self::Directive { .. } => Reason::InvalidDirective,
            Self::DownWithoutUp { .. } => Reason::DownWithoutUp,
            Self::Metadata { .. } => Reason::InvalidMetadata,
        }
    }
}
