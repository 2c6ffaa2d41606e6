//! Finding and walking the schemas of a document, and converting OpenAPI 3.0
//! schemas to JSON Schema draft 4.

use serde_json::{Map, Value};

use super::reference;
use crate::check::{METHODS, resolve};
use crate::positions::escape;

/// Where schemas sit in an OpenAPI document: every top-level schema node,
/// with its JSON pointer. Nested schemas are reached with [`walk`].
pub fn roots(doc: &Value) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    if let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for (name, schema) in schemas {
            out.push((format!("/components/schemas/{}", escape(name)), schema));
        }
    }
    for (pointer, parameter) in parameter_nodes(doc) {
        if let Some(schema) = parameter.get("schema") {
            out.push((format!("{pointer}/schema"), schema));
        }
    }
    for (pointer, media) in media_types(doc) {
        if let Some(schema) = media.get("schema") {
            out.push((format!("{pointer}/schema"), schema));
        }
    }
    for (pointer, header) in headers(doc) {
        if let Some(schema) = header.get("schema") {
            out.push((format!("{pointer}/schema"), schema));
        }
    }
    out
}

/// Every parameter object written in the document (components and inline,
/// not `$ref`s to them), with its pointer.
pub fn parameter_nodes(doc: &Value) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    if let Some(map) = doc
        .pointer("/components/parameters")
        .and_then(Value::as_object)
    {
        for (name, parameter) in map {
            out.push((
                format!("/components/parameters/{}", escape(name)),
                parameter,
            ));
        }
    }
    for (path, item) in paths(doc) {
        let base = format!("/paths/{}", escape(path));
        let mut holders = vec![(base.clone(), item)];
        for method in METHODS {
            if let Some(operation) = item.get(method) {
                holders.push((format!("{base}/{method}"), operation));
            }
        }
        for (pointer, holder) in holders {
            if let Some(list) = holder.get("parameters").and_then(Value::as_array) {
                for (index, parameter) in list.iter().enumerate() {
                    if reference(parameter).is_none() {
                        out.push((format!("{pointer}/parameters/{index}"), parameter));
                    }
                }
            }
        }
    }
    out
}

/// Every response object written in the document, with its pointer.
pub fn response_nodes(doc: &Value) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    if let Some(map) = doc
        .pointer("/components/responses")
        .and_then(Value::as_object)
    {
        for (name, response) in map {
            out.push((format!("/components/responses/{}", escape(name)), response));
        }
    }
    for (pointer, operation) in operation_nodes(doc) {
        if let Some(map) = operation.get("responses").and_then(Value::as_object) {
            for (status, response) in map {
                if reference(response).is_none() {
                    out.push((format!("{pointer}/responses/{}", escape(status)), response));
                }
            }
        }
    }
    out
}

/// Every media type object (`content/<type>`) of a response or request
/// body written in the document, with its pointer.
pub fn media_types(doc: &Value) -> Vec<(String, &Value)> {
    let mut holders = response_nodes(doc);
    if let Some(map) = doc
        .pointer("/components/requestBodies")
        .and_then(Value::as_object)
    {
        for (name, body) in map {
            holders.push((format!("/components/requestBodies/{}", escape(name)), body));
        }
    }
    for (pointer, operation) in operation_nodes(doc) {
        if let Some(body) = operation.get("requestBody")
            && reference(body).is_none()
        {
            holders.push((format!("{pointer}/requestBody"), body));
        }
    }
    let mut out = Vec::new();
    for (pointer, holder) in holders {
        if let Some(content) = holder.get("content").and_then(Value::as_object) {
            for (media, body) in content {
                out.push((format!("{pointer}/content/{}", escape(media)), body));
            }
        }
    }
    out
}

fn headers(doc: &Value) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    if let Some(map) = doc
        .pointer("/components/headers")
        .and_then(Value::as_object)
    {
        for (name, header) in map {
            out.push((format!("/components/headers/{}", escape(name)), header));
        }
    }
    for (pointer, response) in response_nodes(doc) {
        if let Some(map) = response.get("headers").and_then(Value::as_object) {
            for (name, header) in map {
                if reference(header).is_none() {
                    out.push((format!("{pointer}/headers/{}", escape(name)), header));
                }
            }
        }
    }
    out
}

fn paths(doc: &Value) -> Vec<(&str, &Value)> {
    doc.get("paths")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.as_str(), v)).collect())
        .unwrap_or_default()
}

/// Every operation object, with its pointer.
pub fn operation_nodes(doc: &Value) -> Vec<(String, &Value)> {
    crate::check::operations(doc)
        .into_iter()
        .map(|op| (op.pointer(), op.operation))
        .collect()
}

/// Calls `visit` on `schema` and every schema nested in it (properties,
/// items, additionalProperties, allOf/anyOf/oneOf, not), without following
/// `$ref`s.
pub fn walk<'a>(schema: &'a Value, pointer: &str, visit: &mut impl FnMut(&'a Value, &str)) {
    if !schema.is_object() {
        return;
    }
    visit(schema, pointer);
    for (key, child) in children(schema) {
        walk(child, &format!("{pointer}/{key}"), visit);
    }
}

/// The schemas directly nested in `schema`, each with its pointer suffix
/// relative to `schema`.
pub fn children(schema: &Value) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, child) in properties {
            out.push((format!("properties/{}", escape(name)), child));
        }
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(child) = schema.get(key).filter(|c| c.is_object()) {
            out.push((key.to_string(), child));
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(list) = schema.get(key).and_then(Value::as_array) {
            for (index, child) in list.iter().enumerate() {
                out.push((format!("{key}/{index}"), child));
            }
        }
    }
    out
}

/// Whether a schema states what type its values have: a `type`, a `$ref`
/// to a typed schema, a oneOf/anyOf whose branches are all typed, or an
/// allOf with a typed branch.
pub fn is_typed(doc: &Value, schema: &Value) -> bool {
    is_typed_at(doc, schema, 0)
}

fn is_typed_at(doc: &Value, schema: &Value, depth: usize) -> bool {
    if depth > 32 {
        return false;
    }
    let Some(schema) = resolve(doc, schema) else {
        return false;
    };
    if schema.get("type").is_some() {
        return true;
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(list) = schema.get(key).and_then(Value::as_array) {
            return !list.is_empty() && list.iter().all(|b| is_typed_at(doc, b, depth + 1));
        }
    }
    schema
        .get("allOf")
        .and_then(Value::as_array)
        .is_some_and(|list| list.iter().any(|b| is_typed_at(doc, b, depth + 1)))
}

/// Whether a schema has a description, itself or through its `$ref`.
pub fn is_described(doc: &Value, schema: &Value) -> bool {
    resolve(doc, schema)
        .and_then(|s| s.get("description"))
        .and_then(Value::as_str)
        .is_some_and(|d| !d.trim().is_empty())
}

/// Keywords of OpenAPI 3.0 schemas that JSON Schema draft 4 does not have
/// (or that only annotate); they are dropped by [`to_draft4`]. `format` is
/// dropped too: OpenAPI formats such as int32 are hints, and checking them
/// strictly would reject documented examples for reasons the client does
/// not care about.
const OPENAPI_ONLY: [&str; 10] = [
    "nullable",
    "discriminator",
    "readOnly",
    "writeOnly",
    "xml",
    "externalDocs",
    "example",
    "examples",
    "deprecated",
    "format",
];

const SCHEMA_PREFIX: &str = "#/components/schemas/";

/// Converts the OpenAPI 3.0 `schema` into a standalone JSON Schema draft 4
/// document. Component schemas it refers to are carried along under
/// `definitions`, with their `$ref`s rewritten; `nullable: true` adds
/// `"null"` to the type (and to an `enum`); OpenAPI-only keywords and
/// vendor extensions are dropped.
pub fn to_draft4(doc: &Value, schema: &Value) -> Value {
    let mut definitions = Map::new();
    if let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for (name, component) in schemas {
            definitions.insert(name.clone(), convert(doc, component, 0));
        }
    }
    let mut root = Map::new();
    root.insert("allOf".into(), Value::Array(vec![convert(doc, schema, 0)]));
    root.insert("definitions".into(), Value::Object(definitions));
    Value::Object(root)
}

fn convert(doc: &Value, schema: &Value, depth: usize) -> Value {
    let Some(map) = schema.as_object() else {
        return schema.clone();
    };
    if let Some(target) = reference(schema) {
        if let Some(name) = target.strip_prefix(SCHEMA_PREFIX) {
            let mut out = Map::new();
            out.insert(
                "$ref".into(),
                Value::String(format!("#/definitions/{name}")),
            );
            return Value::Object(out);
        }
        // A reference elsewhere in the document (rare): inline its target.
        return match resolve(doc, schema) {
            Some(resolved) if depth < 32 => convert(doc, resolved, depth + 1),
            _ => Value::Object(Map::new()),
        };
    }
    let mut out = Map::new();
    for (key, value) in map {
        if key.starts_with("x-") || OPENAPI_ONLY.contains(&key.as_str()) {
            continue;
        }
        let converted = match key.as_str() {
            "properties" | "patternProperties" => match value.as_object() {
                Some(children) => Value::Object(
                    children
                        .iter()
                        .map(|(k, v)| (k.clone(), convert(doc, v, depth + 1)))
                        .collect(),
                ),
                None => value.clone(),
            },
            "items" | "additionalProperties" | "not" => convert(doc, value, depth + 1),
            "allOf" | "anyOf" | "oneOf" => match value.as_array() {
                Some(list) => {
                    Value::Array(list.iter().map(|v| convert(doc, v, depth + 1)).collect())
                }
                None => value.clone(),
            },
            _ => value.clone(),
        };
        out.insert(key.clone(), converted);
    }
    if map.get("nullable").and_then(Value::as_bool) == Some(true) {
        match out.get_mut("type") {
            Some(Value::String(t)) => {
                let t = Value::String(t.clone());
                out.insert("type".into(), Value::Array(vec![t, "null".into()]));
            }
            Some(Value::Array(types)) if !types.iter().any(|t| t == "null") => {
                types.push("null".into());
            }
            _ => {}
        }
        if let Some(Value::Array(values)) = out.get_mut("enum")
            && !values.contains(&Value::Null)
        {
            values.push(Value::Null);
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nullable_adds_null_and_refs_move_to_definitions() {
        let doc = json!({"components": {"schemas": {
            "A": {"type": "string", "nullable": true, "enum": ["x"], "x-foo": 1, "format": "uuid"},
            "B": {"type": "object", "properties": {"a": {"$ref": "#/components/schemas/A"},
                  "example": {"type": "integer", "example": 3}}}
        }}});
        let converted = to_draft4(&doc, &json!({"$ref": "#/components/schemas/B"}));
        assert_eq!(
            converted,
            json!({
                "allOf": [{"$ref": "#/definitions/B"}],
                "definitions": {
                    "A": {"type": ["string", "null"], "enum": ["x", null]},
                    "B": {"type": "object", "properties": {
                        "a": {"$ref": "#/definitions/A"},
                        "example": {"type": "integer"}
                    }}
                }
            })
        );
    }

    #[test]
    fn typed_follows_refs_and_one_of() {
        let doc = json!({"components": {"schemas": {
            "T": {"type": "string"},
            "U": {"oneOf": [{"type": "string"}, {"$ref": "#/components/schemas/T"}]},
            "V": {"oneOf": [{"type": "string"}, {"description": "untyped"}]}
        }}});
        assert!(is_typed(&doc, &json!({"$ref": "#/components/schemas/U"})));
        assert!(!is_typed(&doc, &json!({"$ref": "#/components/schemas/V"})));
        assert!(!is_typed(
            &doc,
            &json!({"$ref": "#/components/schemas/Nope"})
        ));
    }
}
