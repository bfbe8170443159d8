//! Loading migrations from a folder: format detection, versions, directives.

mod dir;
mod directives;
mod error;
mod formats;
mod model;
mod statements;
mod version;

pub use dir::load_dir;
pub use directives::{DirectiveError, Directives, MigrationKind};
pub use error::SourceError;
pub use model::{Format, Migration, MigrationSet, Script, ScriptCommand};
pub use statements::{Statement, line_col_of_char_position, line_of_offset, split_statements};
pub use version::{InvalidVersion, Version};
