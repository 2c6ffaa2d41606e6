//! `cargo xtask validate`: every rule a spec must pass, reported at once.
//!
//! The rules come in three groups:
//!
//! - structure: the document is OpenAPI 3.0.x, every `$ref` resolves, path
//!   templates and path parameters agree, operationIds are unique (the
//!   checks of [`crate::check`], plus the typed OpenAPI parse and the vendor
//!   extensions);
//! - the project's rules (see [`rules`]);
//! - examples: every example validates against its schema (see
//!   [`examples`]).
//!
//! The rules that follow `$ref`s from one node to another (unused
//! components, open response enumerations, examples) only run when every
//! `$ref` resolves: on a dangling reference they would report the same
//! problem again in other words (the schema it should have pointed at
//! becomes "unused", say).

pub mod examples;
pub mod rules;
pub mod schema;

use serde_json::Value;

use crate::error::{Error, Finding};
use crate::extensions::Extensions;
use crate::source::SpecSource;

/// Runs every rule on `source` and returns what failed, in rule order.
/// An empty list means the spec is valid.
pub fn validate(source: &SpecSource) -> Vec<Finding> {
    let mut findings = crate::check::generation_findings(source);
    if let Err(Error::Invalid(more)) = source.openapi() {
        findings.extend(more);
    }
    if let Err(more) = Extensions::collect(source) {
        findings.extend(more);
    }
    if let Err(more) = crate::operations::collect(source) {
        findings.extend(more);
    }
    rules::local(source, &mut findings);
    let refs_resolve = !findings.iter().any(|f| f.rule == "ref-resolves");
    if refs_resolve {
        rules::graph(source, &mut findings);
        examples::check(source, &mut findings);
    }
    findings
}

/// Loads the spec at `file` and validates it. A file that cannot be read or
/// parsed is an error; rule violations are the returned findings.
pub fn validate_file(file: impl AsRef<std::path::Path>) -> Result<Vec<Finding>, Error> {
    let source = SpecSource::load(file)?;
    Ok(validate(&source))
}

/// The `$ref` string of a node, if it is a reference.
pub(crate) fn reference(value: &Value) -> Option<&str> {
    value.get("$ref").and_then(Value::as_str)
}
