//! The patch formats of the Kubernetes API (JSON patch, merge patch, strategic merge patch) and
//! server-side apply with `metadata.managedFields`, as pure functions over JSON values.

mod apply;
#[cfg(test)]
mod apply_tests;
mod fields;
mod lists;
#[cfg(test)]
mod patch_tests;
mod strategic;

use serde_json::Value;

pub use apply::{
    ApplyError, Conflict, FieldManager, Operation, Scope, record_update, server_side_apply,
};
pub use lists::{BuiltinListTypes, ListType, ListTypes, SchemaListTypes};
pub use strategic::strategic_merge_patch;

/// The patch formats of the Kubernetes API, by request Content-Type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchType {
    /// RFC 6902 JSON patch (`application/json-patch+json`).
    Json,
    /// RFC 7386 JSON merge patch (`application/merge-patch+json`).
    Merge,
    /// Kubernetes strategic merge patch (`application/strategic-merge-patch+json`).
    StrategicMerge,
    /// Server-side apply (`application/apply-patch+yaml`).
    Apply,
}

impl PatchType {
    /// The patch type of a request's Content-Type, parameters such as `;charset=utf-8` ignored.
    pub fn from_content_type(content_type: &str) -> Option<Self> {
        let media_type = content_type.split(';').next().unwrap_or_default().trim();
        match media_type.to_ascii_lowercase().as_str() {
            "application/json-patch+json" => Some(Self::Json),
            "application/merge-patch+json" => Some(Self::Merge),
            "application/strategic-merge-patch+json" => Some(Self::StrategicMerge),
            "application/apply-patch+yaml" | "application/apply-patch+json" => Some(Self::Apply),
            _ => None,
        }
    }
}

/// Why a patch could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum PatchError {
    /// The body is not a JSON patch document (an array of operations).
    #[error("invalid JSON patch document: {0}")]
    InvalidJsonPatch(String),
    /// One operation of a JSON patch failed.
    #[error("JSON patch operation {index} ({op} {path:?}) failed: {reason}")]
    JsonPatchOperation {
        /// Index of the failed operation in the patch.
        index: usize,
        /// Its `op` (add, remove, ...).
        op: &'static str,
        /// Its `path`.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// A strategic merge patch is malformed at `path`.
    #[error("invalid strategic merge patch at {path}: {reason}")]
    InvalidStrategic {
        /// Where in the patch, as `.spec.containers`.
        path: String,
        /// What is wrong there.
        reason: String,
    },
}

/// Applies an RFC 6902 JSON patch to `doc`.
pub fn json_patch(doc: &Value, patch: &Value) -> Result<Value, PatchError> {
    let ops: json_patch::Patch = serde_json::from_value(patch.clone())
        .map_err(|e| PatchError::InvalidJsonPatch(e.to_string()))?;
    let mut result = doc.clone();
    json_patch::patch(&mut result, &ops).map_err(|e| {
        let op = match ops.0.get(e.operation) {
            Some(json_patch::PatchOperation::Add(_)) => "add",
            Some(json_patch::PatchOperation::Remove(_)) => "remove",
            Some(json_patch::PatchOperation::Replace(_)) => "replace",
            Some(json_patch::PatchOperation::Move(_)) => "move",
            Some(json_patch::PatchOperation::Copy(_)) => "copy",
            Some(json_patch::PatchOperation::Test(_)) => "test",
            None => "unknown",
        };
        PatchError::JsonPatchOperation {
            index: e.operation,
            op,
            path: e.path.to_string(),
            reason: e.kind.to_string(),
        }
    })?;
    Ok(result)
}

/// Applies an RFC 7386 JSON merge patch to `doc`.
pub fn merge_patch(doc: &Value, patch: &Value) -> Value {
    let mut result = doc.clone();
    json_patch::merge(&mut result, patch);
    result
}
