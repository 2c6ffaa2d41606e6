//! Every example in the spec must validate against its schema.
//!
//! The schema is converted to JSON Schema draft 4 ([`super::schema::to_draft4`])
//! and checked in-process with the `jsonschema` crate. Examples are looked
//! for on media types (responses and request bodies: `example` and each
//! `examples/<name>/value`), on parameters (the same two forms) and on
//! schemas (`example`, checked against the schema it sits on).
//!
//! Rules: `example-valid` (an example breaks its schema; the location is
//! the offending value inside the example) and `example-schema` (the
//! converted schema itself is not valid JSON Schema).

use serde_json::Value;

use super::reference;
use super::schema;
use crate::check::resolve;
use crate::error::Finding;
use crate::positions::escape;
use crate::source::SpecSource;

/// Checks every example of the document.
pub fn check(source: &SpecSource, findings: &mut Vec<Finding>) {
    let doc = &source.value;
    let mut holders = schema::media_types(doc);
    holders.extend(schema::parameter_nodes(doc));
    for (pointer, holder) in holders {
        let Some(schema) = holder.get("schema") else {
            continue;
        };
        let schema_pointer = format!("{pointer}/schema");
        for (example_pointer, example) in examples_of(doc, holder, &pointer) {
            one(
                source,
                schema,
                &schema_pointer,
                example,
                &example_pointer,
                findings,
            );
        }
    }
    for (root_pointer, root) in schema::roots(doc) {
        schema::walk(root, &root_pointer, &mut |node, pointer| {
            if let Some(example) = node.get("example") {
                one(
                    source,
                    node,
                    pointer,
                    example,
                    &format!("{pointer}/example"),
                    findings,
                );
            }
        });
    }
}

/// The examples a media type or parameter carries, with their pointers.
fn examples_of<'a>(doc: &'a Value, holder: &'a Value, pointer: &str) -> Vec<(String, &'a Value)> {
    let mut out = Vec::new();
    if let Some(example) = holder.get("example") {
        out.push((format!("{pointer}/example"), example));
    }
    if let Some(named) = holder.get("examples").and_then(Value::as_object) {
        for (name, example) in named {
            let at = match reference(example).and_then(|r| r.strip_prefix('#')) {
                Some(target) => target.to_string(),
                None => format!("{pointer}/examples/{}", escape(name)),
            };
            // An example with `externalValue` only has nothing to check here.
            if let Some(value) = resolve(doc, example).and_then(|e| e.get("value")) {
                out.push((format!("{at}/value"), value));
            }
        }
    }
    out
}

fn one(
    source: &SpecSource,
    schema: &Value,
    schema_pointer: &str,
    example: &Value,
    example_pointer: &str,
    findings: &mut Vec<Finding>,
) {
    let converted = schema::to_draft4(&source.value, schema);
    let validator = match jsonschema::draft4::new(&converted) {
        Ok(v) => v,
        Err(error) => {
            findings.push(source.finding(
                "example-schema",
                schema_pointer,
                format!("the schema cannot be used to check examples: {error}"),
            ));
            return;
        }
    };
    for error in validator.iter_errors(example) {
        let inside = error.instance_path().as_str().to_string();
        let at = if inside.is_empty() {
            String::new()
        } else {
            format!(" at {inside}")
        };
        findings.push(source.finding(
            "example-valid",
            &format!("{example_pointer}{inside}"),
            format!("example does not match its schema (#{schema_pointer}){at}: {error}"),
        ));
    }
}
