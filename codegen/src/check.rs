//! The checks a spec must pass before progenitor sees it. progenitor panics
//! on some broken specs (a `$ref` to nothing, an undeclared path parameter,
//! two error schemas on one operation); these checks turn each of those
//! into a finding with a location instead.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::error::Finding;
use crate::positions::escape;
use crate::source::SpecSource;

/// The HTTP methods an OpenAPI path item can hold.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One operation of the spec, with the pointer to it.
#[derive(Debug, Clone, Copy)]
pub struct OperationRef<'a> {
    /// The path template, such as `/v5/{project_id}/cluster-protect/events`.
    pub path: &'a str,
    /// The lowercase HTTP method.
    pub method: &'static str,
    /// The operation object.
    pub operation: &'a Value,
    /// The path item that holds it.
    pub path_item: &'a Value,
}

impl<'a> OperationRef<'a> {
    /// JSON pointer of the operation object.
    pub fn pointer(&self) -> String {
        format!("/paths/{}/{}", escape(self.path), self.method)
    }

    /// The operation's `operationId`, if it has one.
    pub fn operation_id(&self) -> Option<&'a str> {
        self.operation.get("operationId").and_then(Value::as_str)
    }
}

/// Every operation of the document, in document order.
pub fn operations(doc: &Value) -> Vec<OperationRef<'_>> {
    let mut out = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in METHODS {
                if let Some(operation) = item.get(method) {
                    out.push(OperationRef {
                        path,
                        method,
                        operation,
                        path_item: item,
                    });
                }
            }
        }
    }
    out
}

/// Where following a chain of local `$ref`s ends.
#[derive(Debug, Clone, PartialEq)]
pub enum Followed<'a> {
    /// At an object that is no `$ref`, with its JSON pointer.
    Reached(String, &'a Value),
    /// At a `$ref` that points at nothing, or is not local (`#/...`).
    Dangling,
    /// Back at a `$ref` already followed (`A: {$ref: B}`, `B: {$ref: A}`).
    Loop,
}

/// Follows `value`, found at `pointer`, through local `$ref`s.
pub fn follow<'a>(doc: &'a Value, value: &'a Value, pointer: &str) -> Followed<'a> {
    let mut seen = BTreeSet::new();
    let mut current = (pointer.to_string(), value);
    while let Some(reference) = current.1.get("$ref").and_then(Value::as_str) {
        if !seen.insert(reference) {
            return Followed::Loop;
        }
        match reference
            .strip_prefix('#')
            .and_then(|p| doc.pointer(p).map(|t| (p, t)))
        {
            Some((target, next)) => current = (target.to_string(), next),
            None => return Followed::Dangling,
        }
    }
    Followed::Reached(current.0, current.1)
}

/// Follows `value` through local `$ref`s to the object it stands for.
/// Returns `None` on a reference that does not resolve (or loops).
pub fn resolve<'a>(doc: &'a Value, value: &'a Value) -> Option<&'a Value> {
    resolve_at(doc, value, "").map(|(_, target)| target)
}

/// Like [`resolve`], and also gives the JSON pointer of the object reached:
/// `pointer` itself when `value` is no `$ref`, else the last `$ref`'s
/// target.
pub fn resolve_at<'a>(
    doc: &'a Value,
    value: &'a Value,
    pointer: &str,
) -> Option<(String, &'a Value)> {
    match follow(doc, value, pointer) {
        Followed::Reached(at, target) => Some((at, target)),
        Followed::Dangling | Followed::Loop => None,
    }
}

/// Runs every generation check and returns what failed.
pub fn generation_findings(source: &SpecSource) -> Vec<Finding> {
    let mut findings = Vec::new();
    for duplicate in source.positions.duplicates() {
        let key = duplicate
            .pointer
            .rsplit('/')
            .next()
            .map(crate::positions::unescape)
            .unwrap_or_default();
        let mut finding = source.finding(
            "yaml-duplicate-key",
            &duplicate.pointer,
            format!(
                "key {key} is given twice in one mapping, on lines {} and {}; only one may stay",
                duplicate.first_line, duplicate.line
            ),
        );
        finding.location.line = Some(duplicate.line);
        findings.push(finding);
    }
    openapi_version(source, &mut findings);
    references(source, &source.value, String::new(), &mut findings);
    operation_ids(source, &mut findings);
    path_parameters(source, &mut findings);
    error_schemas(source, &mut findings);
    findings
}

fn openapi_version(source: &SpecSource, findings: &mut Vec<Finding>) {
    match source.value.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0.") => {}
        Some(v) => findings.push(source.finding(
            "openapi-version",
            "/openapi",
            format!("OpenAPI version {v} is not supported; progenitor needs 3.0.x"),
        )),
        None => findings.push(source.finding(
            "openapi-version",
            "",
            "the document has no `openapi: 3.0.x` version field",
        )),
    }
}

/// Every `$ref` must point at something in this document. Example payloads
/// are data, not schema, and are not searched.
fn references(source: &SpecSource, value: &Value, pointer: String, findings: &mut Vec<Finding>) {
    match value {
        Value::Object(map) => {
            if let Some(raw) = map.get("$ref") {
                reference(source, value, raw, &pointer, findings);
            }
            for (key, child) in map {
                if key == "example" || key == "x-acknowledged" {
                    continue;
                }
                if key == "examples" {
                    // Skip the example payloads, keep checking `$ref`s to
                    // named examples.
                    if let Some(named) = child.as_object() {
                        for (name, example) in named {
                            if example.get("$ref").is_some() {
                                let p = format!("{pointer}/examples/{}", escape(name));
                                references(source, example, p, findings);
                            }
                        }
                    }
                    continue;
                }
                references(
                    source,
                    child,
                    format!("{pointer}/{}", escape(key)),
                    findings,
                );
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                references(source, child, format!("{pointer}/{index}"), findings);
            }
        }
        _ => {}
    }
}

/// Checks the `$ref` (`raw`) of the node `value` at `pointer`: a local
/// reference to something in this document, not into a loop of `$ref`s.
fn reference(
    source: &SpecSource,
    value: &Value,
    raw: &Value,
    pointer: &str,
    findings: &mut Vec<Finding>,
) {
    let reference = raw
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| raw.to_string());
    let target = raw
        .as_str()
        .and_then(|r| r.strip_prefix('#'))
        .map(|p| source.value.pointer(p).is_some());
    let message = match target {
        Some(true) if follow(&source.value, value, pointer) == Followed::Loop => {
            format!("$ref {reference} leads into a loop of `$ref`s that never reaches a definition")
        }
        Some(true) => return,
        Some(false) => format!("$ref {reference} points at nothing in this document"),
        None => format!("$ref {reference} is not a local reference (#/...)"),
    };
    findings.push(source.finding("ref-resolves", &format!("{pointer}/$ref"), message));
}

fn operation_ids(source: &SpecSource, findings: &mut Vec<Finding>) {
    let mut seen: BTreeMap<&str, String> = BTreeMap::new();
    for op in operations(&source.value) {
        let pointer = op.pointer();
        match op.operation_id() {
            None => findings.push(source.finding(
                "operation-id",
                &pointer,
                format!(
                    "{} {} has no operationId",
                    op.method.to_uppercase(),
                    op.path
                ),
            )),
            Some(id) => {
                if let Some(first) = seen.get(id) {
                    findings.push(source.finding(
                        "operation-id-unique",
                        &format!("{pointer}/operationId"),
                        format!("operationId {id} is already used at #{first}"),
                    ));
                } else {
                    seen.insert(id, pointer);
                }
            }
        }
    }
}

/// Names inside `{...}` of a path template.
pub fn template_parameters(path: &str) -> Vec<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect()
}

/// The parameters that apply to an operation (path item level first), each
/// resolved, with the pointer of its definition: the list entry, or the
/// component a `$ref` leads to, so that a finding points where a change
/// would be made. Unresolvable ones are skipped; `references` reports them.
pub fn parameters<'a>(doc: &'a Value, op: &OperationRef<'a>) -> Vec<(String, &'a Value)> {
    let item_pointer = format!("/paths/{}", escape(op.path));
    let mut out = Vec::new();
    for (base, holder) in [
        (format!("{item_pointer}/parameters"), op.path_item),
        (format!("{}/parameters", op.pointer()), op.operation),
    ] {
        if let Some(list) = holder.get("parameters").and_then(Value::as_array) {
            for (index, parameter) in list.iter().enumerate() {
                if let Some(resolved) = resolve_at(doc, parameter, &format!("{base}/{index}")) {
                    out.push(resolved);
                }
            }
        }
    }
    out
}

fn path_parameters(source: &SpecSource, findings: &mut Vec<Finding>) {
    for op in operations(&source.value) {
        let in_template: BTreeSet<&str> = template_parameters(op.path).into_iter().collect();
        let declared: BTreeMap<&str, String> = parameters(&source.value, &op)
            .into_iter()
            .filter(|(_, p)| p.get("in").and_then(Value::as_str) == Some("path"))
            .filter_map(|(pointer, p)| p.get("name").and_then(Value::as_str).map(|n| (n, pointer)))
            .collect();
        for name in &in_template {
            if !declared.contains_key(name) {
                findings.push(source.finding(
                    "path-params",
                    &op.pointer(),
                    format!(
                        "path parameter {{{name}}} of {} is not declared as an `in: path` parameter",
                        op.path
                    ),
                ));
            }
        }
        for (name, pointer) in &declared {
            if !in_template.contains(name) {
                findings.push(source.finding(
                    "path-params",
                    pointer,
                    format!(
                        "path parameter {name} does not appear in the template {}",
                        op.path
                    ),
                ));
            }
        }
    }
}

/// All error responses of one operation must share one schema; progenitor
/// supports a single error type per operation.
fn error_schemas(source: &SpecSource, findings: &mut Vec<Finding>) {
    for op in operations(&source.value) {
        let Some(responses) = op.operation.get("responses").and_then(Value::as_object) else {
            continue;
        };
        let mut first: Option<(&str, &Value)> = None;
        for (status, response) in responses {
            if status.starts_with('2') {
                continue;
            }
            let schema = resolve(&source.value, response)
                .and_then(|r| r.pointer("/content/application~1json/schema"));
            let Some(schema) = schema else { continue };
            match first {
                None => first = Some((status, schema)),
                Some((first_status, first_schema)) if first_schema != schema => {
                    findings.push(source.finding(
                        "error-schema",
                        &format!("{}/responses/{}", op.pointer(), escape(status)),
                        format!(
                            "the {status} response's schema differs from the {first_status} response's; an operation can have one error schema"
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
    }
}
