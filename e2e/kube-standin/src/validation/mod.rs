//! Validation of custom resources against a CRD version's `openAPIV3Schema`, as kube-apiserver
//! 1.33 does it and in its words: kube-openapi's schema checks, embedded resources, list types,
//! then the CEL rules (skipped when an earlier error makes the object unfit for them).
//!
//! Written from apiextensions-apiserver (`pkg/apiserver/validation`, `pkg/registry/customresource`,
//! `pkg/apiserver/schema/{cel,listtype,objectmeta}`), kube-openapi (`pkg/validation/validate`,
//! `errors`, `strfmt`) and apimachinery's `util/validation/field`. Test-only: it never shares
//! code with the product, so an e2e test catches a CRD that accepts what it should refuse.

mod cel;
mod embedded;
mod field;
mod formats;
mod gofmt;
mod listtype;
mod openapi;
mod pattern;
mod schema;
#[cfg(test)]
mod tests;

use serde_json::Value;

pub use field::FieldError;
pub use schema::SchemaError;

use field::FieldPath;
use schema::Schema;

/// The checks of one CRD version's schema, compiled.
pub struct Validator {
    root: Schema,
    has_rules: bool,
}

impl Validator {
    /// Compiles `openAPIV3Schema`.
    pub fn new(schema: &Value) -> Result<Self, SchemaError> {
        let root = Schema::parse(schema, "openAPIV3Schema")?;
        let has_rules = root.has_rules();
        Ok(Self { root, has_rules })
    }

    /// Every error kube-apiserver finds in `object`, in its order (`old`: the stored object on an
    /// update, for CEL transition rules and the list-type ratcheting).
    pub fn validate(&self, object: &Value, old: Option<&Value>) -> Vec<FieldError> {
        let mut errors = openapi::validate(&self.root, object);
        errors.extend(embedded::validate(&self.root, object));
        // an update keeps list-type violations the stored object already had
        if old.is_none_or(|old| listtype::validate(&self.root, old).is_empty()) {
            errors.extend(listtype::validate(&self.root, object));
        }
        if self.has_rules {
            if errors.iter().any(FieldError::blocks_rules) {
                errors.push(FieldError::invalid(
                    FieldPath::nil(),
                    Value::Null,
                    "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation",
                ));
            } else {
                errors.extend(cel::validate(&self.root, object, old));
            }
        }
        errors
    }
}
