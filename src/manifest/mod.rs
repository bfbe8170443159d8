//! Manifest mode: the very YAML a user `kubectl apply`s, run locally against a database.
//!
//! read (files, folders, stdin) → bundle (by kind, namespace, name) → prepare (resolve
//! Secrets, ConfigMaps, files and rows; order by `dependsOn`) → execute (engine and sync
//! engine, in order) → statuses as the operator would write them.

mod bundle;
mod database;
mod error;
mod execute;
mod migrate;
mod order;
mod prepare;
mod read;
mod result;
mod rows;
mod scripts;
mod source;
mod status;

pub use bundle::{Bundle, ResourceId, ResourceKind};
pub use error::ManifestError;
pub use execute::{Mode, execute};
pub use migrate::{Checked, MigrationRun};
pub use prepare::{Defaults, MigrateWork, Prepared, Work, prepare};
pub use read::{Document, parse_stream, read_inputs};
pub use result::{AnyStatus, ResourceResult};
