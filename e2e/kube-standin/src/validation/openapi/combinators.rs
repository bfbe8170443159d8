//! `allOf`, `anyOf`, `oneOf` and `not` (kube-openapi's `schemaPropsValidator`): every branch is
//! validated at the same path; a failed `anyOf`/`oneOf` reports, besides its own composite error,
//! the errors of the failing branch that passed the most checks.

use serde_json::Value;

use super::{Outcome, node};
use crate::validation::openapi::issue::Issue;
use crate::validation::schema::Schema;

/// `schemaPropsValidator.Validate`.
pub(super) fn validate(schema: &Schema, value: &Value, path: &str) -> Outcome {
    let mut out = Outcome::default();
    if !schema.any_of.is_empty() {
        any_of(&schema.any_of, value, path, &mut out);
    }
    if !schema.one_of.is_empty() {
        one_of(&schema.one_of, value, path, &mut out);
    }
    if !schema.all_of.is_empty() {
        let mut valid = 0;
        for branch in &schema.all_of {
            let result = node(branch, value, path);
            valid += usize::from(result.is_valid());
            out.merge(result);
        }
        if valid != schema.all_of.len() {
            out.push(Issue::all_of(path, valid == 0));
        }
    }
    if let Some(not) = &schema.not
        && node(not, value, path).is_valid()
    {
        out.push(Issue::not(path));
    }
    out.inc();
    out
}

/// Keeps `candidate` as the best failure when it passed more checks than the one kept.
fn keep_best(best: &mut Option<Outcome>, candidate: Outcome) {
    if best.as_ref().is_none_or(|b| candidate.matches > b.matches) {
        *best = Some(candidate);
    }
}

fn any_of(branches: &[Schema], value: &Value, path: &str, out: &mut Outcome) {
    let mut best = None;
    let mut success = None;
    for branch in branches {
        let result = node(branch, value, path);
        if result.is_valid() {
            best = None;
            success = Some(result);
            break;
        }
        keep_best(&mut best, result);
    }
    if success.is_none() {
        out.push(Issue::any_of(path));
    }
    if let Some(kept) = best.or(success) {
        out.merge(kept);
    }
}

fn one_of(branches: &[Schema], value: &Value, path: &str, out: &mut Outcome) {
    let mut best = None;
    let mut first_success = None;
    let mut valid = 0;
    for branch in branches {
        let result = node(branch, value, path);
        if result.is_valid() {
            valid += 1;
            best = None;
            first_success.get_or_insert(result);
        } else if valid == 0 {
            keep_best(&mut best, result);
        }
    }
    if valid == 1 {
        if let Some(success) = first_success {
            out.merge(success);
        }
        return;
    }
    out.push(Issue::one_of(path, valid));
    if let Some(best) = best {
        out.merge(best);
    }
}
