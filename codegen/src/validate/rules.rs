//! The project's own rules.
//!
//! Rule names (stable; tests and CI logs refer to them):
//!
//! | rule | what it asks |
//! | --- | --- |
//! | `operation-summary` | every operation has a summary |
//! | `operation-tags` | every operation has at least one tag |
//! | `operation-security` | every operation declares security, itself or at the root |
//! | `security-scheme` | every security requirement names a declared scheme |
//! | `error-responses` | every operation declares a 4xx and a 5xx response |
//! | `parameter-description`, `parameter-type` | every parameter is described and typed |
//! | `property-description`, `property-type` | every schema property is described and typed |
//! | `response-additional-properties` | no schema reachable from a response sets `additionalProperties: false` |
//! | `response-enum-open` | no schema reachable from a response uses `enum`; `x-extensible-enum` is the open form |
//! | `component-unused` | every component is referenced |

use std::collections::{BTreeSet, VecDeque};

use serde_json::Value;

use super::reference;
use super::schema::{self, is_described, is_typed};
use crate::error::Finding;
use crate::positions::escape;
use crate::source::SpecSource;

/// The rules that look at one node at a time.
pub fn local(source: &SpecSource, findings: &mut Vec<Finding>) {
    let doc = &source.value;
    operations(source, findings);
    for (pointer, parameter) in schema::parameter_nodes(doc) {
        let name = parameter
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("(unnamed)");
        if !has_text(parameter, "description") {
            findings.push(source.finding(
                "parameter-description",
                &pointer,
                format!("parameter {name} has no description"),
            ));
        }
        let typed = parameter
            .get("schema")
            .is_some_and(|schema| is_typed(doc, schema));
        if !typed {
            findings.push(source.finding(
                "parameter-type",
                &pointer,
                format!("parameter {name} has no schema with a type"),
            ));
        }
    }
    for (root_pointer, root) in schema::roots(doc) {
        schema::walk(root, &root_pointer, &mut |node, pointer| {
            let Some(properties) = node.get("properties").and_then(Value::as_object) else {
                return;
            };
            for (name, property) in properties {
                let at = format!("{pointer}/properties/{}", escape(name));
                if !is_described(doc, property) {
                    findings.push(source.finding(
                        "property-description",
                        &at,
                        format!("property {name} has no description"),
                    ));
                }
                if !is_typed(doc, property) {
                    findings.push(source.finding(
                        "property-type",
                        &at,
                        format!("property {name} has no type"),
                    ));
                }
            }
        });
    }
}

fn has_text(node: &Value, key: &str) -> bool {
    node.get(key)
        .and_then(Value::as_str)
        .is_some_and(|s| !s.trim().is_empty())
}

fn operations(source: &SpecSource, findings: &mut Vec<Finding>) {
    let doc = &source.value;
    let root_security = doc.get("security");
    let schemes = doc
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object);
    if let Some(list) = root_security {
        security_names(source, list, "/security", schemes, findings);
    }
    for op in crate::check::operations(doc) {
        let pointer = op.pointer();
        let what = format!("{} {}", op.method.to_uppercase(), op.path);
        if !has_text(op.operation, "summary") {
            findings.push(source.finding(
                "operation-summary",
                &pointer,
                format!("{what} has no summary"),
            ));
        }
        let tagged = op
            .operation
            .get("tags")
            .and_then(Value::as_array)
            .is_some_and(|tags| !tags.is_empty());
        if !tagged {
            findings.push(source.finding("operation-tags", &pointer, format!("{what} has no tag")));
        }
        match op.operation.get("security") {
            Some(list) => {
                let at = format!("{pointer}/security");
                security_names(source, list, &at, schemes, findings);
                if list.as_array().is_some_and(Vec::is_empty) {
                    findings.push(source.finding(
                        "operation-security",
                        &at,
                        format!("{what} declares an empty security list"),
                    ));
                }
            }
            None if root_security
                .and_then(Value::as_array)
                .is_some_and(|l| !l.is_empty()) => {}
            None => findings.push(source.finding(
                "operation-security",
                &pointer,
                format!("{what} declares no security, and the document has no root security"),
            )),
        }
        let statuses: Vec<&str> = op
            .operation
            .get("responses")
            .and_then(Value::as_object)
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let missing: Vec<&str> = ["4xx", "5xx"]
            .into_iter()
            .filter(|class| !statuses.iter().any(|s| s.starts_with(&class[..1])))
            .collect();
        if !missing.is_empty() {
            findings.push(source.finding(
                "error-responses",
                &format!("{pointer}/responses"),
                format!("{what} declares no {} response", missing.join(" and no ")),
            ));
        }
    }
}

fn security_names(
    source: &SpecSource,
    list: &Value,
    pointer: &str,
    schemes: Option<&serde_json::Map<String, Value>>,
    findings: &mut Vec<Finding>,
) {
    let Some(list) = list.as_array() else { return };
    for (index, requirement) in list.iter().enumerate() {
        let Some(names) = requirement.as_object() else {
            continue;
        };
        for name in names.keys() {
            if !schemes.is_some_and(|s| s.contains_key(name)) {
                findings.push(source.finding(
                    "security-scheme",
                    &format!("{pointer}/{index}/{}", escape(name)),
                    format!(
                        "security scheme {name} is not declared under components/securitySchemes"
                    ),
                ));
            }
        }
    }
}

/// The rules that follow `$ref`s; they need every reference to resolve.
pub fn graph(source: &SpecSource, findings: &mut Vec<Finding>) {
    response_schemas(source, findings);
    unused_components(source, findings);
}

/// Checks every schema reachable from a response, each once.
fn response_schemas(source: &SpecSource, findings: &mut Vec<Finding>) {
    let doc = &source.value;
    let mut seen = BTreeSet::new();
    let mut queue: VecDeque<(String, &Value)> = VecDeque::new();
    for (op_pointer, operation) in schema::operation_nodes(doc) {
        let Some(responses) = operation.get("responses").and_then(Value::as_object) else {
            continue;
        };
        for (status, response) in responses {
            let (pointer, response) = follow(
                doc,
                response,
                format!("{op_pointer}/responses/{}", escape(status)),
            );
            let Some(response) = response else { continue };
            if let Some(content) = response.get("content").and_then(Value::as_object) {
                for (media, body) in content {
                    if let Some(schema) = body.get("schema") {
                        queue.push_back((
                            format!("{pointer}/content/{}/schema", escape(media)),
                            schema,
                        ));
                    }
                }
            }
            if let Some(headers) = response.get("headers").and_then(Value::as_object) {
                for (name, header) in headers {
                    let at = format!("{pointer}/headers/{}", escape(name));
                    let (at, header) = follow(doc, header, at);
                    if let Some(schema) = header.and_then(|h| h.get("schema")) {
                        queue.push_back((format!("{at}/schema"), schema));
                    }
                }
            }
        }
    }
    while let Some((pointer, node)) = queue.pop_front() {
        let (pointer, node) = follow(doc, node, pointer);
        let Some(node) = node else { continue };
        if !seen.insert(pointer.clone()) {
            continue;
        }
        if node.get("additionalProperties") == Some(&Value::Bool(false)) {
            findings.push(source.finding(
                "response-additional-properties",
                &format!("{pointer}/additionalProperties"),
                "a response schema sets `additionalProperties: false`; fields the service adds later would fail decoding (use `additionalProperties: {}`)",
            ));
        }
        if node.get("enum").is_some() {
            findings.push(source.finding(
                "response-enum-open",
                &format!("{pointer}/enum"),
                "a response schema uses a closed `enum`; a value the service adds later would fail decoding (use `x-extensible-enum`)",
            ));
        }
        for (suffix, child) in schema::children(node) {
            queue.push_back((format!("{pointer}/{suffix}"), child));
        }
    }
}

/// Follows a `$ref` (a chain of them) to the node it stands for, with that
/// node's pointer. A node without `$ref` is returned as it is.
fn follow<'a>(doc: &'a Value, node: &'a Value, pointer: String) -> (String, Option<&'a Value>) {
    let mut pointer = pointer;
    let mut node = node;
    for _ in 0..32 {
        match reference(node) {
            Some(target) => {
                let Some(path) = target.strip_prefix('#') else {
                    return (pointer, None);
                };
                pointer = path.to_string();
                match doc.pointer(path) {
                    Some(next) => node = next,
                    None => return (pointer, None),
                }
            }
            None => return (pointer, Some(node)),
        }
    }
    (pointer, None)
}

/// Every component (of any kind) must be reachable from the paths or, for
/// security schemes, named in a security requirement.
fn unused_components(source: &SpecSource, findings: &mut Vec<Finding>) {
    let doc = &source.value;
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut pending: Vec<String> = Vec::new();
    for (key, child) in doc.as_object().into_iter().flatten() {
        if key != "components" {
            collect_refs(child, &mut pending);
        }
    }
    while let Some(target) = pending.pop() {
        let tokens: Vec<&str> = target.trim_start_matches('/').splitn(4, '/').collect();
        if tokens.len() < 3 || tokens[0] != "components" {
            continue;
        }
        let component = format!("/components/{}/{}", tokens[1], tokens[2]);
        if used.insert(component.clone())
            && let Some(node) = doc.pointer(&component)
        {
            collect_refs(node, &mut pending);
        }
    }
    let mut schemes_used = BTreeSet::new();
    let mut requirement_lists: Vec<&Value> = doc.get("security").into_iter().collect();
    for (_, operation) in schema::operation_nodes(doc) {
        requirement_lists.extend(operation.get("security"));
    }
    for list in requirement_lists {
        for requirement in list.as_array().into_iter().flatten() {
            for name in requirement
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, _)| k)
            {
                schemes_used.insert(name.clone());
            }
        }
    }
    let Some(components) = doc.get("components").and_then(Value::as_object) else {
        return;
    };
    for (kind, entries) in components {
        if kind.starts_with("x-") {
            continue;
        }
        for name in entries.as_object().into_iter().flatten().map(|(k, _)| k) {
            let pointer = format!("/components/{}/{}", escape(kind), escape(name));
            let is_used = if kind == "securitySchemes" {
                schemes_used.contains(name)
            } else {
                used.contains(&pointer)
            };
            if !is_used {
                findings.push(source.finding(
                    "component-unused",
                    &pointer,
                    format!("{kind} component {name} is never used"),
                ));
            }
        }
    }
}

/// Adds the targets (as JSON pointers) of every `$ref` under `value` to
/// `out`. Example payloads are data and are not searched, except for the
/// `$ref`s to named examples.
fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(target) = reference(value).and_then(|r| r.strip_prefix('#')) {
                out.push(target.to_string());
            }
            for (key, child) in map {
                match key.as_str() {
                    "example" | "x-acknowledged" => {}
                    "examples" => {
                        for example in child.as_object().into_iter().flatten().map(|(_, v)| v) {
                            if let Some(target) =
                                reference(example).and_then(|r| r.strip_prefix('#'))
                            {
                                out.push(target.to_string());
                            }
                        }
                    }
                    _ => collect_refs(child, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_refs(item, out)),
        _ => {}
    }
}
