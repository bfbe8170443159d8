//! Manifest errors: each names the file/document or resource at fault and what to do next.

use crate::api::Reason;
use std::path::PathBuf;

/// Why the manifests cannot be run (nothing has run when one of these is returned).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ManifestError {
    /// A file or stdin could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The path (`-` for stdin).
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A document is not valid YAML/JSON.
    #[error("{origin}: not valid YAML: {message}")]
    Syntax {
        /// File and document index.
        origin: String,
        /// The parser's message.
        message: String,
    },
    /// A document does not match its kind's schema.
    #[error("{origin}: {kind} {name}: field `{field}`: {message}")]
    Malformed {
        /// File and document index.
        origin: String,
        /// Its kind.
        kind: String,
        /// Its name.
        name: String,
        /// The offending field path, e.g. `spec.source`.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The API server would refuse a resource (its CRD's patterns, bounds or CEL rules).
    #[error("{origin}: {kind} {name} would be refused by the API server: {}; see docs/crds.md", rejections.join("; "))]
    SchemaRejected {
        /// File and document index.
        origin: String,
        /// Its kind.
        kind: String,
        /// Its name.
        name: String,
        /// `field [keyword]: message` of each check that failed.
        rejections: Vec<String>,
    },
    /// A `dbmigrate.dev` document of a kind this build does not know.
    #[error(
        "{origin}: unknown kind {api_version} {kind}; this build knows DatabaseMigration and ConfigSync (dbmigrate.dev/v1alpha1)"
    )]
    UnknownKind {
        /// File and document index.
        origin: String,
        /// Its apiVersion.
        api_version: String,
        /// Its kind.
        kind: String,
    },
    /// The same object appears twice.
    #[error("{kind} {namespace}/{name} is defined twice: in {first} and in {second}; keep one")]
    Duplicate {
        /// Kind.
        kind: String,
        /// Namespace.
        namespace: String,
        /// Name.
        name: String,
        /// Where it first appeared.
        first: String,
        /// Where it appeared again.
        second: String,
    },
    /// The input holds no DatabaseMigration or ConfigSync.
    #[error("no DatabaseMigration or ConfigSync in the input; pass manifests with -f <file|dir|->")]
    Empty,
    /// A resource refers to an object that is not in the manifests.
    #[error("{resource}: {missing} not found in the manifests; {hint}")]
    MissingReference {
        /// The referring resource, e.g. `DatabaseMigration default/forum`.
        resource: String,
        /// What is missing, e.g. `Secret default/forum-db`.
        missing: String,
        /// What to do.
        hint: String,
    },
    /// `dependsOn` forms a cycle.
    #[error("dependsOn forms a cycle: {}; remove one of these dependencies", chain.join(" -> "))]
    Cycle {
        /// The resources in the cycle, first repeated at the end.
        chain: Vec<String>,
    },
    /// A spec value the schema cannot check is wrong.
    #[error("{resource}: {message}")]
    InvalidSpec {
        /// The resource.
        resource: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// Writing the migration files of a resource to a temporary folder failed.
    #[error("{resource}: cannot write {path}: {source}")]
    Materialize {
        /// The resource.
        resource: String,
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

impl ManifestError {
    /// A stable reason string (conditions, JSON output).
    pub fn reason(&self) -> Reason {
        match self {
            Self::Read { .. } => Reason::ManifestUnreadable,
            Self::Syntax { .. } => Reason::ManifestSyntax,
            Self::Malformed { .. } => Reason::ManifestInvalid,
            Self::SchemaRejected { .. } => Reason::SchemaRejected,
            Self::UnknownKind { .. } => Reason::UnknownKind,
            Self::Duplicate { .. } => Reason::DuplicateResource,
            Self::Empty => Reason::NoResources,
            Self::MissingReference { .. } => Reason::ReferenceNotFound,
            Self::Cycle { .. } => Reason::DependencyCycle,
            Self::InvalidSpec { .. } => Reason::InvalidSpec,
            Self::Materialize { .. } => Reason::SourceUnwritable,
        }
    }
}
