//! Schema pieces the derive cannot express: patterns, bounds, list-map conditions, free-form
//! rows and the CEL rules the API server evaluates.
//!
//! Every pattern here is RE2 (the API server's regex dialect): no look-around, no back-references.
//! Bounds (`maxItems`, `maxLength`, `maxProperties`) on lists and strings a CEL rule reads keep
//! the API server's static cost estimate of that rule small; without them the server assumes
//! lists as long as a whole request and refuses the CRD.

use schemars::{Schema, SchemaGenerator, json_schema};

/// Versions: digits separated by single `.`, `_` or `-` (as `source::Version` accepts).
pub const VERSION_PATTERN: &str = "^[0-9]+([._-][0-9]+)*$";
/// A Kubernetes object name (DNS-1123 subdomain): Secrets, ConfigMaps, service accounts,
/// DatabaseMigrations and ConfigSyncs.
pub const NAME_PATTERN: &str = "^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$";
/// A namespace name (DNS-1123 label: at most 63 characters, no dots).
pub const NAMESPACE_PATTERN: &str = "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$";
/// A ConfigMap or Secret key (at most 253 characters, see [`KEY_MAX_LENGTH`]).
pub const KEY_PATTERN: &str = "^[-._a-zA-Z0-9]+$";
/// The longest ConfigMap or Secret key Kubernetes accepts.
pub const KEY_MAX_LENGTH: u32 = 253;
/// A relative path: no leading or trailing `/`, no empty, `.` or `..` segment, no control
/// characters.
pub const RELATIVE_PATH_PATTERN: &str = "^[^/\\x00-\\x1f]*[^/.\\x00-\\x1f][^/\\x00-\\x1f]*(/[^/\\x00-\\x1f]*[^/.\\x00-\\x1f][^/\\x00-\\x1f]*)*$";
/// A database identifier as the user writes it: `table` or `schema.table`.
pub const TABLE_PATTERN: &str = "^[^.\\x00-\\x1f]{1,63}(\\.[^.\\x00-\\x1f]{1,63})?$";
/// Dot-separated field names inside a rows document, e.g. `forums` or `config.themes`.
pub const FIELD_PATH_PATTERN: &str = "^[^.\\x00-\\x1f]+(\\.[^.\\x00-\\x1f]+)*$";
/// A lint rule name (`ban-drop-table`, `prefer-robust-stmts`).
pub const LINT_RULE_PATTERN: &str = "^[a-z0-9]+(-[a-z0-9]+)*$";

/// Most `dependsOn` entries of one resource (bounds the CEL uniqueness rule).
pub const MAX_DEPENDENCIES: u32 = 32;
/// Most tables of one ConfigSync.
pub const MAX_TABLES: u32 = 64;
/// Most key columns of one table.
pub const MAX_KEY_COLUMNS: u32 = 16;
/// Most entries of a table's `columns` mapping.
pub const MAX_COLUMNS: u32 = 512;
/// Most rule names in `lint.deny` or `lint.disable`.
pub const MAX_LINT_RULES: u32 = 64;

/// CEL: each dependency is listed once (same kind, name and namespace). `namespace` is a CEL
/// reserved word, so Kubernetes exposes that property as `__namespace__`.
pub const DEPENDS_ON_UNIQUE_RULE: &str = "self.all(d, self.exists_one(e, e.kind == d.kind && e.name == d.name \
     && (has(e.__namespace__) ? e.__namespace__ : '') == (has(d.__namespace__) ? d.__namespace__ : '')))";
/// The message of [`DEPENDS_ON_UNIQUE_RULE`].
pub const DEPENDS_ON_UNIQUE_MESSAGE: &str =
    "dependsOn lists the same resource (kind, name, namespace) more than once";

/// `conditions`: a list map keyed on `type`, as Kubernetes conventions require.
pub fn conditions(generator: &mut SchemaGenerator) -> Schema {
    let item =
        generator.subschema_for::<k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition>();
    json_schema!({
        "type": "array",
        "description": "Standard conditions: Ready, Progressing, Failed, Blocked.",
        "items": item,
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["type"],
    })
}

/// Inline rows: a list of objects whose fields are the user's (kept as written).
pub fn free_form_rows(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "array",
        "description": "Rows as objects: field name to value (string, number, boolean, null, list or object).",
        "items": {
            "type": "object",
            "x-kubernetes-preserve-unknown-fields": true,
        },
    })
}
